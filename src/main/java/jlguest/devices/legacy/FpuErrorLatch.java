package jlguest.devices.legacy;

import jlguest.bus.IrqLine;
import jlguest.bus.PortDevice;

/**
 * The PC/AT way of reporting x87 errors: FERR# raises IRQ 13, and a write to port 0xF0 clears it.
 *
 * <p>tour:devices:095 A 386 kept its floating-point unit on another chip, and the AT wired that
 * chip's error pin to an interrupt line. Every CPU since the 486 reports x87 errors as exception
 * #MF instead, once the kernel sets CR0.NE (Linux does); only with NE clear does the CPU fall back
 * to FERR#, which it raises on each waiting x87 instruction until the error is cleared.
 */
public final class FpuErrorLatch implements PortDevice {
    public static final int PORT = 0xF0;
    public static final int IRQ = 13;

    private final IrqLine irq;

    public FpuErrorLatch(IrqLine irq) {
        this.irq = irq;
    }

    /** FERR#: the CPU found an unmasked x87 error pending with CR0.NE clear. */
    public void raise() {
        irq.set(true);
    }

    @Override
    public int in(int port, int size) {
        return 0xFF;
    }

    /** Any write to port 0xF0 clears the latch (the value does not matter). */
    @Override
    public void out(int port, int size, int value) {
        irq.set(false);
    }
}
