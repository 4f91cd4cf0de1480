package jlguest.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import jlguest.time.ManualClock;
import jlguest.time.TimerQueue;

import org.junit.jupiter.api.Test;

class Pit8254Test {
    private final ManualClock clock = new ManualClock(1_000_000);
    private final TimerQueue timers = new TimerQueue();
    private final List<Long> irqTimes = new ArrayList<>();
    private final Pit8254 pit = new Pit8254(clock, timers, level -> {
        if (level) {
            irqTimes.add(clock.nanos());
        }
    });
    private final SystemControlPort61 port61 = new SystemControlPort61(pit, clock);

    /** Advances guest time in steps, running expired timers as a run loop would. */
    private void run(long nanos, long step) {
        long end = clock.nanos() + nanos;
        while (clock.nanos() < end) {
            clock.advance(Math.min(step, end - clock.nanos()));
            timers.runExpired(clock.nanos());
        }
    }

    private int latchedCount(int channel) {
        pit.out(0x43, 1, channel << 6); // counter latch command
        int lo = pit.in(0x40 + channel, 1);
        return lo | pit.in(0x40 + channel, 1) << 8;
    }

    @Test
    void conversionsAgree() {
        assertEquals(1_193_182, PitChannel.ticks(1_000_000_000L));
        assertEquals(0, PitChannel.ticks(837));
        assertEquals(1, PitChannel.ticks(839));
        for (long t : new long[] {1, 2, 1193, 65536, 1_193_182, 10_000_000_000L}) {
            long ns = PitChannel.nanosFor(t);
            assertEquals(t, PitChannel.ticks(ns));
            assertEquals(t - 1, PitChannel.ticks(ns - 1));
        }
    }

    @Test
    void mode2PeriodicTickAsLinuxProgramsIt() {
        int latch = (1_193_182 + 500) / 1000; // PIT_LATCH for HZ=1000
        pit.out(0x43, 1, 0x34);
        pit.out(0x40, 1, latch & 0xFF);
        pit.out(0x40, 1, latch >> 8);
        long start = clock.nanos();
        assertEquals(latch, latchedCount(0));
        run(500_000, 10_000);
        int half = latchedCount(0);
        assertTrue(Math.abs(half - latch / 2) < 20, "count halfway: " + half);
        run(9_600_000, 10_000);
        assertEquals(10, irqTimes.size());
        long period = PitChannel.nanosFor(latch);
        for (int k = 0; k < 10; k++) {
            long expected = start + PitChannel.nanosFor((long) latch * (k + 1));
            assertTrue(irqTimes.get(k) >= expected && irqTimes.get(k) < expected + 10_000,
                    "tick " + k + " at " + irqTimes.get(k) + ", expected " + expected);
        }
        assertTrue(period > 999_000 && period < 1_001_000);
    }

    @Test
    void lateRunLoopGetsOneTickNotABurst() {
        pit.out(0x43, 1, 0x34);
        pit.out(0x40, 1, 0xA9);
        pit.out(0x40, 1, 0x04);
        clock.advance(50_000_000);
        timers.runExpired(clock.nanos());
        assertEquals(1, irqTimes.size());
        assertTrue(timers.nextDeadline() > clock.nanos());
    }

    @Test
    void mode0FiresOnceAtTerminalCountAndOutStaysHigh() {
        pit.out(0x43, 1, 0x30);
        pit.out(0x40, 1, 100);
        pit.out(0x40, 1, 0);
        long start = clock.nanos();
        run(200_000, 1_000);
        assertEquals(1, irqTimes.size());
        long expected = start + PitChannel.nanosFor(100);
        assertTrue(irqTimes.get(0) >= expected && irqTimes.get(0) < expected + 1_000);
        pit.out(0x43, 1, 0xE2); // read-back: status of channel 0
        assertEquals(0x80 | 0x30, pit.in(0x40, 1), "OUT high, LSB/MSB, mode 0, binary");
        int count = latchedCount(0);
        assertTrue(count > 0xFF00, "the counter wraps past zero: " + Integer.toHexString(count));
    }

