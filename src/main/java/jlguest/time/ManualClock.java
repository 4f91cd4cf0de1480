package jlguest.time;

/** A clock that moves only when told to: for tests, and for anything that wants to drive time by hand. */
public final class ManualClock implements GuestClock {
    private long now;

    public ManualClock() {
        this(0);
    }

    public ManualClock(long startNanos) {
        this.now = startNanos;
    }

    @Override
    public long nanos() {
        return now;
    }

    /** Moves time forward by {@code deltaNanos} (which must not be negative). */
    public void advance(long deltaNanos) {
        if (deltaNanos < 0) {
            throw new IllegalArgumentException("time never goes backwards: " + deltaNanos);
        }
        now += deltaNanos;
    }

    /** Sets the time; it must not move backwards. */
    public void set(long nanos) {
        advance(nanos - now);
    }
}
