package jlguest.hypercall;

import jlguest.bus.Ram;
import jlguest.time.GuestClock;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;

/**
 * KVM's paravirtual interface, the part a stock Linux (CONFIG_KVM_GUEST) uses: the CPUID
 * signature leaves and kvmclock.
 *
 * <p>tour:paravirt:010 How does an unmodified Linux know it runs under a hypervisor, and why
 * would it trust our clock? CPUID leaf 1 sets the "hypervisor present" bit; leaf 0x40000000 then
 * answers "KVMKVMKVM", and leaf 0x40000001 lists the KVM features we offer. Linux, seeing
 * KVM_FEATURE_CLOCKSOURCE2, writes the guest-physical address of a small structure to MSR
 * 0x4b564d01; we fill it with a (time, TSC) pair and a scale factor, and from then on Linux reads
 * the time by reading the TSC and scaling it, with no exit to us at all. It also learns the TSC
 * frequency from that scale, so it skips calibrating the TSC against the PIT.
 *
 * <p>Our TSC ticks at exactly 1 GHz of guest time: one tick per guest nanosecond. The scale is
 * then the identity, written the way pvclock wants it: (delta << 1) * 2^31 >> 32.
 */
public final class KvmParavirt implements Stateful {
    public static final int CPUID_SIGNATURE = 0x40000000;
    public static final int CPUID_FEATURES = 0x40000001;
    public static final int MSR_WALL_CLOCK = 0x4b564d00;
    public static final int MSR_SYSTEM_TIME = 0x4b564d01;

    static final int FEATURE_NOP_IO_DELAY = 1 << 1;
    static final int FEATURE_CLOCKSOURCE2 = 1 << 3;
    static final int FEATURE_CLOCKSOURCE_STABLE = 1 << 24;
    private static final int PVCLOCK_TSC_STABLE = 1;
    private static final int TIME_INFO_SIZE = 32;
    private static final int WALL_CLOCK_SIZE = 12;

    private final Ram ram;
    private final GuestClock clock;
    private long bootEpochNanos;
    private long systemTimeMsr;
    private long wallClockMsr;
    private int version;

    /**
     * @param bootEpochNanos wall-clock time (ns since 1970) at guest time 0: host time by
     *                       default, a fixed date in deterministic mode
     */
    public KvmParavirt(Ram ram, GuestClock clock, long bootEpochNanos) {
        this.ram = ram;
        this.clock = clock;
        this.bootEpochNanos = bootEpochNanos;
    }

    /** Wall-clock time (ns since 1970) at guest time 0; the RTC counts from it too. */
    public long bootEpochNanos() {
        return bootEpochNanos;
    }

    /**
     * The two MSRs, the pvclock version and the boot epoch: a restored guest's wall clock goes on
     * from where it stood, as its guest time does, instead of jumping by the time that passed.
     */
    @Override
    public void save(StateWriter out) {
        out.i64(bootEpochNanos).i64(systemTimeMsr).i64(wallClockMsr).i32(version);
    }

    @Override
    public void restore(StateReader in) {
        bootEpochNanos = in.i64();
        systemTimeMsr = in.i64();
        wallClockMsr = in.i64();
        version = in.i32();
    }

    /** The TSC a guest reads: guest nanoseconds. */
    public long tsc() {
        return clock.nanos();
    }

    public void cpuid(int leaf, int[] r) {
        java.util.Arrays.fill(r, 0);
        if (leaf == CPUID_SIGNATURE) {
            r[0] = CPUID_FEATURES;          // highest hypervisor leaf
            r[1] = 0x4b4d564b;              // "KVMK"
            r[2] = 0x564b4d56;              // "VMKV"
            r[3] = 0x0000004d;              // "M\0\0\0"
        } else if (leaf == CPUID_FEATURES) {
            r[0] = FEATURE_NOP_IO_DELAY | FEATURE_CLOCKSOURCE2 | FEATURE_CLOCKSOURCE_STABLE;
        }
    }

    public boolean readMsr(int index, long[] out) {
        switch (index) {
            case MSR_SYSTEM_TIME -> out[0] = systemTimeMsr;
            case MSR_WALL_CLOCK -> out[0] = wallClockMsr;
            default -> {
                return false;
            }
        }
        return true;
    }

    public boolean writeMsr(int index, long value) {
        switch (index) {
            case MSR_SYSTEM_TIME -> {
                systemTimeMsr = value;
                if ((value & 1) != 0) {
                    publishTimeInfo(value & 0xFFFFFFFEL);
                }
            }
            case MSR_WALL_CLOCK -> {
                wallClockMsr = value;
                publishWallClock(value & 0xFFFFFFFFL);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    // tour:paravirt:015 kvmclock is a seqlock in guest memory. We make the version odd, write the time
    // at which the TSC read `tsc_timestamp` and the scale (mul 2^31 with shift 1: our TSC counts
    // nanoseconds, so the scale is exactly 1), then make the version even again. The guest reads the
    // version, the fields and the version again, and retries if it was odd or changed: it never sees a
    // half-written clock and never exits to us to read the time.
    /**
     * Writes pvclock_vcpu_time_info: version (odd while we write), tsc_timestamp, system_time,
     * tsc_to_system_mul, tsc_shift, flags. An address outside RAM is ignored: the guest simply
     * gets no clock, and we never write where we should not.
     */
    private void publishTimeInfo(long addr) {
        if (!ram.contains(addr, TIME_INFO_SIZE)) {
            return;
        }
        int a = (int) addr;
        long now = clock.nanos();
        ram.write32(a, ++version | 1);
        ram.write64(a + 8, now);            // tsc_timestamp
        ram.write64(a + 16, now);           // system_time: the same, since the TSC counts nanoseconds
        ram.write32(a + 24, 1 << 31);       // tsc_to_system_mul
        ram.write8(a + 28, 1);              // tsc_shift
        ram.write8(a + 29, PVCLOCK_TSC_STABLE);
        version = (version | 1) + 1;
        ram.write32(a, version);
    }

    /** Writes pvclock_wall_clock: the wall-clock time at which system_time was zero. */
    private void publishWallClock(long addr) {
        if (!ram.contains(addr, WALL_CLOCK_SIZE)) {
            return;
        }
        int a = (int) addr;
        ram.write32(a, ++version | 1);
        ram.write32(a + 4, (int) (bootEpochNanos / 1_000_000_000L));
        ram.write32(a + 8, (int) (bootEpochNanos % 1_000_000_000L));
        version = (version | 1) + 1;
        ram.write32(a, version);
    }
}
