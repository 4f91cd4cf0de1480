package jlguest.machine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import jlguest.boot.LoadedKernel;
import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;
import jlguest.bus.Ram;
import jlguest.console.ConsoleInput;
import jlguest.console.ConsoleOutput;
import jlguest.cpu.Cpu;
import jlguest.cpu.jit.CompilerService;
import jlguest.cpu.CpuHost;
import jlguest.cpu.CpuSnapshot;
import jlguest.cpu.Stop;
import jlguest.devices.legacy.CmosRtc;
import jlguest.devices.legacy.DelayPort80;
import jlguest.devices.legacy.FpuErrorLatch;
import jlguest.devices.legacy.I8042;
import jlguest.devices.legacy.Pic8259Pair;
import jlguest.devices.legacy.Pit8254;
import jlguest.devices.legacy.SystemControlPort61;
import jlguest.devices.legacy.TestExitPort;
import jlguest.devices.virtio.VirtioDevices;
import jlguest.devices.virtio.VirtioSlot;
import jlguest.devices.virtio.console.VirtioConsole;
import jlguest.devices.legacy.Uart16550;
import jlguest.hypercall.Hypercalls;
import jlguest.hypercall.KvmParavirt;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;
import jlguest.time.GuestClock;
import jlguest.time.HostClock;
import jlguest.time.TimerQueue;

/**
 * One guest machine: the CPU, RAM, the buses and the devices on them, and the loop that runs it.
 *
 * <p>tour:machine:010 This class owns nothing clever: it wires. RAM goes on the physical bus;
 * the PICs, the PIT, the UART, the RTC, the keyboard controller and the delay port go on the port
 * bus at the addresses machine.md lists; the PIC's INTR output is the CPU's INTR input; the PIT
 * and the UART raise their IRQ lines on the PIC. The CPU asks the machine (as its {@link CpuHost})
 * for interrupt vectors, MSRs, the time and hypercalls.
 */
public final class Machine implements Hypercalls.Services {
    static {
        // The block compiler needs the CPU, so the CPU cannot reach for it: the machine gives it
        // (whether it runs is jlguest.jit's say: --compiler / --no-compiler).
        Cpu.useBlockCompiler(CompilerService.BACKEND);
    }

    /** How a run ended. */
    public enum Ending { POWER_OFF, REBOOT, EXIT, FAILURE, QUIT, PANIC }

    /** The end of a run and the exit status it asks the launcher for. */
    public record Outcome(Ending ending, int status, String message) {
    }

    /** Instructions per run slice: about half a millisecond at 100 MIPS. */
    private static final long SLICE = 50_000;
    /** Longest a halted CPU sleeps without looking around (input may arrive any time). */
    private static final long MAX_IDLE_NANOS = 50_000_000;

    private final Ram ram;
    private final Cpu cpu;
    private final LoadedKernel kernel;
    private final MachineConfig config;
    private final ConsoleOutput console;
    private final GuestClock clock;
    private final InstructionClock instructionClock;
    private final TimerQueue timers = new TimerQueue();
    private final TimerQueue.Timer hypercallTimer;
    private final Pic8259Pair pic;
    private final Uart16550 uart;
    private final ConsoleInput.Target keyboard;
    /** The PIC's INTR output as it is, and whether the debugger holds it back from the CPU (CPU thread). */
    private boolean intrRaised;
    private boolean intrHeld;
    private final KvmParavirt kvm;
    private final Hypercalls hypercalls;
    private final VirtioDevices virtio;
    private final PhysicalBus bus;
    private final FpuErrorLatch fpuError;
    private final IoPorts io;
    private final Thread cpuThread;
    private final Counters counters = new Counters();

    private final Pit8254 pit;
    private final I8042 keyboardController;
    private final CmosRtc rtc;
    private final SystemControlPort61 port61;
    /** The monitor's and gdb stub's hook into the run loop (jlguest.monitor), or null. */
    private volatile DebugHook debugHook;

    /** Stateful parts by section id, in restore order. */
    private final Map<String, Stateful> parts = new LinkedHashMap<>();
    /** True once a snapshot was restored into this machine: run() goes on from there. */
    private boolean restored;

    /** Set by any thread to end the run; the CPU thread acts on it at the next slice. */
    private volatile Outcome requested;

    /** A machine without virtio devices. */
    public Machine(Ram ram, LoadedKernel kernel, MachineConfig config, ConsoleOutput console) {
        this(ram, kernel, config, console, VirtioDevices.none());
    }

