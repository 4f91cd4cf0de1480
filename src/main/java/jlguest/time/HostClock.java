package jlguest.time;

/**
 * Guest time is host time: {@link System#nanoTime()} counted from this clock's creation, less the
 * time the machine spent paused.
 *
 * <p>tour:time:015 A paused machine's clocks stop, as QEMU's virtual clock does: when the debugger
 * holds the guest (a breakpoint, {@code stop}, {@code -S}) the clock is frozen, and on resume it
 * goes on from where it stood, so the guest's timestamps, timers and kvmclock never jump by the
 * time a person spent reading registers.
 */
public final class HostClock implements GuestClock {
    // Written only on the CPU thread (the debugger freezes and thaws from there), read anywhere:
    // volatile, no lock, since the guest reads its clock thousands of times a second.
    private volatile long origin = System.nanoTime();
    /** While frozen: the guest time it stands at; otherwise -1. */
    private volatile long frozenAt = -1;

    @Override
    public long nanos() {
        return frozenAt >= 0 ? frozenAt : System.nanoTime() - origin;
    }

    @Override
    public void freeze() {
        if (frozenAt < 0) {
            frozenAt = System.nanoTime() - origin;
        }
    }

    @Override
    public void resumeAt(long nanos) {
        if (frozenAt >= 0) {
            frozenAt = nanos;
        } else {
            origin = System.nanoTime() - nanos;
        }
    }

    @Override
    public void thaw() {
        if (frozenAt >= 0) {
            origin = System.nanoTime() - frozenAt;
            frozenAt = -1;
        }
    }
}