    @Test
    void mode4OneShotAsLinuxClockEventsUseIt() {
        pit.out(0x43, 1, 0x38); // set_oneshot
        assertFalse(timers.nextDeadline() < Long.MAX_VALUE);
        pit.out(0x40, 1, 50);   // next_event(50)
        pit.out(0x40, 1, 0);
        long start = clock.nanos();
        run(100_000, 500);
        assertEquals(1, irqTimes.size());
        assertTrue(irqTimes.get(0) >= start + PitChannel.nanosFor(51));
        // A second event, programmed from the interrupt handler.
        pit.out(0x40, 1, 20);
        pit.out(0x40, 1, 0);
        run(100_000, 500);
        assertEquals(2, irqTimes.size());
    }

    @Test
    void shutdownWithoutACountNeverFires() {
        pit.out(0x43, 1, 0x34);
        pit.out(0x40, 1, 0xA9);
        pit.out(0x40, 1, 0x04);
        pit.out(0x43, 1, 0x30); // pit_shutdown
        assertEquals(Long.MAX_VALUE, timers.nextDeadline());
        run(100_000_000, 1_000_000);
        assertTrue(irqTimes.isEmpty());
    }

    @Test
    void channel2CalibrationLoopThroughPort61() {
        // pit_calibrate_tsc: gate high, speaker off, channel 2 mode 0 for 10 ms, poll OUT2.
        port61.out(0x61, 1, (port61.in(0x61, 1) & ~0x02) | 0x01);
        int latch = 1_193_182 / 100;
        pit.out(0x43, 1, 0xB0);
        pit.out(0x42, 1, latch & 0xFF);
        pit.out(0x42, 1, latch >> 8);
        long start = clock.nanos();
        int loops = 0;
        while ((port61.in(0x61, 1) & 0x20) == 0) {
            clock.advance(1_000);
            loops++;
        }
        long took = clock.nanos() - start;
        assertTrue(Math.abs(took - 10_000_000) <= 2_000, "took " + took);
        assertTrue(loops > 9_000);
        assertTrue(irqTimes.isEmpty(), "channel 2 raises no interrupt");
    }

    @Test
    void quickCalibrationReadsTheRunningCounterByteByByte() {
        port61.out(0x61, 1, 0x01);
        pit.out(0x43, 1, 0xB0);
        pit.out(0x42, 1, 0xFF);
        pit.out(0x42, 1, 0xFF);
        clock.advance(PitChannel.nanosFor(256 * 3));
        pit.in(0x42, 1); // pit_expect_msb: LSB, then MSB
        assertEquals(0xFC, pit.in(0x42, 1));
    }

    @Test
    void gateLowPausesMode0() {
        port61.out(0x61, 1, 0x01);
        pit.out(0x43, 1, 0xB0);
        pit.out(0x42, 1, 0xE8);
        pit.out(0x42, 1, 0x03); // 1000
        clock.advance(PitChannel.nanosFor(100));
        port61.out(0x61, 1, 0x00);
        int paused = latchedCount(2);
        assertEquals(900, paused);
        clock.advance(5_000_000);
        assertEquals(900, latchedCount(2));
        port61.out(0x61, 1, 0x01);
        clock.advance(PitChannel.nanosFor(100));
        int resumed = latchedCount(2);
        assertTrue(resumed >= 799 && resumed <= 800, "resumed at " + resumed);
    }

    @Test
    void mode3SquareWaveOnChannel2() {
        port61.out(0x61, 1, 0x01);
        pit.out(0x43, 1, 0xB6); // channel 2, LSB/MSB, mode 3
        pit.out(0x42, 1, 100);
        pit.out(0x42, 1, 0);
        long t0 = clock.nanos();
        assertTrue(pit.out2());
        clock.set(t0 + PitChannel.nanosFor(25));
        assertTrue(pit.out2());
        assertEquals(50, latchedCount(2), "mode 3 counts down by two");
        clock.set(t0 + PitChannel.nanosFor(60));
        assertFalse(pit.out2());
        assertEquals(0, port61.in(0x61, 1) & 0x20);
        clock.set(t0 + PitChannel.nanosFor(101));
        assertTrue(pit.out2());
    }