    /**
     * @param virtio the host side of the virtio devices (files, sockets); they outlive the machine
     *               across reboots, each machine attaching fresh transports to them
     */
    public Machine(Ram ram, LoadedKernel kernel, MachineConfig config, ConsoleOutput console, VirtioDevices virtio) {
        this(ram, kernel, config, console, virtio, null);
    }

    /**
     * A machine after a reboot: as new in every way the guest can see, but built into the
     * previous machine's port table and CPU caches (cleared), which {@code previous} gives up: it
     * must never run again. Null: everything new.
     */
    public Machine(Ram ram, LoadedKernel kernel, MachineConfig config, ConsoleOutput console, VirtioDevices virtio,
                   Machine previous) {
        this.ram = ram;
        this.virtio = virtio;
        this.kernel = kernel;
        this.config = config;
        this.console = console;
        this.cpuThread = Thread.currentThread();
        bus = new PhysicalBus(ram);
        io = previous == null ? new IoPorts() : previous.io;
        io.clear();
        this.cpu = new Cpu(bus, io, new Host(), previous == null ? null : previous.cpu);
        if (config.deterministic()) {
            instructionClock = new InstructionClock(cpu);
            clock = instructionClock;
        } else {
            instructionClock = null;
            clock = new HostClock();
        }
        long epoch = config.deterministic() ? DETERMINISTIC_EPOCH_NANOS : System.currentTimeMillis() * 1_000_000L;

        pic = new Pic8259Pair();
        pic.setIntrListener(level -> {
            intrRaised = level;
            cpu.setIntrLine(level && !intrHeld);
        });
        io.register(Pic8259Pair.MASTER_BASE, 2, pic);
        io.register(Pic8259Pair.SLAVE_BASE, 2, pic);
        io.register(Pic8259Pair.ELCR_BASE, 2, pic);
        pit = new Pit8254(clock, timers, pic.line(0));
        io.register(Pit8254.BASE, 4, pit);
        port61 = new SystemControlPort61(pit, clock);
        io.register(SystemControlPort61.PORT, 1, port61);
        uart = new Uart16550(panicWatch(), pic.line(Uart16550.COM1_IRQ), this::wakeUp);
        io.register(Uart16550.COM1_BASE, 8, uart);
        kvm = new KvmParavirt(ram, clock, epoch);
        rtc = new CmosRtc(() -> (kvm.bootEpochNanos() + clock.nanos()) / 1_000_000L);
        io.register(CmosRtc.INDEX_PORT, 2, rtc);
        keyboardController = new I8042(() -> request(Ending.REBOOT, 0, null), pic.line(1), pic.line(12));
        io.register(I8042.DATA_PORT, 1, keyboardController);
        io.register(I8042.STATUS_PORT, 1, keyboardController);
        io.register(DelayPort80.PORT, 1, new DelayPort80());
        fpuError = new FpuErrorLatch(pic.line(FpuErrorLatch.IRQ));
        io.register(FpuErrorLatch.PORT, 1, fpuError);
        boolean scripted = KernelCommandLine.isScripted(kernel.commandLine());
        if (config.testExit() || scripted) {
            TestExitPort.Mode mode = config.testExit() ? TestExitPort.Mode.QEMU : TestExitPort.Mode.STATUS;
            io.register(TestExitPort.PORT, 1, new TestExitPort(status -> request(Ending.EXIT, status, null), mode));
        }
        // tour:machine:015 Each virtio device is a 4 KiB MMIO window at 0xD0000000 + 0x1000*n on
        // a level-triggered ISA IRQ (5, 6, 7, 9, 10, 11), as a BIOS would have set the ELCR.
        VirtioConsole hvc = null;
        for (VirtioSlot slot : virtio.attach(ram, pic::line, this::wakeUp)) {
            pic.setLevelTriggered(slot.irq(), true);
            bus.map(slot.base(), slot.size(), slot.mmio());
            if (slot.mmio().device() instanceof VirtioConsole c) {
                c.connect(panicWatch());   // hvc0 is the kernel's console as much as ttyS0
                hvc = c;
            }
        }
        // tour:machine:017 Keys go to the device the guest's console is: hvc0 when the command line
        // says so (the launcher's default for a kernel with the driver), the 16550 otherwise.
        keyboard = hvc != null && KernelCommandLine.consoleIsHvc(kernel.commandLine()) ? hvc::offerInput
                : uart::offerInput;
        hypercalls = new Hypercalls(ram, this);
        hypercallTimer = timers.newTimer("hypercall timer", pic.line(0)::pulse);
        parts.put("cpu", new CpuSnapshot(cpu));
        parts.put("clock", new Stateful() {
            @Override
            public void save(StateWriter out) {
                out.i64(clock.nanos());
            }

            @Override
            public void restore(StateReader in) {
                clock.resumeAt(in.i64());   // after "cpu": an instruction clock counts from its count
            }
        });
        parts.put("kvmclock", kvm);
        parts.put("timers", timers);
        parts.put("pic", pic);
        parts.put("pit", pit);
        parts.put("port61", port61);
        parts.put("uart", uart);
        parts.put("rtc", rtc);
        parts.put("i8042", keyboardController);
        for (VirtioSlot slot : virtio.slots()) {
            parts.put("virtio" + slot.index(), slot.mmio());
        }
    }

