package jlguest.devices.legacy;

import jlguest.bus.IrqLine;
import java.io.IOException;
import java.io.OutputStream;

import jlguest.bus.PortDevice;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;

/**
 * A National Semiconductor 16550A UART: the guest's serial console, COM1 at 0x3F8 on IRQ 4.
 *
 * <p>tour:devices:050 This is the guest's voice. Linux's 8250 driver first makes sure it is talking
 * to a real 16550A (the interrupt-enable register must hold its bits, loopback mode must mirror the
 * modem-control outputs onto the modem-status inputs, the IIR must show the FIFO bits), then drives
 * it with interrupts. Transmitting takes no time here: each byte written to THR goes straight to the
 * host's output stream and is flushed, so no console output is ever held back. The transmitter
 * becomes "empty" again (THRE interrupt) when the guest stops feeding it: at its next access to any
 * other register, or when the machine calls {@link #poll()}. A burst of 16 bytes thus costs one
 * interrupt, as with a real FIFO.
 *
 * <p>tour:devices:055 Receiving goes the other way: a host thread offers bytes through
 * {@link #offerInput}, which never blocks; the CPU thread moves them into the 16-byte receive FIFO
 * as room appears. Data below the FIFO trigger level raises the character-timeout interrupt at
 * once (a real chip waits four character times; the guest cannot tell).
 *
 * <p>On a PC the UART's interrupt output reaches the PIC only when MCR OUT2 is set (Linux sets it),
 * and never in loopback mode, where OUT2 is disconnected from the pin. Modem inputs outside loopback
 * read as a connected terminal: CTS, DSR and DCD asserted, RI not.
 */
public final class Uart16550 implements PortDevice, Stateful {
    public static final int COM1_BASE = 0x3F8;
    public static final int COM1_IRQ = 4;
    static final int FIFO_SIZE = 16;
    static final int INPUT_QUEUE_SIZE = 64;

    // Register bits we refer to by name.
    private static final int LCR_DLAB = 0x80;
    private static final int MCR_RTS = 0x02;
    private static final int MCR_OUT2 = 0x08;
    private static final int MCR_LOOP = 0x10;
    private static final int IER_RDI = 0x01;
    private static final int IER_THRI = 0x02;
    private static final int IER_RLSI = 0x04;
    private static final int IER_MSI = 0x08;
    private static final int LSR_DR = 0x01;
    private static final int LSR_OE = 0x02;
    private static final int LSR_ERRORS = 0x1E;
    private static final int LSR_THRE_TEMT = 0x60;
    private static final int IIR_NONE = 0x01;
    private static final int IIR_MSI = 0x00;
    private static final int IIR_THRI = 0x02;
    private static final int IIR_RDI = 0x04;
    private static final int IIR_RLSI = 0x06;
    private static final int IIR_TIMEOUT = 0x0C;
    /** CTS, DSR and DCD of a terminal that is plugged in. */
    private static final int MODEM_CONNECTED = 0xB0;

    private final int base;
    private final OutputStream sink;
    private final IrqLine irq;
    private final Runnable wakeup;
    private final SerialInputQueue input = new SerialInputQueue(INPUT_QUEUE_SIZE);

    private int ier;
    private int lcr;
    private int mcr;
    private int scr;
    private int divisor = 12; // 9600 baud, what a BIOS would leave
    private boolean fifoEnabled;
    private int rxTrigger = 1;
    private int lsrErrors;
    private int modemLines = MODEM_CONNECTED;
    private int msrDelta;
    private boolean threPending;
    private boolean txBurst;
    private final byte[] rx = new byte[FIFO_SIZE];
    private int rxHead;
    private int rxCount;
    private int lastRx;
    private boolean irqLevel;
    private long txBytes;
    private long sinkErrors;

    /** COM1: base 0x3F8. */
    public Uart16550(OutputStream sink, IrqLine irq, Runnable wakeup) {
        this(COM1_BASE, sink, irq, wakeup);
    }

    /**
     * A UART at ports {@code base}..{@code base+7}. Transmitted bytes go to {@code sink} (written and
     * flushed one by one, on the CPU thread); {@code irq} is driven on the CPU thread; {@code wakeup}
     * runs on the thread that offers input, after it took some.
     */
    public Uart16550(int base, OutputStream sink, IrqLine irq, Runnable wakeup) {
        this.base = base;
        this.sink = sink;
        this.irq = irq == null ? IrqLine.NONE : irq;
        this.wakeup = wakeup == null ? () -> { } : wakeup;
    }

    // ---- snapshots ----

