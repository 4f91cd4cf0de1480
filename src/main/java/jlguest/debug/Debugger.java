package jlguest.debug;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;

import jlguest.cpu.Cpu;
import jlguest.machine.Machine;

/**
 * Run control for the monitor and the gdb stub: pause, continue, single-step and breakpoints.
 *
 * <p>tour:monitor:050 The guest runs on the CPU thread; the monitor and gdb live on theirs. They
 * never touch the CPU while it runs: they ask, and the CPU thread answers between two run slices,
 * in {@link #beforeSlice}, the hook the machine calls. To pause, we raise a flag and poke the
 * machine (ending the slice or the idle wait); the CPU thread then parks here until told to go
 * on. A breakpoint is not an INT3 patched into guest memory, which the guest could see, copy or
 * checksum: while any breakpoint is set, the CPU runs one instruction per slice and we compare
 * EIP with the set before each one. That is slow (a few MIPS), and it is the price of needing
 * nothing from the CPU but {@code run(1)}; a breakpoint check inside the CPU's block loop would
 * make it free (asked of the CPU's owners).
 */
public final class Debugger implements Machine.DebugHook {
    /** Why the guest stopped. */
    public enum Reason { START, REQUEST, BREAKPOINT, STEP, WATCH }

    /** Told (on the CPU thread) whenever the guest stops. */
    public interface StopListener {
        void stopped(Reason reason, int eip);
    }

    /** Told about events as they happen (for traces). */
    public interface EventListener {
        default void instruction(Cpu cpu) {
        }

        default void interrupt(int vector) {
        }

        default void exception(int vector, int errorCode, int eip) {
        }

        default void hypercall(int number) {
        }

        /** A port access (IN or OUT); {@code value} is what was read or written. */
        default void io(int port, int size, boolean write, int value) {
        }

        /** A physical access that is not RAM: a virtio register, or empty space. */
        default void mmio(int address, int size, boolean write, int value) {
        }
    }

    private final Object lock = new Object();
    private final Set<Integer> breakpoints = new ConcurrentSkipListSet<>((a, b) -> Integer.compareUnsigned(a, b));
    private final List<StopListener> stopListeners = new CopyOnWriteArrayList<>();
    private volatile Machine machine;
    private volatile EventListener events;
    private long tracedCount = -1;   // CPU thread only
    private int tracedEip;

    // guarded by lock
    private boolean paused;
    private boolean pauseRequested;
    private Reason requestReason = Reason.REQUEST;
    private long stepUntil = -1;     // instruction count at which a step ends, or -1
    private boolean holding;         // interrupts held back for the step in progress (CPU thread)
    private int skipAt = -1;         // the breakpoint we resume from is not hit again at once
    private long skipCount;
    private boolean skipping;
    private long stops;              // counts pauses, so a waiter can tell a new one

    /** @param startPaused true for -S: the guest stops before its first instruction */
    public Debugger(boolean startPaused) {
        if (startPaused) {
            pauseRequested = true;
            requestReason = Reason.START;
        }
    }

    /** Hooks this debugger into a machine (again after each reboot). */
    public void attach(Machine m) {
        this.machine = m;
        this.attachedNanos = System.nanoTime();
        this.watchesChanged = true;     // a new machine (a reboot) gets the watchpoints too
        m.setDebugHook(this);
        watchBuses();
    }

    private volatile long attachedNanos = System.nanoTime();

    /** When the current machine was attached (it starts running right after): for speed figures. */
    public long attachedNanos() {
        return attachedNanos;
    }

    /** The buses report accesses only while someone listens: unwatched, they cost one null check. */
    private void watchBuses() {
        Machine m = machine;
        if (m == null) {
            return;
        }
        boolean on = events != null;
        m.ioPorts().setObserver(on ? (port, size, write, value) -> {
            EventListener ev = events;
            if (ev != null) {
                ev.io(port, size, write, value);
            }
        } : null);
        m.physicalBus().setObserver(on ? (addr, size, write, value) -> {
            EventListener ev = events;
            if (ev != null) {
                ev.mmio(addr, size, write, value);
            }
        } : null);
    }

    public Machine machine() {
        return machine;
    }

    public Cpu cpu() {
        return machine.cpu();
    }

    public void addStopListener(StopListener l) {
        stopListeners.add(l);
    }

    public void removeStopListener(StopListener l) {
        stopListeners.remove(l);
    }

    public void setEventListener(EventListener l) {
        events = l;
        watchBuses();
        poke();
    }

