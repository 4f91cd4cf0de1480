package jlguest.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class TimerQueueTest {
    @Test
    void emptyQueueHasNoDeadline() {
        TimerQueue q = new TimerQueue();
        assertEquals(Long.MAX_VALUE, q.nextDeadline());
        q.runExpired(Long.MAX_VALUE - 1);
    }

    @Test
    void firesInDeadlineOrderOnlyWhenDue() {
        TimerQueue q = new TimerQueue();
        List<String> log = new ArrayList<>();
        TimerQueue.Timer a = q.newTimer("a", () -> log.add("a"));
        TimerQueue.Timer b = q.newTimer("b", () -> log.add("b"));
        TimerQueue.Timer c = q.newTimer("c", () -> log.add("c"));
        c.armAt(300);
        a.armAt(100);
        b.armAt(200);
        assertEquals(100, q.nextDeadline());
        q.runExpired(99);
        assertTrue(log.isEmpty());
        q.runExpired(200);
        assertEquals(List.of("a", "b"), log);
        assertFalse(a.armed());
        assertTrue(c.armed());
        assertEquals(300, q.nextDeadline());
        q.runExpired(1000);
        assertEquals(List.of("a", "b", "c"), log);
        assertEquals(Long.MAX_VALUE, q.nextDeadline());
    }

    @Test
    void rearmMovesTheDeadlineAndCancelDisarms() {
        TimerQueue q = new TimerQueue();
        List<String> log = new ArrayList<>();
        TimerQueue.Timer a = q.newTimer("a", () -> log.add("a"));
        TimerQueue.Timer b = q.newTimer("b", () -> log.add("b"));
        a.armAt(100);
        b.armAt(200);
        a.armAt(300);
        assertEquals(200, q.nextDeadline());
        b.cancel();
        b.cancel();
        assertFalse(b.armed());
        assertEquals(300, q.nextDeadline());
        a.armAt(50);
        assertEquals(50, q.nextDeadline());
        q.runExpired(1000);
        assertEquals(List.of("a"), log);
    }

    @Test
    void aPeriodicTimerReArmsItselfFromItsAction() {
        TimerQueue q = new TimerQueue();
        int[] count = {0};
        TimerQueue.Timer[] self = new TimerQueue.Timer[1];
        self[0] = q.newTimer("tick", () -> {
            count[0]++;
            self[0].armAt(self[0].deadline() + 10);
        });
        self[0].armAt(10);
        q.runExpired(55);
        assertEquals(5, count[0]);
        assertEquals(60, q.nextDeadline());
    }

    @Test
    void aTimerReArmingInThePastCannotHangTheLoop() {
        TimerQueue q = new TimerQueue();
        int[] count = {0};
        TimerQueue.Timer[] self = new TimerQueue.Timer[1];
        self[0] = q.newTimer("storm", () -> {
            count[0]++;
            self[0].armAt(0);
        });
        self[0].armAt(0);
        q.runExpired(10);
        assertEquals(TimerQueue.MAX_FIRINGS_PER_RUN, count[0]);
    }

    @Test
    void heapStaysOrderedUnderRandomArmsAndCancels() {
        TimerQueue q = new TimerQueue();
        Random rnd = new Random(42);
        List<Long> fired = new ArrayList<>();
        TimerQueue.Timer[] timers = new TimerQueue.Timer[40];
        long[] deadlines = new long[timers.length];
        for (int i = 0; i < timers.length; i++) {
            int k = i;
            timers[i] = q.newTimer("t" + i, () -> fired.add(deadlines[k]));
        }
        for (int step = 0; step < 2000; step++) {
            int i = rnd.nextInt(timers.length);
            if (rnd.nextInt(4) == 0) {
                timers[i].cancel();
            } else {
                deadlines[i] = rnd.nextInt(1_000_000);
                timers[i].armAt(deadlines[i]);
            }
        }
        int armed = 0;
        for (TimerQueue.Timer t : timers) {
            armed += t.armed() ? 1 : 0;
        }
        q.runExpired(Long.MAX_VALUE);
        assertEquals(armed, fired.size());
        for (int i = 1; i < fired.size(); i++) {
            assertTrue(fired.get(i - 1) <= fired.get(i));
        }
    }

    @Test
    void manualClockOnlyMovesForward() {
        ManualClock c = new ManualClock(5);
        c.advance(10);
        assertEquals(15, c.nanos());
        c.set(20);
        assertEquals(20, c.nanos());
        assertThrows(IllegalArgumentException.class, () -> c.set(19));
        GuestClock h = new HostClock();
        long t0 = h.nanos();
        assertTrue(h.nanos() >= t0);
    }
}