    // ---- snapshots (jlguest.snapshot writes and reads the file) ----

    /**
     * tour:snapshot:060 The machine's state, part by part, each under a stable section id, in the
     * order a restore needs: the CPU first (an instruction clock is made of its count), then the
     * clocks, the timer queue, the interrupt controller, the legacy devices, and one section per
     * virtio device. RAM is not a part here: the snapshot file writes it page by page. Ports with
     * nothing to remember (the delay port, the test exit port, the FPU error latch, whose one bit
     * is an IRQ line level the PIC keeps) are no parts.
     */
    public Map<String, Stateful> stateParts() {
        return Collections.unmodifiableMap(parts);
    }

    /** Null when every part of this machine can be saved; otherwise which cannot, in one sentence. */
    public String unsavable() {
        for (VirtioSlot slot : virtio.slots()) {
            if (!slot.mmio().savable()) {
                return "virtio device " + slot.name() + " does not support snapshots";
            }
        }
        return null;
    }

    /** Before a save (CPU thread): waits until no virtio request is with a host thread, completing each. */
    public void quiesce() {
        while (virtio.busy()) {
            LockSupport.parkNanos(1_000_000);
            virtio.poll();
        }
        virtio.poll();
        console.drain();
    }

    /**
     * After every part was restored: the run goes on from the restored CPU instead of entering the
     * kernel, and the interrupt controller's INTR output reaches the CPU again.
     */
    public void restored() {
        restored = true;
        cpu.setIntrLine(pic.intr());
    }

    /** 2026-01-01T00:00:00Z: the wall-clock date a deterministic guest boots on. */
    private static final long DETERMINISTIC_EPOCH_NANOS = 1_767_225_600L * 1_000_000_000L;

    public Cpu cpu() {
        return cpu;
    }

    /** What the user asked for (a snapshot records it, to build the same machine again). */
    public MachineConfig config() {
        return config;
    }

    /** What the loader did; after a restore, only its command line is meaningful. */
    public LoadedKernel kernel() {
        return kernel;
    }

    public Counters counters() {
        return counters;
    }

    /**
     * Runs the guest until it powers off, reboots, exits through the test port, fails or the user
     * quits.
     *
     * <p>tour:machine:020 The run loop. The CPU runs in slices of at most {@link #SLICE}
     * instructions (in deterministic mode, never past the next timer deadline); between slices we
     * fire expired timers, flush the console, and look at why the CPU stopped. HLT with interrupts
     * enabled means "wake me at the next event": we park the host thread until the next timer
     * deadline or until console input arrives, so an idle guest costs (almost) nothing. HLT with
     * interrupts disabled can never end: that is how Linux powers off a machine without ACPI.
     */
    public Outcome run() {
        if (!restored) {
            cpu.enter(kernel.entry());
        }
        try {
            while (true) {
                timers.runExpired(clock.nanos());
                uart.poll();
                virtio.poll();
                Outcome end = requested;
                if (end != null) {
                    return end;
                }
                long budget = instructionClock == null ? SLICE
                        : Math.min(SLICE, instructionClock.instructionsUntil(timers.nextDeadline()));
                DebugHook hook = debugHook;
                if (hook != null) {
                    budget = hook.beforeSlice(budget);   // may block while the guest is paused
                    if (budget <= 0) {
                        continue;
                    }
                }
                Stop stop = cpu.run(budget);
                console.drain();
                switch (stop) {
                    case BUDGET, REQUESTED -> { }
                    case HALT -> idle();
                    case HALT_FOREVER -> {
                        return new Outcome(Ending.POWER_OFF, 0, null);
                    }
                    case TRIPLE_FAULT -> {
                        return new Outcome(Ending.REBOOT, 1, cpu.stopMessage());   // "triple fault: ..."
                    }
                    case UNIMPLEMENTED -> {
                        return new Outcome(Ending.FAILURE, 1, cpu.stopMessage());
                    }
                }
            }
        } finally {
            console.drain();
        }
    }