    // ---- the CPU thread's side ----------------------------------------------------------------

    @Override
    public long beforeSlice(long budget) {
        Cpu cpu = machine.cpu();
        if (watchesChanged) {
            watchesChanged = false;
            cpu.setDataWatch(watchpoints.isEmpty() ? null : dataWatch);
        }
        Reason reason = null;
        synchronized (lock) {
            long count = cpu.instructions();
            if (skipping && count != skipCount) {
                skipping = false;
            }
            if (pauseRequested) {
                reason = requestReason;
            } else if (stepUntil >= 0 && count >= stepUntil) {
                reason = Reason.STEP;
            } else if (!breakpoints.isEmpty() && breakpoints.contains(cpu.eip())
                    && !(skipping && cpu.eip() == skipAt)) {
                reason = Reason.BREAKPOINT;
            }
            if (reason != null) {
                paused = true;
                pauseRequested = false;
                requestReason = Reason.REQUEST;
                stepUntil = -1;
                stops++;
                lock.notifyAll();
            }
        }
        if (reason != null) {
            for (StopListener l : stopListeners) {
                l.stopped(reason, cpu.eip());
            }
            if (holding) {
                holding = false;
                machine.holdInterrupts(false);
            }
            machine.freezeClock();    // a paused machine's time stands still
            try {
                synchronized (lock) {
                    while (paused) {
                        try {
                            lock.wait();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return 0;
                        }
                    }
                    skipAt = cpu.eip();
                    skipCount = cpu.instructions();
                    skipping = true;
                }
            } finally {
                machine.thawClock();
            }
            return 0;   // come round again: a step or breakpoint may apply at once
        }
        EventListener ev = events;
        if (ev != null && (cpu.instructions() != tracedCount || cpu.eip() != tracedEip)) {
            tracedCount = cpu.instructions();   // a slice that ran nothing (a stop request) is not traced twice
            tracedEip = cpu.eip();
            ev.instruction(cpu);
        }
        boolean stepping;
        synchronized (lock) {
            stepping = stepUntil >= 0;
        }
        if (stepping != holding) {
            holding = stepping;
            machine.holdInterrupts(stepping);   // a step is the next instruction, not an interrupt handler
        }
        synchronized (lock) {
            if (stepUntil >= 0 || !breakpoints.isEmpty() || ev != null) {
                return 1;
            }
        }
        return budget;
    }

    @Override
    public boolean wantsControl() {
        synchronized (lock) {
            return pauseRequested;
        }
    }

    @Override
    public void interrupt(int vector) {
        EventListener ev = events;
        if (ev != null) {
            ev.interrupt(vector);
        }
    }

    @Override
    public void exception(int vector, int errorCode, int eip) {
        EventListener ev = events;
        if (ev != null) {
            ev.exception(vector, errorCode, eip);
        }
    }

    @Override
    public void hypercall(int number) {
        EventListener ev = events;
        if (ev != null) {
            ev.hypercall(number);
        }
    }

    // ---- the monitor's and gdb's side ---------------------------------------------------------

    public boolean isPaused() {
        synchronized (lock) {
            return paused;
        }
    }

    /** Asks the guest to stop; returns at once. Listeners hear of it when it has. */
    public void requestPause() {
        synchronized (lock) {
            if (paused) {
                return;
            }
            pauseRequested = true;
        }
        poke();
    }

    /** Stops the guest and waits (up to {@code millis}) until it has; true when it is paused. */
    public boolean pause(long millis) {
        requestPause();
        return awaitPause(millis);
    }

    /** Waits (up to {@code millis}) for the guest to be paused. */
    public boolean awaitPause(long millis) {
        return awaitUnderLock(() -> paused, millis);
    }