    @Test
    void lsbOnlyMsbOnlyAndLatchedReads() {
        pit.out(0x43, 1, 0x14); // channel 0, LSB only, mode 2
        pit.out(0x40, 1, 200);
        clock.advance(PitChannel.nanosFor(50));
        assertEquals(150, pit.in(0x40, 1));
        pit.out(0x43, 1, 0x24); // MSB only
        pit.out(0x40, 1, 0x02); // 512
        clock.advance(PitChannel.nanosFor(256));
        assertEquals(0x01, pit.in(0x40, 1));
        // A latched value survives further counting until it is read.
        pit.out(0x43, 1, 0x34);
        pit.out(0x40, 1, 0x00);
        pit.out(0x40, 1, 0x10);
        pit.out(0x43, 1, 0x00);
        clock.advance(PitChannel.nanosFor(0x100));
        pit.out(0x43, 1, 0x00); // a second latch is ignored while the first is unread
        assertEquals(0x00, pit.in(0x40, 1));
        assertEquals(0x10, pit.in(0x40, 1));
        assertEquals(0x0F00, latchedCount(0));
    }

    @Test
    void bcdCounting() {
        pit.out(0x43, 1, 0x31); // mode 0, BCD
        pit.out(0x40, 1, 0x00);
        pit.out(0x40, 1, 0x10); // 1000 in BCD
        clock.advance(PitChannel.nanosFor(1));
        assertEquals(0x0999, latchedCount(0));
    }

    @Test
    void refreshBitToggles() {
        int a = port61.in(0x61, 1) & 0x10;
        clock.advance(15_085);
        int b = port61.in(0x61, 1) & 0x10;
        assertTrue(a != b);
        port61.out(0x61, 1, 0xFF);
        assertEquals(0x0F, port61.in(0x61, 1) & 0x0F);
    }

    @Test
    void oddAccessesAreHarmless() {
        assertEquals(0xFF, pit.in(0x43, 1));
        pit.out(0x43, 1, 0xFE);
        pit.out(0x44, 1, 0x12);
        assertTrue(pit.describe().contains("ch2"));
    }

    /** A host clock that moves 20 us every time it is read, like a CPU thread preempted on a busy host. */
    @Test
    void aShortOneShotIsNotLostWhenTimeMovesDuringTheWrite() {
        long[] t = {5_000_000};
        jlguest.time.GuestClock slow = () -> t[0] += 20_000;
        jlguest.time.TimerQueue q = new jlguest.time.TimerQueue();
        int[] pulses = {0};
        Pit8254 p = new Pit8254(slow, q, level -> pulses[0] += level ? 1 : 0);
        p.out(0x43, 1, 0x38);           // channel 0, LSB then MSB, mode 4: Linux's one-shot
        for (int i = 1; i <= 3; i++) {
            p.out(0x40, 1, 15);         // 15 ticks = 12.6 us, less than one clock reading
            p.out(0x40, 1, 0);
            q.runExpired(t[0] + 1_000_000);
            assertEquals(i, pulses[0], "one interrupt per one-shot");
        }
        q.runExpired(t[0] + 100_000_000);
        assertEquals(3, pulses[0], "and no more");
    }

    @Test
    void aLatePeriodicTimerCatchesUpWithoutABurst() {
        pit.out(0x43, 1, 0x34);         // channel 0, mode 2
        pit.out(0x40, 1, 0x9C);
        pit.out(0x40, 1, 0x2E);         // 11932 ticks = 10 ms
        clock.advance(95_000_000);      // the host stalled for 9.5 periods
        timers.runExpired(clock.nanos());
        int afterStall = irqTimes.size();
        assertTrue(afterStall >= 1 && afterStall <= 2, "caught up with " + afterStall + " interrupts");
        clock.advance(10_000_000);
        timers.runExpired(clock.nanos());
        assertEquals(afterStall + 1, irqTimes.size());
    }
}
