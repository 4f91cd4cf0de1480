package jlguest.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class Uart16550Test {
    private static final int RBR = 0x3F8;
    private static final int THR = 0x3F8;
    private static final int IER = 0x3F9;
    private static final int IIR = 0x3FA;
    private static final int FCR = 0x3FA;
    private static final int LCR = 0x3FB;
    private static final int MCR = 0x3FC;
    private static final int LSR = 0x3FD;
    private static final int MSR = 0x3FE;
    private static final int SCR = 0x3FF;

    private final ByteArrayOutputStream sink = new ByteArrayOutputStream();
    private boolean irq;
    private int irqRises;
    private final AtomicInteger wakeups = new AtomicInteger();
    private final Uart16550 uart = new Uart16550(sink, level -> {
        if (level && !irq) {
            irqRises++;
        }
        irq = level;
    }, wakeups::incrementAndGet);

    private int in(int port) {
        return uart.in(port, 1);
    }

    private void out(int port, int v) {
        uart.out(port, 1, v);
    }

    @Test
    void linuxAutoconfigFindsA16550A() {
        // The IER existence test.
        int scratch = in(IER);
        out(IER, 0);
        assertEquals(0, in(IER) & 0x0F);
        out(IER, 0x0F);
        assertEquals(0x0F, in(IER) & 0x0F);
        out(IER, scratch);
        // The loopback test: MCR = LOOP | OUT2 | RTS must show CTS and DCD in MSR.
        int saveMcr = in(MCR);
        int saveLcr = in(LCR);
        out(MCR, 0x1A);
        assertEquals(0x90, in(MSR) & 0xF0);
        out(MCR, saveMcr);
        // FIFO probe: EFR write under LCR=0xBF lands in FCR; then enable the FIFO.
        out(LCR, 0xBF);
        out(0x3FA, 0);
        out(LCR, 0);
        out(FCR, 0x01);
        assertEquals(3, in(IIR) >> 6, "IIR FIFO bits say 16550A");
        // autoconfig_16550a: no EFR behind DLAB, no 64-byte FIFO, no UUE bit in IER.
        out(LCR, 0x80);
        assertTrue(in(0x3FA) != 0);
        out(LCR, 0xBF);
        assertTrue(in(0x3FA) != 0);
        out(LCR, 0);
        out(FCR, 0x21);
        assertEquals(0xC0, in(IIR) & 0xE0);
        out(FCR, 0x01);
        out(LCR, 0x80);
        out(FCR, 0x21);
        assertEquals(0xC0, in(IIR) & 0xE0);
        out(FCR, 0x01);
        out(LCR, 0);
        int iersave = in(IER);
        out(IER, iersave | 0x40);
        assertEquals(0, in(IER) & 0x40);
        out(IER, iersave);
        assertEquals(16, sizeFifo());
        out(LCR, saveLcr);
        assertEquals(0, sink.size(), "loopback bytes never reach the console");
    }

    /** Linux's size_fifo(): count how many loopback bytes the receiver keeps. */
    private int sizeFifo() {
        out(FCR, 0x07);
        out(MCR, 0x10);
        out(LCR, 0x80);
        out(RBR, 1);
        out(IER, 0);
        out(LCR, 0x03);
        for (int i = 0; i < 256; i++) {
            out(THR, i);
        }
        int count = 0;
        while ((in(LSR) & 0x01) != 0 && count < 256) {
            assertEquals(count, in(RBR));
            count++;
        }
        out(MCR, 0);
        return count;
    }

    @Test
    void threInterruptIsReassertedEachTimeItIsEnabled() {
        // serial8250_do_startup's THRE test.
        out(FCR, 0x07);
        out(FCR, 0x00);
        in(LSR);
        in(RBR);
        in(IIR);
        in(MSR);
        assertTrue((in(LSR) & 0x60) == 0x60);
        out(IER, 0x02);
        int iir1 = in(IIR);
        out(IER, 0);
        out(IER, 0x02);
        int iir = in(IIR);
        out(IER, 0);
        assertEquals(0x02, iir1);
        assertEquals(0x02, iir);
        assertEquals(0x01, in(IIR), "reading IIR acknowledged it");
    }

    @Test
    void transmitBurstGoesOutAtOnceAndCostsOneInterrupt() {
        out(LCR, 0x03);
        out(FCR, 0x81);
        out(MCR, 0x0B); // DTR, RTS, OUT2
        out(IER, 0x02); // start_tx
        assertTrue(irq);
        assertEquals(0xC2, in(IIR));
        assertFalse(irq);
        for (byte b : "hello, world".getBytes()) {
            out(THR, b);
        }
        assertEquals("hello, world", sink.toString());
        assertFalse(irq, "no interrupt in the middle of a burst");
        assertEquals(0xC2, in(IIR), "the handler's next IIR read finds THRE");
        out(IER, 0x00); // stop_tx
        assertEquals(0xC1, in(IIR));
        assertEquals(1, irqRises);
        // A burst followed by nothing: the machine's poll() completes it.
        out(IER, 0x02);
        in(IIR);
        out(THR, '!');
        assertFalse(irq);
        uart.poll();
        assertTrue(irq);
    }

    @Test
    void interruptReachesThePicOnlyWithOut2AndNotInLoopback() {
        out(IER, 0x02);
        assertFalse(irq, "OUT2 clear");
        out(MCR, 0x08);
        assertTrue(irq);
        out(MCR, 0x18);
        assertFalse(irq, "loopback disconnects the pin");
        out(MCR, 0x08);
        assertTrue(irq);
    }

    @Test
    void interruptPrioritiesFollowTheDatasheet() {
        out(FCR, 0x01); // FIFO, trigger 1
        out(MCR, 0x10); // loopback, to make line and modem events
        for (int i = 0; i < 17; i++) {
            out(THR, 'a' + i); // the 17th overruns
        }
        out(MCR, 0x13); // DTR and RTS: DSR and CTS change
        out(IER, 0x0F);
        assertEquals(0xC6, in(IIR), "receiver line status first");
        assertEquals(0x02, in(LSR) & 0x02, "overrun");
        assertEquals(0xC4, in(IIR), "then received data");
        for (int i = 0; i < 16; i++) {
            in(RBR);
        }
        assertEquals(0xC2, in(IIR), "then THRE");
        assertEquals(0xC0, in(IIR), "then modem status");
        assertEquals(0x0B, in(MSR) & 0x0F, "deltas: entering loopback dropped CTS, DSR, DCD");
        assertEquals(0xC1, in(IIR));
    }

    @Test
    void dataBelowTheTriggerLevelRaisesTimeout() {
        out(FCR, 0x81); // trigger level 8
        out(IER, 0x01);
        out(MCR, 0x0A); // RTS and OUT2
        uart.offerInput("abc".getBytes(), 0, 3);
        assertFalse(irq, "not before the CPU thread polls");
        uart.poll();
        assertTrue(irq);
        assertEquals(0xCC, in(IIR));
        uart.offerInput("defghijk".getBytes(), 0, 8);
        uart.poll();
        assertEquals(0xC4, in(IIR));
        StringBuilder got = new StringBuilder();
        while ((in(LSR) & 1) != 0) {
            got.append((char) in(RBR));
        }
        assertEquals("abcdefghijk", got.toString());
        assertFalse(irq);
        assertEquals(2, wakeups.get());
    }

    @Test
    void inputPushesBackInsteadOfBeingLost() throws Exception {
        out(FCR, 0xC7);
        out(MCR, 0x02);
        byte[] data = new byte[5000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        AtomicInteger partialOffers = new AtomicInteger();
        Thread producer = new Thread(() -> {
            int off = 0;
            while (off < data.length) {
                int n = uart.offerInput(data, off, data.length - off);
                if (n < data.length - off) {
                    partialOffers.incrementAndGet();
                }
                off += n;
                if (n == 0) {
                    Thread.onSpinWait();
                }
            }
        });
        producer.start();
        byte[] got = new byte[data.length];
        int count = 0;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (count < data.length && System.nanoTime() < deadline) {
            uart.poll();
            while ((in(LSR) & 1) != 0) {
                got[count++] = (byte) in(RBR);
            }
        }
        producer.join(1000);
        assertEquals(data.length, count);
        assertArrayEquals(data, got);
        assertEquals(0, in(LSR) & 0x02, "never an overrun");
        assertTrue(partialOffers.get() > 0, "the producer was pushed back at least once");
    }

    @Test
    void offerTakesOnlyWhatFits() {
        byte[] big = new byte[1000];
        int first = uart.offerInput(big, 0, big.length);
        assertEquals(Uart16550.INPUT_QUEUE_SIZE, first);
        assertEquals(0, uart.offerInput(big, 0, big.length));
        uart.poll();
        assertEquals(0, uart.offerInput(big, 0, big.length), "RTS is down: nothing moves");
        out(MCR, 0x02);
        uart.poll(); // FIFO disabled: one byte moves into the holding register
        assertEquals(1, uart.offerInput(big, 0, big.length));
    }

    @Test
    void inputWaitsWhileRtsIsDownAsDuringLinuxProbe() {
        uart.offerInput("typed early".getBytes(), 0, 11);
        out(FCR, 0x07);     // the probe resets the FIFOs...
        uart.poll();
        assertEquals(0, in(LSR) & 1, "...and no input has reached them");
        out(FCR, 0xC7);
        out(MCR, 0x0B);     // the port is opened: DTR, RTS, OUT2
        uart.poll();
        StringBuilder got = new StringBuilder();
        while ((in(LSR) & 1) != 0) {
            got.append((char) in(RBR));
        }
        assertEquals("typed early", got.toString());
    }

    @Test
    void divisorLatchAndScratch() {
        out(LCR, 0x83);
        out(0x3F8, 0x01);
        out(0x3F9, 0x00);
        assertEquals(0x01, in(0x3F8));
        assertEquals(0x00, in(0x3F9));
        out(LCR, 0x03);
        assertEquals(0, sink.size(), "divisor writes are not data");
        out(SCR, 0x5A);
        assertEquals(0x5A, in(SCR));
        assertTrue(uart.describe().contains("divisor=1"));
    }

    @Test
    void aBrokenSinkNeverStopsTheGuest() {
        Uart16550 u = new Uart16550(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("gone");
            }
        }, null, null);
        u.out(THR, 1, 'x');
        assertEquals(0x60, u.in(LSR, 1) & 0x60);
        assertEquals(0xFF, u.in(0x3F7, 1));
    }
}
