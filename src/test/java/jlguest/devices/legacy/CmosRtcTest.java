package jlguest.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDateTime;
import java.time.ZoneOffset;

import jlguest.time.ManualClock;
import jlguest.time.TimerQueue;

import org.junit.jupiter.api.Test;

class CmosRtcTest {
    /** 2024-02-29 13:45:07.250 UTC, a Thursday. */
    private static final long EPOCH = LocalDateTime.of(2024, 2, 29, 13, 45, 7)
            .toEpochSecond(ZoneOffset.UTC) * 1000 + 250;

    private final ManualClock clock = new ManualClock();
    private final TimerQueue timers = new TimerQueue();
    private boolean irq;
    /** Deterministic mode: a fixed epoch plus guest time. */
    private final CmosRtc rtc = new CmosRtc(() -> EPOCH + clock.nanos() / 1_000_000, clock, timers, l -> irq = l);

    private int read(int reg) {
        rtc.out(0x70, 1, 0x80 | reg);
        return rtc.in(0x71, 1);
    }

    private void write(int reg, int v) {
        rtc.out(0x70, 1, reg);
        rtc.out(0x71, 1, v);
    }

    @Test
    void bcdTwentyFourHourByDefault() {
        assertEquals(0x07, read(0x00));
        assertEquals(0x45, read(0x02));
        assertEquals(0x13, read(0x04));
        assertEquals(0x05, read(0x06), "Thursday: Sunday is 1");
        assertEquals(0x29, read(0x07));
        assertEquals(0x02, read(0x08));
        assertEquals(0x24, read(0x09));
        assertEquals(0x20, read(0x32));
        assertEquals(0, read(0x0A) & 0x80, "never update-in-progress");
        assertEquals(0x80, read(0x0D), "valid time");
        assertTrue(rtc.nmiMasked());
    }

    @Test
    void binaryAndTwelveHourModes() {
        write(0x0B, 0x04); // binary, 12-hour
        assertEquals(7, read(0x00));
        assertEquals(45, read(0x02));
        assertEquals(0x80 | 1, read(0x04), "1 PM");
        write(0x0B, 0x00); // BCD, 12-hour
        assertEquals(0x81, read(0x04));
    }

    @Test
    void timeFollowsTheClock() {
        clock.advance(3_000_000_000L);
        assertEquals(0x10, read(0x00));
        clock.advance(50_000_000_000L);
        assertEquals(0x46, read(0x02));
        assertEquals(0x00, read(0x00));
    }

    @Test
    void guestSetsTheTimeWithTheSetBit() {
        write(0x0B, 0x82); // SET, 24h, BCD
        write(0x00, 0x30);
        write(0x02, 0x59);
        write(0x04, 0x23);
        write(0x07, 0x31);
        write(0x08, 0x12);
        write(0x09, 0x99);
        write(0x32, 0x19);
        clock.advance(10_000_000_000L);
        assertEquals(0x30, read(0x00), "frozen while SET");
        write(0x0B, 0x02);
        assertEquals(0x99, read(0x09));
        clock.advance(30_000_000_000L);
        assertEquals(0x00, read(0x00));
        assertEquals(0x00, read(0x02));
        assertEquals(0x00, read(0x04));
        assertEquals(0x01, read(0x07));
        assertEquals(0x01, read(0x08));
        assertEquals(0x00, read(0x09));
        assertEquals(0x20, read(0x32));
    }

    @Test
    void cmosMemoryKeepsItsBytes() {
        write(0x10, 0x42);
        write(0x7F, 0x99);
        assertEquals(0x42, read(0x10));
        assertEquals(0x99, read(0x7F));
        assertEquals(0xFF, rtc.in(0x70, 1));
        write(0x0D, 0x00);
        assertEquals(0x80, read(0x0D));
    }

    @Test
    void updateAndAlarmInterrupts() {
        write(0x01, 0x09); // alarm at hh:mm:09 (don't care for minutes and hours)
        write(0x03, 0xC0);
        write(0x05, 0xFF);
        write(0x0B, 0x02 | 0x10 | 0x20); // UIE, AIE
        clock.set(timers.nextDeadline());
        timers.runExpired(clock.nanos());
        assertTrue(irq);
        assertEquals(0x90, read(0x0C), "IRQF and UF at 08");
        assertFalse(irq);
        clock.set(timers.nextDeadline());
        timers.runExpired(clock.nanos());
        assertEquals(0xB0, read(0x0C), "alarm at 09");
        write(0x0B, 0x02);
        assertEquals(Long.MAX_VALUE, timers.nextDeadline());
    }

    @Test
    void periodicInterrupt() {
        write(0x0A, 0x26); // 1024 Hz
        write(0x0B, 0x42);
        int ticks = 0;
        for (int i = 0; i < 100; i++) {
            clock.advance(1_000_000);
            timers.runExpired(clock.nanos());
            if (irq) {
                ticks++;
                assertEquals(0xC0, read(0x0C) & 0xC0);
            }
        }
        assertTrue(ticks >= 97 && ticks <= 100, "ticks: " + ticks);
        CmosRtc quiet = new CmosRtc(() -> EPOCH);
        quiet.out(0x70, 1, 0x0B);
        quiet.out(0x71, 1, 0x72);
        quiet.out(0x70, 1, 0x0C);
        assertEquals(0, quiet.in(0x71, 1));
        assertTrue(quiet.describe().contains("2024-02-29T13:45:07"));
    }
}
