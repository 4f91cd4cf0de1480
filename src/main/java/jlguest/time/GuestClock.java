package jlguest.time;

/**
 * Guest time: nanoseconds since power-on, never going backwards.
 *
 * <p>tour:time:010 Every device that measures time (the PIT's counters, the RTC's seconds, the
 * UART's idea of "a while") asks one clock. By default it is host time, so a guest sleeping one
 * second sleeps one second; in deterministic mode the machine derives it from the count of executed
 * instructions, so two runs of the same guest see the same times and take the same paths. The
 * devices cannot tell the difference, and that is the point.
 */
@FunctionalInterface
public interface GuestClock {
    /** Guest nanoseconds since power-on; monotonic. */
    long nanos();

    /** The machine is paused: time stands still until {@link #thaw} (a clock of instructions stands anyway). */
    default void freeze() {
    }

    /** The machine runs again: time goes on from where it stood. */
    default void thaw() {
    }

    /**
     * A snapshot was restored: guest time goes on from {@code nanos}, the time it was saved at,
     * however long ago that was (CPU thread). Clocks that cannot be set refuse.
     */
    default void resumeAt(long nanos) {
        throw new UnsupportedOperationException("this clock cannot be set");
    }
}
