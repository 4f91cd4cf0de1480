package jlguest.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A frozen host clock stands still and goes on from where it stood (issue 15 item 8). */
class HostClockTest {
    @Test
    void frozenTimeStandsStillAndResumesWithoutAJump() throws Exception {
        HostClock c = new HostClock();
        Thread.sleep(20);
        c.freeze();
        long at = c.nanos();
        Thread.sleep(200);
        assertEquals(at, c.nanos(), "frozen");
        c.thaw();
        long after = c.nanos();
        assertTrue(after >= at && after - at < 150_000_000L, "resumed where it stood, not 200 ms later: "
                + (after - at) + " ns");
        Thread.sleep(20);
        assertTrue(c.nanos() > after, "and runs again");
    }
}
