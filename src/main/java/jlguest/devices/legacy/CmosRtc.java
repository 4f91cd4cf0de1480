package jlguest.devices.legacy;

import jlguest.bus.IrqLine;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.function.LongSupplier;

import jlguest.bus.PortDevice;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;
import jlguest.time.GuestClock;
import jlguest.time.TimerQueue;

/**
 * The Motorola MC146818 real-time clock and its 128 bytes of CMOS memory, at ports 0x70 (index,
 * bit 7 masks NMI) and 0x71 (data).
 *
 * <p>tour:devices:070 Linux reads the date once at boot to set its clock, in UTC. The registers are
 * not a ticking copy of the time: each read computes the field from a wall clock ({@code epochMillis},
 * host time normally, a fixed epoch plus guest time in deterministic mode) plus the offset the guest
 * set. Fields are BCD or binary and 12- or 24-hour as status register B asks. A guest that sets
 * the clock (SET bit in B, write the fields, clear SET) moves the offset, never the host's clock.
 * Update-in-progress (A bit 7) always reads 0: the fields are computed whole, so there is never a
 * torn read to warn about. The century lives at 0x32, as on PCs.
 *
 * <p>IRQ 8 (when wired): update-ended (each second), alarm (with "don't care" values 0xC0-0xFF) and
 * periodic interrupts at the rate in A, each flagged in C and raised when enabled in B. The flags
 * are only maintained while their interrupt is enabled.
 */
public final class CmosRtc implements PortDevice, Stateful {
    public static final int INDEX_PORT = 0x70;
    public static final int DATA_PORT = 0x71;
    private static final int SEC = 0, SEC_ALARM = 1, MIN = 2, MIN_ALARM = 3, HOUR = 4, HOUR_ALARM = 5;
    private static final int WEEKDAY = 6, DAY = 7, MONTH = 8, YEAR = 9;
    private static final int REG_A = 0x0A, REG_B = 0x0B, REG_C = 0x0C, REG_D = 0x0D, CENTURY = 0x32;
    private static final int B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_BINARY = 0x04, B_24H = 0x02;
    private static final int C_IRQF = 0x80, C_PF = 0x40, C_AF = 0x20, C_UF = 0x10;

    private final LongSupplier epochMillis;
    private final GuestClock clock;
    private final IrqLine irq;
    private final TimerQueue.Timer updateTimer;
    private final TimerQueue.Timer periodicTimer;
    private final int[] cmos = new int[128];
    private int index;
    private boolean nmiMasked;
    /** The guest's clock minus the wall clock. */
    private long offsetMillis;
    private int flags;
    private boolean irqLevel;

    /** An RTC without interrupts. */
    public CmosRtc(LongSupplier epochMillis) {
        this(epochMillis, null, null, null);
    }

