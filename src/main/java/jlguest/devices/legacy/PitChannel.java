package jlguest.devices.legacy;

import jlguest.bus.IrqLine;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.time.GuestClock;
import jlguest.time.TimerQueue;

/**
 * One counter of the 8254: a 16-bit down-counter clocked at 1.193182 MHz, its six modes, its
 * latches and its OUT pin.
 *
 * <p>tour:devices:040 Nothing here ticks. A channel remembers when it started counting and from
 * which count; whenever the guest reads the counter (or asks about OUT) the value is computed from
 * {@link GuestClock}: {@code d} = elapsed 1.193182 MHz ticks, and each mode is a small formula in
 * {@code d}. Only the interrupt needs the future: for channel 0 the next rising edge of OUT is turned
 * into a guest-time deadline on a {@link TimerQueue} timer, whose action pulses IRQ 0 and computes
 * the edge after that. A guest that runs late gets one interrupt, not a burst of missed ones.
 *
 * <p>Simplified: a count is loaded at once rather than on the next CLK pulse, and a new count
 * written in modes 2 and 3 without a control word takes effect immediately rather than at the end
 * of the current period (Linux always writes the control word first). BCD counting is supported.
 */
final class PitChannel {
    static final long HZ = 1_193_182;
    private static final long NS_PER_S = 1_000_000_000L;

    private final int index;
    private final GuestClock clock;
    private final IrqLine irq;
    private final TimerQueue.Timer timer;

    int mode;
    /** Access mode from the control word: 1 LSB, 2 MSB, 3 LSB then MSB. */
    int rw = 3;
    boolean bcd;
    private int countRegister;
    /** The count in ticks: 1..65536 (binary) or 1..10000 (BCD); a written 0 means the maximum. */
    private long reload = 65536;
    private boolean countLoaded;
    private boolean gate;
    /** Modes 1 and 5 start counting on a rising gate edge. */
    private boolean triggered;
    /** Ticks elapsed while not running, plus the origin for {@link #runStart}. */
    private long frozenTicks;
    private boolean running;
    private long runStart;
    /** The tick of the rising edge the timer is armed for. */
    private long armedEdge;

    private boolean writeMsbNext;
    private int pendingLsb;
    private boolean readMsbNext;
    private boolean countLatched;
    private int latchedCount;
    private boolean latchMsbNext;
    private boolean statusLatched;
    private int latchedStatus;

    PitChannel(int index, GuestClock clock, TimerQueue timers, IrqLine irq, boolean gate) {
        this.index = index;
        this.clock = clock;
        this.irq = irq;
        this.gate = gate;
        this.timer = irq == null ? null : timers.newTimer("pit" + index, this::edge);
    }

    /** Its registers, latches and where it started counting (its timer is saved by the timer queue). */
    void save(StateWriter out) {
        out.i32(mode).i32(rw).bool(bcd).i32(countRegister).i64(reload).bool(countLoaded).bool(gate).bool(triggered);
        out.i64(frozenTicks).bool(running).i64(runStart).i64(armedEdge);
        out.bool(writeMsbNext).i32(pendingLsb).bool(readMsbNext).bool(countLatched).i32(latchedCount);
        out.bool(latchMsbNext).bool(statusLatched).i32(latchedStatus);
    }

    void restore(StateReader in) {
        mode = in.i32(0, 5, "PIT mode");
        rw = in.i32(1, 3, "PIT access mode");
        bcd = in.bool();
        countRegister = in.i32(0, 0xFFFF, "PIT count register");
        reload = in.i64();
        if (reload < 1 || reload > 65536) {
            throw new jlguest.state.StateException("PIT reload value " + reload + " is outside 1..65536");
        }
        countLoaded = in.bool();
        gate = in.bool();
        triggered = in.bool();
        frozenTicks = in.i64();
        running = in.bool();
        runStart = in.i64();
        armedEdge = in.i64();
        writeMsbNext = in.bool();
        pendingLsb = in.i32(0, 0xFF, "PIT pending LSB");
        readMsbNext = in.bool();
        countLatched = in.bool();
        latchedCount = in.i32(0, 0xFFFF, "PIT latched count");
        latchMsbNext = in.bool();
        statusLatched = in.bool();
        latchedStatus = in.i32(0, 0xFF, "PIT latched status");
    }

