package jlguest.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;

import jlguest.bus.IoPorts;
import jlguest.time.ManualClock;
import jlguest.time.TimerQueue;

import org.junit.jupiter.api.Test;

/** The legacy devices wired on one port bus as the machine wires them, talking through the PIC. */
class LegacyWiringTest {
    private final ManualClock clock = new ManualClock();
    private final TimerQueue timers = new TimerQueue();
    private final IoPorts ports = new IoPorts();
    private final Pic8259Pair pic = new Pic8259Pair();
    private final Pit8254 pit = new Pit8254(clock, timers, pic.line(0));
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final Uart16550 uart = new Uart16550(console, pic.line(Uart16550.COM1_IRQ), null);
    private boolean cpuIntr;

    LegacyWiringTest() {
        pic.setIntrListener(level -> cpuIntr = level);
        ports.register(Pic8259Pair.MASTER_BASE, 2, pic);
        ports.register(Pic8259Pair.SLAVE_BASE, 2, pic);
        ports.register(Pic8259Pair.ELCR_BASE, 2, pic);
        ports.register(Pit8254.BASE, 4, pit);
        ports.register(SystemControlPort61.PORT, 1, new SystemControlPort61(pit, clock));
        I8042 kbc = new I8042(null);
        ports.register(I8042.DATA_PORT, 1, kbc);
        ports.register(I8042.STATUS_PORT, 1, kbc);
        ports.register(CmosRtc.INDEX_PORT, 2, new CmosRtc(System::currentTimeMillis, clock, timers, pic.line(8)));
        ports.register(DelayPort80.PORT, 1, new DelayPort80());
        ports.register(Uart16550.COM1_BASE, 8, uart);
        // Linux's init_8259A.
        int[][] init = {{0x21, 0xFF}, {0xA1, 0xFF}, {0x20, 0x11}, {0x21, 0x30}, {0x21, 0x04}, {0x21, 0x01},
            {0xA0, 0x11}, {0xA1, 0x38}, {0xA1, 0x02}, {0xA1, 0x01}, {0x21, 0x00}, {0xA1, 0x00}};
        for (int[] w : init) {
            ports.out(w[0], 1, w[1]);
        }
    }

    @Test
    void timerTickReachesTheCpu() {
        ports.out(0x43, 1, 0x34);
        ports.out(0x40, 1, 0xA9);
        ports.out(0x40, 1, 0x04);
        assertFalse(cpuIntr);
        clock.set(timers.nextDeadline());
        timers.runExpired(clock.nanos());
        assertTrue(cpuIntr);
        assertEquals(0x30, pic.acknowledge());
        assertFalse(cpuIntr);
        ports.out(0x20, 1, 0x20);
    }

    @Test
    void serialInterruptReachesTheCpu() {
        ports.out(0x3FC, 1, 0x0B);
        ports.out(0x3F9, 1, 0x01);
        uart.offerInput(new byte[] {'x'}, 0, 1);
        uart.poll();
        assertTrue(cpuIntr);
        assertEquals(0x34, pic.acknowledge());
        assertEquals('x', ports.in(0x3F8, 1));
        ports.out(0x3F8, 1, 'y');
        assertEquals("y", console.toString());
        ports.out(0x80, 1, 0);
        assertEquals(0xFF, ports.in(0x80, 1));
    }
}