    /** An RTC whose interrupts (update, alarm, periodic) drive {@code irq8} using {@code timers}. */
    public CmosRtc(LongSupplier epochMillis, GuestClock clock, TimerQueue timers, IrqLine irq8) {
        this.epochMillis = epochMillis;
        this.clock = clock;
        this.irq = irq8 == null ? IrqLine.NONE : irq8;
        boolean interrupts = clock != null && timers != null;
        this.updateTimer = interrupts ? timers.newTimer("rtc-update", this::secondTick) : null;
        this.periodicTimer = interrupts ? timers.newTimer("rtc-periodic", this::periodicTick) : null;
        cmos[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
        cmos[REG_B] = B_24H;
        cmos[REG_D] = 0x80; // valid RAM and time: the battery is fine
    }

    /** True when the guest last wrote the index port with bit 7 set (NMIs masked). */
    public boolean nmiMasked() {
        return nmiMasked;
    }

    @Override
    public int in(int port, int size) {
        // The index register is write-only; a read floats.
        int v = port == DATA_PORT ? read(index) : 0xFF;
        return size == 1 ? v : v | (size == 2 ? 0xFF00 : 0xFFFFFF00);
    }

    @Override
    public void out(int port, int size, int value) {
        int v = value & 0xFF;
        if (port == INDEX_PORT) {
            index = v & 0x7F;
            nmiMasked = (v & 0x80) != 0;
        } else if (port == DATA_PORT) {
            write(index, v);
        }
    }

    private int read(int i) {
        switch (i) {
            case SEC, MIN, HOUR, WEEKDAY, DAY, MONTH, YEAR, CENTURY -> {
                return (cmos[REG_B] & B_SET) != 0 ? cmos[i] : timeField(i, now());
            }
            case REG_A -> {
                return cmos[REG_A] & 0x7F;
            }
            case REG_C -> {
                int v = flags | (irqLevel ? C_IRQF : 0);
                flags = 0;
                updateIrq();
                return v;
            }
            default -> {
                return cmos[i];
            }
        }
    }

    private void write(int i, int v) {
        switch (i) {
            case SEC, MIN, HOUR, WEEKDAY, DAY, MONTH, YEAR, CENTURY -> {
                if ((cmos[REG_B] & B_SET) != 0) {
                    cmos[i] = v;
                } else {
                    snapshot();
                    cmos[i] = v;
                    commit();
                }
            }
            case REG_A -> {
                cmos[REG_A] = v & 0x7F;
                schedule();
            }
            case REG_B -> {
                boolean wasSet = (cmos[REG_B] & B_SET) != 0;
                boolean set = (v & B_SET) != 0;
                if (set && !wasSet) {
                    snapshot();
                }
                cmos[REG_B] = set ? v & ~B_UIE : v;
                if (!set && wasSet) {
                    commit();
                }
                updateIrq();
                schedule();
            }
            case REG_C, REG_D -> { } // read-only
            default -> cmos[i] = v;
        }
    }

    // ---- time fields ----

    private long nowMillis() {
        return epochMillis.getAsLong() + offsetMillis;
    }

    private LocalDateTime now() {
        return LocalDateTime.ofEpochSecond(Math.floorDiv(nowMillis(), 1000), 0, ZoneOffset.UTC);
    }

    private int timeField(int i, LocalDateTime t) {
        return switch (i) {
            case SEC -> encode(t.getSecond());
            case MIN -> encode(t.getMinute());
            case HOUR -> encodeHour(t.getHour());
            case WEEKDAY -> encode(t.getDayOfWeek().getValue() % 7 + 1); // Sunday is 1
            case DAY -> encode(t.getDayOfMonth());
            case MONTH -> encode(t.getMonthValue());
            case YEAR -> encode(t.getYear() % 100);
            default -> encode(t.getYear() / 100 % 100); // CENTURY
        };
    }

    private boolean binary() {
        return (cmos[REG_B] & B_BINARY) != 0;
    }

    private int encode(int v) {
        return binary() ? v : (v / 10) << 4 | (v % 10);
    }

    private int decode(int v) {
        return binary() ? v : (v >> 4) * 10 + (v & 0xF);
    }

    private int encodeHour(int h) {
        if ((cmos[REG_B] & B_24H) != 0) {
            return encode(h);
        }
        int h12 = h % 12 == 0 ? 12 : h % 12;
        return encode(h12) | (h >= 12 ? 0x80 : 0);
    }

    private int decodeHour(int v) {
        if ((cmos[REG_B] & B_24H) != 0) {
            return decode(v);
        }
        return decode(v & 0x7F) % 12 + ((v & 0x80) != 0 ? 12 : 0);
    }

    /** Freezes the current time into the registers (the guest is about to set some of them). */
    private void snapshot() {
        LocalDateTime t = now();
        for (int i : new int[] {SEC, MIN, HOUR, WEEKDAY, DAY, MONTH, YEAR, CENTURY}) {
            cmos[i] = timeField(i, t);
        }
    }

    /** The registers become the time: the offset moves so that now() reads them back. */
    private void commit() {
        try {
            int century = decode(cmos[CENTURY]);
            int yy = decode(cmos[YEAR]);
            int year = century > 0 ? century * 100 + yy : (yy < 70 ? 2000 + yy : 1900 + yy);
            LocalDateTime t = LocalDateTime.of(year, decode(cmos[MONTH]), decode(cmos[DAY]),
                    decodeHour(cmos[HOUR]), decode(cmos[MIN]), decode(cmos[SEC]));
            offsetMillis = t.toEpochSecond(ZoneOffset.UTC) * 1000 - epochMillis.getAsLong();
        } catch (DateTimeException e) {
            // Nonsense in the registers: a real chip would count on from it; we keep the old time.
        }
        schedule();
    }

    // ---- interrupts ----

    private void schedule() {
        if (updateTimer == null) {
            return;
        }
        int b = cmos[REG_B];
        if ((b & (B_UIE | B_AIE)) != 0 && (b & B_SET) == 0) {
            long toNextSecond = 1000 - Math.floorMod(nowMillis(), 1000L);
            updateTimer.armAt(clock.nanos() + toNextSecond * 1_000_000);
        } else {
            updateTimer.cancel();
        }
        long period = periodNanos();
        if ((b & B_PIE) != 0 && period > 0) {
            if (!periodicTimer.armed()) {
                periodicTimer.armAt(clock.nanos() + period);
            }
        } else {
            periodicTimer.cancel();
        }
    }

    /** The periodic interrupt's period from A's rate bits, or 0 when off. */
    private long periodNanos() {
        int rate = cmos[REG_A] & 0x0F;
        if (rate == 0) {
            return 0;
        }
        if (rate < 3) {
            rate += 7; // rates 1 and 2 alias 256 Hz and 128 Hz with a 32.768 kHz base
        }
        return 1_000_000_000L * (1L << (rate - 1)) / 32768;
    }

    private void secondTick() {
        flags |= C_UF;
        // Just past the second boundary: round, so a timer a hair early still sees the new second.
        LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(nowMillis() + 500, 1000), 0, ZoneOffset.UTC);
        if (alarmMatches(SEC_ALARM, SEC, t) && alarmMatches(MIN_ALARM, MIN, t) && alarmMatches(HOUR_ALARM, HOUR, t)) {
            flags |= C_AF;
        }
        updateIrq();
        schedule();
    }