    // tour:time:040 Idle. A guest with nothing to do executes HLT with IF=1; the CPU ends its slice with
    // Stop.HALT and we come here: fire the timers that are due, and otherwise sleep the host thread until
    // the next deadline (LockSupport.parkNanos, woken early by console input or a virtio completion),
    // or, in deterministic mode, jump the instruction clock straight to it. The loop ends as soon as the
    // PIC raises INTR; the CPU then takes the interrupt, which ends the HLT. Our HALT hypercall comes
    // here too.
    // exercise:05 Make HLT report idle time: add the nanoseconds the guest spends in idle() (guest
    // time: clock.nanos() before and after) to Counters, and have the monitor's `info counters` print
    // "idle N ms". Hint: idle() is the only place the guest waits, for HLT and for the HALT hypercall
    // alike. Test: ExercisesTest.exercise05IdleTime.
    /** Waits, in host or guest time, until an interrupt is pending or the run must end. */
    private void idle() {
        if (intrHeld) {
            // A CPU halted while the debugger steps can only go on by an interrupt: let them through.
            holdInterrupts(false);
        }
        virtio.poll();   // before sleeping: a device may hold work for the end of the slice (a delayed ACK)
        while (!pic.intr() && requested == null && (debugHook == null || !debugHook.wantsControl())) {
            long now = clock.nanos();
            long deadline = timers.nextDeadline();
            if (deadline <= now) {
                timers.runExpired(now);
            } else if (instructionClock != null && deadline != Long.MAX_VALUE) {
                instructionClock.skipTo(deadline);
            } else {   // host time, or a deterministic guest with no timer armed: only input can wake it
                LockSupport.parkNanos(Math.min(deadline - now, MAX_IDLE_NANOS));
            }
            uart.poll();
            virtio.poll();
        }
    }

    /** Any thread: console input arrived, or the run must end. Wakes a parked CPU thread. */
    void wakeUp() {
        LockSupport.unpark(cpuThread);
    }

    /** Any thread: ends the run at the next slice boundary. */
    public void request(Ending ending, int status, String message) {
        if (requested == null) {
            requested = new Outcome(ending, status, message);
        }
        cpu.requestStop();
        wakeUp();
        DebugHook hook = debugHook;
        if (ending == Ending.QUIT && hook != null) {
            hook.release();     // a paused guest must not hold up Ctrl-A x or the monitor's quit
        }
    }

    /** The port bus, for the monitor's I/O trace. */
    public IoPorts ioPorts() {
        return io;
    }

    /** The physical bus (MMIO and empty space), for the monitor's MMIO trace. */
    public PhysicalBus physicalBus() {
        return bus;
    }

    public VirtioDevices virtio() {
        return virtio;
    }

    /** The console input thread's way in: takes up to {@code len} typed bytes and says how many it took. */
    public int offerInput(byte[] b, int off, int len) {
        return keyboard.offerInput(b, off, len);
    }

    /** A fresh watch on a console's output for the kernel's panic report, in front of the console. */
    private PanicWatch panicWatch() {
        return new PanicWatch(console, reason -> request(Ending.PANIC, PanicWatch.EXIT_STATUS,
                "the guest kernel panicked: " + reason));
    }

    public Uart16550 uart() {
        return uart;
    }

    public Ram ram() {
        return ram;
    }