    // ---- the guest's view: control word, counter reads and writes ----

    void control(int v) {
        int access = (v >> 4) & 3;
        if (access == 0) {
            latchCount();
            return;
        }
        rw = access;
        int m = (v >> 1) & 7;
        mode = m > 5 ? m - 4 : m;
        bcd = (v & 1) != 0;
        countLoaded = false;
        triggered = false;
        running = false;
        frozenTicks = 0;
        writeMsbNext = false;
        readMsbNext = false;
        countLatched = false;
        statusLatched = false;
        reschedule(0);
    }

    void latchCount() {
        if (!countLatched) {
            countLatched = true;
            latchedCount = count();
            latchMsbNext = false;
        }
    }

    void latchStatus() {
        if (!statusLatched) {
            statusLatched = true;
            latchedStatus = (out() ? 0x80 : 0) | (nullCount() ? 0x40 : 0) | (rw << 4) | (mode << 1) | (bcd ? 1 : 0);
        }
    }

    int read() {
        if (statusLatched) {
            statusLatched = false;
            return latchedStatus;
        }
        if (countLatched) {
            int v = latchedCount;
            if (rw == 1) {
                countLatched = false;
                return v & 0xFF;
            }
            if (rw == 2) {
                countLatched = false;
                return v >> 8;
            }
            if (!latchMsbNext) {
                latchMsbNext = true;
                return v & 0xFF;
            }
            countLatched = false;
            return v >> 8;
        }
        int v = count();
        return switch (rw) {
            case 1 -> v & 0xFF;
            case 2 -> v >> 8;
            default -> {
                readMsbNext = !readMsbNext;
                yield readMsbNext ? v & 0xFF : v >> 8;
            }
        };
    }

    void write(int v) {
        switch (rw) {
            case 1 -> load(v);
            case 2 -> load(v << 8);
            default -> {
                if (!writeMsbNext) {
                    writeMsbNext = true;
                    pendingLsb = v;
                    if (mode == 0) {
                        // Mode 0: the first byte stops the count and drops OUT until the second one.
                        freeze();
                        countLoaded = false;
                        reschedule(frozenTicks);
                    }
                } else {
                    writeMsbNext = false;
                    load(pendingLsb | (v << 8));
                }
            }
        }
    }

    private void load(int value) {
        countRegister = value & 0xFFFF;
        long n = bcd ? fromBcd(countRegister) : countRegister;
        reload = n == 0 ? (bcd ? 10000 : 65536) : n;
        countLoaded = true;
        if (mode == 1 || mode == 5) {
            triggered = false;
            running = false;
            frozenTicks = 0;
        } else {
            startFresh();
            running = gate;
        }
        reschedule(frozenTicks);
    }

    void setGate(boolean level) {
        if (level == gate) {
            return;
        }
        gate = level;
        switch (mode) {
            case 0, 4 -> {
                if (!level) {
                    freeze();
                } else if (countLoaded) {
                    runStart = clock.nanos();
                    running = true;
                }
            }
            case 2, 3 -> {
                if (!level) {
                    running = false;
                    frozenTicks = 0;
                } else if (countLoaded) {
                    startFresh();
                }
            }
            default -> { // 1 and 5: a rising edge (re)triggers
                if (level && countLoaded) {
                    triggered = true;
                    startFresh();
                }
            }
        }
        reschedule(frozenTicks);
    }

    private void startFresh() {
        frozenTicks = 0;
        runStart = clock.nanos();
        running = true;
    }

    private void freeze() {
        frozenTicks = elapsed();
        running = false;
    }

    // ---- the counter as a function of time ----