    /**
     * The registers, the receive FIFO and the interrupt level. Input still in the host's hand-over
     * ring (typed, not yet in the FIFO) is the host's, and is not saved.
     */
    @Override
    public void save(StateWriter out) {
        out.i32(ier).i32(lcr).i32(mcr).i32(scr).i32(divisor).bool(fifoEnabled).i32(rxTrigger).i32(lsrErrors);
        out.i32(modemLines).i32(msrDelta).bool(threPending).bool(txBurst);
        out.bytes(rx).i32(rxHead).i32(rxCount).i32(lastRx).bool(irqLevel).i64(txBytes);
    }

    @Override
    public void restore(StateReader in) {
        ier = in.i32(0, 0xFF, "UART IER");
        lcr = in.i32(0, 0xFF, "UART LCR");
        mcr = in.i32(0, 0xFF, "UART MCR");
        scr = in.i32(0, 0xFF, "UART SCR");
        divisor = in.i32(0, 0xFFFF, "UART divisor");
        fifoEnabled = in.bool();
        rxTrigger = in.i32(1, FIFO_SIZE, "UART RX trigger");
        lsrErrors = in.i32(0, 0xFF, "UART LSR errors");
        modemLines = in.i32(0, 0xFF, "UART modem lines");
        msrDelta = in.i32(0, 0xFF, "UART MSR delta");
        threPending = in.bool();
        txBurst = in.bool();
        in.bytes(rx, "UART RX FIFO");
        rxHead = in.i32(0, FIFO_SIZE - 1, "UART RX head");
        rxCount = in.i32(0, FIFO_SIZE, "UART RX count");
        lastRx = in.i32(0, 0xFF, "UART last byte");
        irqLevel = in.bool();
        txBytes = in.i64();
    }

    // ---- the host side ----

    /**
     * Any thread, never blocks the CPU thread: takes as many of the bytes as fit in the input buffer
     * and returns how many (possibly 0: try again later). Then runs {@code wakeup}; the machine must
     * call {@link #poll()} on the CPU thread to let the guest see them.
     */
    public int offerInput(byte[] b, int off, int len) {
        int n = input.offer(b, off, len);
        if (n > 0) {
            wakeup.run();
        }
        return n;
    }

    /**
     * CPU thread: moves offered input into the receive FIFO and completes a finished transmit burst,
     * updating the interrupt line. Cheap when there is nothing to do; the machine calls it after a
     * wakeup, before halting the CPU, and whenever it checks its timers.
     */
    public void poll() {
        endTxBurst();
        fillRx();
        updateIrq();
    }

    // ---- the guest side ----

    @Override
    public int in(int port, int size) {
        int offset = port - base;
        endTxBurst();
        int v = switch (offset) {
            case 0 -> (lcr & LCR_DLAB) != 0 ? divisor & 0xFF : readRbr();
            case 1 -> (lcr & LCR_DLAB) != 0 ? divisor >> 8 : ier;
            case 2 -> readIir();
            case 3 -> lcr;
            case 4 -> mcr;
            case 5 -> readLsr();
            case 6 -> readMsr();
            case 7 -> scr;
            default -> 0xFF;
        };
        updateIrq();
        return size == 1 ? v : v | (size == 2 ? 0xFF00 : 0xFFFFFF00);
    }

    @Override
    public void out(int port, int size, int value) {
        int offset = port - base;
        int v = value & 0xFF;
        if (offset == 0 && (lcr & LCR_DLAB) == 0) {
            transmit(v);
            updateIrq();
            return;
        }
        endTxBurst();
        switch (offset) {
            case 0 -> divisor = (divisor & 0xFF00) | v;
            case 1 -> {
                if ((lcr & LCR_DLAB) != 0) {
                    divisor = (divisor & 0xFF) | v << 8;
                } else {
                    writeIer(v);
                }
            }
            case 2 -> writeFcr(v);
            case 3 -> lcr = v;
            case 4 -> writeMcr(v);
            case 7 -> scr = v;
            default -> { } // LSR and MSR are read-only (factory test writes ignored)
        }
        updateIrq();
    }

    private void transmit(int b) {
        threPending = false;
        txBurst = true;
        txBytes++;
        if ((mcr & MCR_LOOP) != 0) {
            receive(b);
            return;
        }
        try {
            sink.write(b);
            sink.flush();
        } catch (IOException e) {
            sinkErrors++; // the guest's console must not die because the host's did
        }
    }

    /** The transmitter has drained: THR (and the FIFO behind it) are empty again. */
    private void endTxBurst() {
        if (txBurst) {
            txBurst = false;
            threPending = true;
        }
    }

    private void writeIer(int v) {
        int old = ier;
        ier = v & 0x0F;
        // Enabling the THRE interrupt while the transmitter is empty raises it at once; Linux's
        // startup test depends on it being raised again each time.
        if ((ier & IER_THRI) != 0 && (old & IER_THRI) == 0) {
            threPending = true;
        }
    }