    /** The legacy devices' states, for the monitor: name to describe() text. */
    public java.util.Map<String, String> describeDevices() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("pic", pic.describe());
        m.put("pit", pit.describe());
        m.put("uart", uart.describe());
        m.put("rtc", rtc.describe());
        m.put("i8042", keyboardController.describe());
        m.put("timers", timers.describe());
        return m;
    }

    /**
     * Debugger support (the monitor and the gdb stub, jlguest.monitor): a hook the run loop calls
     * between slices on the CPU thread, and that the CPU's interrupt, exception and hypercall
     * paths report to. Null (the default) costs one volatile read per slice.
     */
    public interface DebugHook {
        /** Before a slice: may block while paused; returns the slice's budget (1 to single-step, 0 to skip). */
        long beforeSlice(long budget);

        /** True when the hook wants the CPU thread back now (a pause request): ends an idle wait. */
        boolean wantsControl();

        /**
         * The machine is ending (the user quits): a {@link #beforeSlice} blocked on a pause must
         * return now, so that the run loop sees the request without running the guest on.
         */
        default void release() {
        }

        /** An external interrupt was acknowledged (vector). */
        default void interrupt(int vector) {
        }

        /** The CPU raised an exception. */
        default void exception(int vector, int errorCode, int eip) {
        }

        /** A hypercall is about to run (EAX = number). */
        default void hypercall(int number) {
        }
    }

    /** Guest nanoseconds since power-on (what the PIT, RTC and kvmclock count from). */
    public long guestNanos() {
        return clock.nanos();
    }

    /**
     * CPU thread: while the debugger single-steps, the PIC's interrupts are held back from the CPU,
     * as QEMU's gdb stub does, so that gdb's {@code step} and {@code next} walk the code being
     * stepped instead of landing in the timer's handler; they are delivered when the hold ends (or
     * when the CPU halts, which only an interrupt can end).
     */
    public void holdInterrupts(boolean hold) {
        intrHeld = hold;
        cpu.setIntrLine(intrRaised && !hold);
    }

    /** The debugger holds the guest: its clocks stand still until {@link #thawClock} (CPU thread). */
    public void freezeClock() {
        clock.freeze();
    }

    /** The guest runs again: its clocks go on from where they stood (CPU thread). */
    public void thawClock() {
        clock.thaw();
    }

    public void setDebugHook(DebugHook hook) {
        this.debugHook = hook;
    }

    /** Any thread: makes the CPU thread come round to the debug hook soon (ends a slice or an idle wait). */
    public void poke() {
        cpu.requestStop();
        wakeUp();
    }

    // ---- our hypercalls (docs/hypercalls.md) ----

    @Override
    public void consoleWrite(byte[] bytes, int offset, int length) {
        console.write(bytes, offset, length);
    }

    @Override
    public void haltUntilInterrupt() {
        console.drain();
        idle();
    }

    @Override
    public void setTimer(long delayNanos) {
        if (delayNanos == 0) {
            hypercallTimer.cancel();
        } else {
            hypercallTimer.armAt(clock.nanos() + delayNanos);
        }
    }

    @Override
    public long nanos() {
        return clock.nanos();
    }

    @Override
    public void shutdown(boolean reboot, String message, int status) {
        request(reboot ? Ending.REBOOT : Ending.EXIT, status, message.isEmpty() ? null : message);
    }

    @Override
    public boolean notifyQueue(int device, int queue) {
        return virtio.notifyQueue(device, queue);
    }

    /** The machine as the CPU sees it. */
    private final class Host implements CpuHost {
        @Override
        public int acknowledgeInterrupt() {
            counters.interrupts++;
            int vector = pic.acknowledge();
            DebugHook hook = debugHook;
            if (hook != null) {
                hook.interrupt(vector);
            }
            return vector;
        }

        // tour:paravirt:030 A hypercall's path: the guest executes VMCALL (0F 01 C1); the executor's group 7
        // checks CPL 0 (else #UD) and calls the host, which is here: count it (the monitor's
        // `info counters`), tell a debug hook (`trace hypercall on`), and let Hypercalls.call decode the
        // registers. What it returns lands in EAX, and the guest goes on at the next instruction.
        @Override
        public int hypercall(Cpu c) {
            counters.hypercalls++;
            DebugHook hook = debugHook;
            if (hook != null) {
                hook.hypercall(c.reg(0));
            }
            return hypercalls.call(c);
        }

        @Override
        public boolean readMsr(int index, long[] out) {
            return kvm.readMsr(index, out);
        }

        @Override
        public boolean writeMsr(int index, long value) {
            return kvm.writeMsr(index, value);
        }

        @Override
        public long timeStampCounter() {
            return kvm.tsc();
        }

        @Override
        public void fpuError() {
            fpuError.raise();
        }

        @Override
        public void hypervisorCpuid(int leaf, int[] regs) {
            kvm.cpuid(leaf, regs);
        }

        @Override
        public void exceptionRaised(int vector, int errorCode, int eip) {
            counters.exceptions[vector & 31]++;
            DebugHook hook = debugHook;
            if (hook != null) {
                hook.exception(vector, errorCode, eip);
            }
        }
    }

    /** Event counts for the monitor's statistics. */
    public static final class Counters {
        public long interrupts;
        public long hypercalls;
        public final long[] exceptions = new long[32];
    }
}