    /** Ticks counted since the count was loaded (or the trigger). */
    long elapsed() {
        return running ? frozenTicks + ticks(clock.nanos() - runStart) : frozenTicks;
    }

    /** The counting element's value as the guest reads it (BCD-encoded in BCD mode). */
    int count() {
        if (!countLoaded) {
            return countRegister;
        }
        long n = reload;
        long d = elapsed();
        long modulus = bcd ? 10000 : 65536;
        long v = switch (mode) {
            case 2 -> n - (d % n);
            case 3 -> n - ((2 * d) % n);
            case 1, 5 -> triggered ? Math.floorMod(n - d, modulus) : n;
            default -> Math.floorMod(n - d, modulus);
        };
        v %= modulus;
        return bcd ? toBcd((int) v) : (int) v;
    }

    /** The OUT pin. */
    boolean out() {
        if (!countLoaded) {
            return mode != 0;
        }
        long n = reload;
        long d = elapsed();
        return switch (mode) {
            case 0 -> d >= n;
            case 1 -> !triggered || d >= n;
            case 2 -> !running || d % n != n - 1;
            case 3 -> !running || d % n < (n + 1) / 2;
            case 4 -> d != n;
            default -> !triggered || d != n; // 5
        };
    }

    boolean nullCount() {
        return !countLoaded || ((mode == 1 || mode == 5) && !triggered);
    }

    /** The tick of the next rising edge of OUT strictly after {@code d}, or -1 if none is coming. */
    private long nextRisingEdge(long d) {
        long n = reload;
        return switch (mode) {
            case 0, 1 -> d < n ? n : -1;
            case 2, 3 -> (d / n + 1) * n;
            default -> d <= n ? n + 1 : -1; // 4, 5: OUT low for one tick at terminal count
        };
    }

    // ---- the interrupt: a timer at the next rising edge of OUT ----

    /**
     * Arms the timer for the first rising edge of OUT after tick {@code afterTick}.
     *
     * <p>The caller passes the tick at which the state changed, never a fresh reading of the
     * clock: host time moves on between two readings (a preempted CPU thread can lose
     * milliseconds), and an edge that fell due in between would otherwise be dropped for good.
     * That was a real bug: Linux's one-shot programming of 15 ticks (12.6 us) on a busy host
     * sometimes never interrupted, and an idle guest slept forever.
     */
    private void reschedule(long afterTick) {
        if (timer == null) {
            return;
        }
        boolean live = countLoaded && running && ((mode != 1 && mode != 5) || triggered);
        long edge = live ? nextRisingEdge(afterTick) : -1;
        if (edge < 0) {
            timer.cancel();
        } else {
            armedEdge = edge;
            timer.armAt(runStart + nanosFor(edge - frozenTicks));
        }
    }

    /** The timer fired: pulse IRQ 0, then wait for the next edge after now (a late loop gets one tick, not a burst). */
    private void edge() {
        irq.pulse();
        reschedule(Math.max(armedEdge, elapsed() - 1));
    }

    // ---- conversions ----

    static long ticks(long nanos) {
        return nanos / NS_PER_S * HZ + (nanos % NS_PER_S) * HZ / NS_PER_S;
    }

    /** The first guest-nanosecond offset at which {@link #ticks} reaches {@code t}. */
    static long nanosFor(long t) {
        return t / HZ * NS_PER_S + ((t % HZ) * NS_PER_S + HZ - 1) / HZ;
    }

    private static int fromBcd(int v) {
        return (v >> 12 & 0xF) * 1000 + (v >> 8 & 0xF) * 100 + (v >> 4 & 0xF) * 10 + (v & 0xF);
    }

    private static int toBcd(int v) {
        return (v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10);
    }

    String describe() {
        return String.format("ch%d mode=%d rw=%d%s gate=%d out=%d reload=%d count=0x%04x%s",
                index, mode, rw, bcd ? " bcd" : "", gate ? 1 : 0, out() ? 1 : 0, reload, count(),
                countLoaded ? (running ? " counting" : " stopped") : " (no count)");
    }
}
