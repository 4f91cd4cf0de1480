package jlguest.time;

/** Guest time is host time: {@link System#nanoTime()} counted from this clock's creation. */
public final class HostClock implements GuestClock {
    private final long origin = System.nanoTime();

    @Override
    public long nanos() {
        return System.nanoTime() - origin;
    }
}