    private void writeFcr(int v) {
        boolean enable = (v & 0x01) != 0;
        if (enable != fifoEnabled) {
            clearRx();
        }
        fifoEnabled = enable;
        if (enable) {
            if ((v & 0x02) != 0) {
                clearRx();
            }
            rxTrigger = switch (v >> 6) {
                case 0 -> 1;
                case 1 -> 4;
                case 2 -> 8;
                default -> 14;
            };
        } else {
            rxTrigger = 1;
        }
        fillRx();
    }

    private void writeMcr(int v) {
        mcr = v & 0x1F;
        int lines = (mcr & MCR_LOOP) != 0 ? loopbackLines() : MODEM_CONNECTED;
        int changed = lines ^ modemLines;
        msrDelta |= (changed >> 4) & 0x0B; // delta CTS, DSR, DCD
        if ((changed & modemLines & 0x40) != 0) {
            msrDelta |= 0x04; // trailing edge of RI
        }
        modemLines = lines;
        fillRx();
    }

    /** In loopback, the modem outputs come back as inputs: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
    private int loopbackLines() {
        return ((mcr & 0x02) != 0 ? 0x10 : 0)
                | ((mcr & 0x01) != 0 ? 0x20 : 0)
                | ((mcr & 0x04) != 0 ? 0x40 : 0)
                | ((mcr & 0x08) != 0 ? 0x80 : 0);
    }

    private int readRbr() {
        if (rxCount > 0) {
            lastRx = rx[rxHead] & 0xFF;
            rxHead = (rxHead + 1) % FIFO_SIZE;
            rxCount--;
            fillRx();
        }
        return lastRx;
    }

    private int readIir() {
        int id = pendingInterrupt();
        if (id == IIR_THRI) {
            threPending = false;
        }
        return id | (fifoEnabled ? 0xC0 : 0);
    }

    private int readLsr() {
        int v = (rxCount > 0 ? LSR_DR : 0) | lsrErrors | LSR_THRE_TEMT;
        lsrErrors = 0;
        return v;
    }

    private int readMsr() {
        int v = modemLines | msrDelta;
        msrDelta = 0;
        return v;
    }

    /** The IIR identification of the highest-priority pending interrupt, per the datasheet. */
    private int pendingInterrupt() {
        if ((ier & IER_RLSI) != 0 && (lsrErrors & LSR_ERRORS) != 0) {
            return IIR_RLSI;
        }
        if ((ier & IER_RDI) != 0 && rxCount > 0) {
            return fifoEnabled && rxCount < rxTrigger ? IIR_TIMEOUT : IIR_RDI;
        }
        if ((ier & IER_THRI) != 0 && threPending) {
            return IIR_THRI;
        }
        if ((ier & IER_MSI) != 0 && msrDelta != 0) {
            return IIR_MSI;
        }
        return IIR_NONE;
    }

    private void updateIrq() {
        boolean level = pendingInterrupt() != IIR_NONE && (mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }

    // ---- the receive FIFO ----

    private int rxCapacity() {
        return fifoEnabled ? FIFO_SIZE : 1;
    }

    private void receive(int b) {
        if (rxCount >= rxCapacity()) {
            lsrErrors |= LSR_OE;
            return;
        }
        rx[(rxHead + rxCount) % FIFO_SIZE] = (byte) b;
        rxCount++;
    }

    private void clearRx() {
        rxHead = 0;
        rxCount = 0;
    }

    /** Host input flows in while there is room, except in loopback, where the line is cut. */
    /**
     * Hardware flow control, as on a real line: input moves into the FIFO only while the guest
     * asserts RTS ("ready to receive"). Linux raises RTS when a program opens the port and leaves
     * it down while it probes the chip, so bytes piped in early wait in the queue instead of being
     * flushed away by the probe's FIFO resets.
     */
    private void fillRx() {
        if ((mcr & (MCR_LOOP | MCR_RTS)) != MCR_RTS) {
            return;
        }
        while (rxCount < rxCapacity()) {
            int b = input.take();
            if (b < 0) {
                break;
            }
            receive(b);
        }
    }

    /** For the monitor. */
    public String describe() {
        return String.format("16550A @0x%x IER=%02x IIR=%02x LCR=%02x MCR=%02x LSR=%02x MSR=%02x SCR=%02x "
                        + "divisor=%d fifo=%s trigger=%d rx=%d queued=%d irq=%d tx=%d%s",
                base, ier, pendingInterrupt() | (fifoEnabled ? 0xC0 : 0), lcr, mcr,
                (rxCount > 0 ? LSR_DR : 0) | lsrErrors | LSR_THRE_TEMT, modemLines | msrDelta, scr,
                divisor, fifoEnabled ? "on" : "off", rxTrigger, rxCount, input.size(), irqLevel ? 1 : 0,
                txBytes, sinkErrors > 0 ? " sink-errors=" + sinkErrors : "");
    }
}