    /**
     * Waits on the lock (up to {@code millis}) until {@code done} holds; false on time-out or
     * interrupt. {@code done} is evaluated with the lock held.
     */
    private boolean awaitUnderLock(java.util.function.BooleanSupplier done, long millis) {
        long end = System.currentTimeMillis() + millis;
        synchronized (lock) {
            while (!done.getAsBoolean()) {
                long left = end - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                try {
                    lock.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** The machine is ending: let the CPU thread out of a pause (it then sees the end, not the guest). */
    @Override
    public void release() {
        resume();
    }

    /**
     * Runs {@code action} with the guest held still between two slices (for a snapshot): pauses
     * it first if it runs, and lets it run on afterwards; a guest already paused stays paused.
     * Returns false, without running {@code action}, when the guest did not stop within
     * {@code millis}.
     */
    public boolean withGuestHeld(long millis, Runnable action) {
        boolean wasPaused = isPaused();
        if (!wasPaused && !pause(millis)) {
            return false;
        }
        try {
            synchronized (lock) {   // the CPU thread waits on this lock: what we change, it sees
                action.run();
            }
        } finally {
            if (!wasPaused) {
                resume();
            }
        }
        return true;
    }

    /** Lets a paused guest run on. */
    public void resume() {
        synchronized (lock) {
            paused = false;
            lock.notifyAll();
        }
    }

    /** Runs {@code n} instructions then pauses again; returns at once (listeners hear of the stop). */
    public void startStep(long n) {
        synchronized (lock) {
            stepUntil = machine.cpu().instructions() + Math.max(1, n);
            paused = false;
            lock.notifyAll();
        }
        poke();
    }

    /** Steps {@code n} instructions and waits (up to {@code millis}) until done; true when paused again. */
    public boolean step(long n, long millis) {
        long stopsBefore;
        synchronized (lock) {
            stopsBefore = stops;
        }
        final long before = stopsBefore;
        startStep(n);
        return awaitUnderLock(() -> stops != before && paused, millis);
    }

    // ---- data watchpoints (gdb's Z2/Z3/Z4) ------------------------------------------------------

    /** What a watchpoint watches: writes, reads, or both. */
    public enum WatchKind { WRITE, READ, ACCESS }

    /** A watched range of linear addresses. */
    public record Watchpoint(int address, int length, WatchKind kind) {
        boolean covers(int lin, int size) {
            return Integer.compareUnsigned(lin - address, length) < 0
                    || Integer.compareUnsigned(address - lin, size) < 0;
        }
    }

    private final List<Watchpoint> watchpoints = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Set by the debugger's threads; the CPU thread hands the new set to the CPU before its next slice. */
    private volatile boolean watchesChanged;
    /** The last hit, for the stop reply: the watchpoint and the address the access touched. */
    private volatile Watchpoint lastWatch;

    public void addWatchpoint(int address, int length, WatchKind kind) {
        watchpoints.add(new Watchpoint(address, Math.max(1, length), kind));
        watchesChanged = true;
        poke();
    }

    public boolean removeWatchpoint(int address, int length, WatchKind kind) {
        boolean removed = watchpoints.remove(new Watchpoint(address, Math.max(1, length), kind));
        watchesChanged = true;
        poke();
        return removed;
    }

    public List<Watchpoint> watchpoints() {
        return List.copyOf(watchpoints);
    }

    /** The watchpoint behind the last stop with reason WATCH. */
    public Watchpoint lastWatch() {
        return lastWatch;
    }

    /** The CPU's view of the watchpoints (jlguest.cpu.DataWatch), asked on the CPU thread. */
    private final jlguest.cpu.DataWatch dataWatch = new jlguest.cpu.DataWatch() {
        @Override
        public int pageMode(int vpn) {
            int mode = 0;
            for (Watchpoint w : watchpoints) {
                int first = w.address() >>> 12, last = (w.address() + w.length() - 1) >>> 12;
                if (Integer.compareUnsigned(vpn - first, last - first + 1) < 0 || vpn == first || vpn == last) {
                    mode |= w.kind() == WatchKind.WRITE ? WRITES : w.kind() == WatchKind.READ ? READS : READS | WRITES;
                }
            }
            return mode;
        }

        @Override
        public boolean hit(int lin, int size, boolean write) {
            for (Watchpoint w : watchpoints) {
                boolean kindMatches = w.kind() == WatchKind.ACCESS || (w.kind() == WatchKind.WRITE) == write;
                if (kindMatches && w.covers(lin, size)) {
                    lastWatch = w;
                    synchronized (lock) {
                        pauseRequested = true;
                        requestReason = Reason.WATCH;
                    }
                    return true;
                }
            }
            return false;
        }
    };

    public boolean addBreakpoint(int address) {
        boolean added = breakpoints.add(address);
        poke();
        return added;
    }

    public boolean removeBreakpoint(int address) {
        return breakpoints.remove(address);
    }

    public void clearBreakpoints() {
        breakpoints.clear();
    }

    /** The breakpoints, in address order. */
    public List<Integer> breakpoints() {
        return List.copyOf(breakpoints);
    }

    private void poke() {
        Machine m = machine;
        if (m != null) {
            m.poke();
        }
    }
}