    private boolean alarmMatches(int alarmReg, int timeReg, LocalDateTime t) {
        int a = cmos[alarmReg];
        return (a & 0xC0) == 0xC0 || a == timeField(timeReg, t);
    }

    private void periodicTick() {
        flags |= C_PF;
        updateIrq();
        long period = periodNanos();
        if ((cmos[REG_B] & B_PIE) != 0 && period > 0) {
            long next = periodicTimer.deadline() + period;
            periodicTimer.armAt(Math.max(next, clock.nanos() + 1));
        }
    }

    private void updateIrq() {
        boolean level = (flags & cmos[REG_B] & (B_PIE | B_AIE | B_UIE)) != 0;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }

    /**
     * The 128 CMOS bytes, the index, and the offset the guest set between its clock and the wall
     * clock (which comes from the machine's own epoch, saved with the clocks).
     */
    @Override
    public void save(StateWriter out) {
        out.ints(cmos).i32(index).bool(nmiMasked).i64(offsetMillis).i32(flags).bool(irqLevel);
    }

    @Override
    public void restore(StateReader in) {
        in.ints(cmos, "CMOS");
        for (int i = 0; i < cmos.length; i++) {
            cmos[i] &= 0xFF;
        }
        index = in.i32(0, 0x7F, "CMOS index");
        nmiMasked = in.bool();
        offsetMillis = in.i64();
        flags = in.i32(0, 0xFF, "RTC flags");
        irqLevel = in.bool();
    }

    /** For the monitor. */
    public String describe() {
        return String.format("RTC %s UTC (offset %d ms) A=%02x B=%02x C-flags=%02x index=0x%02x%s irq=%d",
                now(), offsetMillis, cmos[REG_A], cmos[REG_B], flags, index, nmiMasked ? " NMI-masked" : "",
                irqLevel ? 1 : 0);
    }
}
