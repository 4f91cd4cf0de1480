package jlguest.devices.legacy;

import jlguest.bus.IrqLine;
import jlguest.bus.PortDevice;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;

/**
 * The two cascaded Intel 8259A interrupt controllers of the PC/AT: master at 0x20-0x21 (IRQ 0-7),
 * slave at 0xA0-0xA1 (IRQ 8-15) hanging off the master's input 2, plus the edge/level control
 * registers (ELCR) at 0x4D0-0x4D1.
 *
 * <p>tour:devices:010 Every interrupt in this machine (timer, serial port, virtio) arrives as a wire
 * going high at one of these two chips. The chips remember requests (IRR), let the guest mask them
 * (IMR), pick the most urgent one that outranks what is already being serviced (ISR), and raise the
 * CPU's INTR pin. When the CPU takes the interrupt it runs the acknowledge cycle ({@link
 * #acknowledge()}), which returns the vector and moves the request from IRR to ISR; the guest ends it
 * with an EOI command. Linux, booted without ACPI or an APIC, drives the interrupts of the whole
 * machine through this 1976 design.
 *
 * <p>tour:devices:020 Two liberties, both in the guest's favour. Edge-triggered inputs latch a
 * rising edge in IRR until the acknowledge cycle, even if the wire has dropped again: our devices
 * signal an edge as a pulse (up, then down at once), which a real chip would see as a request that
 * went away, a spurious IRQ 7. Level-triggered inputs (set in the ELCR, as a BIOS would for shared
 * lines such as virtio's) follow the wire, and a request that goes away before the acknowledge cycle
 * does produce the spurious IRQ 7 or 15, as on hardware. The cascade input (master IR2) is always
 * treated as a level: it follows the slave's INT output.
 *
 * <p>Simplified: the MCS-80/85 call format (ICW4 bit 0 = 0) is accepted but vectors are always
 * 8086-style; buffered mode (ICW4 bits 2-3) is ignored. Rotation commands, special mask mode, special
 * fully nested mode, auto-EOI and poll mode are implemented.
 */
public final class Pic8259Pair implements PortDevice, Stateful {
    public static final int MASTER_BASE = 0x20;
    public static final int SLAVE_BASE = 0xA0;
    public static final int ELCR_BASE = 0x4D0;
    private static final int CASCADE_IRQ = 2;

    private final Chip master = new Chip("master", 0xF8, 0x08);
    private final Chip slave = new Chip("slave", 0xDE, 0x70);
    private IrqLine intrListener = IrqLine.NONE;
    private boolean intr;

    public Pic8259Pair() {
        master.cascadeMask = 1 << CASCADE_IRQ;
    }

    /** The listener (normally the CPU's INTR pin) told whenever INTR changes. */
    public void setIntrListener(IrqLine listener) {
        this.intrListener = listener == null ? IrqLine.NONE : listener;
    }

    /** Drives ISA interrupt line {@code irq} (0..15); out-of-range lines (and IRQ 2) are ignored. */
    public void setIrq(int irq, boolean level) {
        if (irq < 0 || irq > 15 || irq == CASCADE_IRQ) {
            return;
        }
        (irq < 8 ? master : slave).setLine(irq & 7, level);
        update();
    }

    /** Input {@code irq} as an {@link IrqLine} to hand to a device. */
    public IrqLine line(int irq) {
        return level -> setIrq(irq, level);
    }

    /**
     * Makes input {@code irq} level- (true) or edge-triggered (false), as a BIOS programs the ELCR for
     * shared PCI-style lines. IRQs 0, 1, 2, 8 and 13 are always edge-triggered on a PC.
     */
    public void setLevelTriggered(int irq, boolean level) {
        Chip c = irq < 8 ? master : slave;
        int bit = 1 << (irq & 7);
        c.writeElcr(level ? c.elcr | bit : c.elcr & ~bit);
        update();
    }

    /** The INTR output: true when an unmasked request outranks everything in service. */
    public boolean intr() {
        return intr;
    }

    // exercise:08 Count interrupts per IRQ line: each acknowledge() delivers one IRQ (0..15, or a
    // spurious 7 or 15); count them and let describe(), and so `info pic`, end with a line like
    // "delivered: irq0=5 irq5=1". Hint: the IRQ number is the vector minus the chip's base. Test:
    // ExercisesTest.exercise08InterruptsPerIrq.
    /**
     * The interrupt-acknowledge cycle: returns the vector of the highest-priority request and marks
     * it in service. If the request went away in the meantime, returns the spurious vector of IRQ 7
     * (or IRQ 15 when the slave's request vanished) without marking anything in service.
     */
    public int acknowledge() {
        int irq = master.output();
        int vector;
        if (irq < 0) {
            vector = master.vectorBase + 7;
        } else {
            master.ack(irq);
            if (irq == CASCADE_IRQ && !master.single) {
                int s = slave.output();
                if (s < 0) {
                    vector = slave.vectorBase + 7;
                } else {
                    slave.ack(s);
                    vector = slave.vectorBase + s;
                }
            } else {
                vector = master.vectorBase + irq;
            }
        }
        update();
        return vector;
    }

    @Override
    public int in(int port, int size) {
        int v = switch (port) {
            case MASTER_BASE, MASTER_BASE + 1 -> master.read(port & 1);
            case SLAVE_BASE, SLAVE_BASE + 1 -> slave.read(port & 1);
            case ELCR_BASE -> master.elcr;
            case ELCR_BASE + 1 -> slave.elcr;
            default -> 0xFF;
        };
        // A poll read is an acknowledge and may change what INTR should be.
        update();
        return size == 1 ? v : v | (size == 2 ? 0xFF00 : 0xFFFFFF00);
    }

    @Override
    public void out(int port, int size, int value) {
        switch (port) {
            case MASTER_BASE, MASTER_BASE + 1 -> master.write(port & 1, value & 0xFF);
            case SLAVE_BASE, SLAVE_BASE + 1 -> slave.write(port & 1, value & 0xFF);
            case ELCR_BASE -> master.writeElcr(value & 0xFF);
            case ELCR_BASE + 1 -> slave.writeElcr(value & 0xFF);
            default -> { }
        }
        update();
    }

    /** Propagates the slave's output to master IR2, then the master's to INTR. */
    private void update() {
        int cascade = master.single ? 0 : master.cascadeMask;
        master.irr = slave.output() >= 0 ? master.irr | cascade : master.irr & ~cascade;
        boolean now = master.output() >= 0;
        if (now != intr) {
            intr = now;
            intrListener.set(now);
        }
    }

    /** Both chips, with their input lines' levels (so the devices' lines need not be driven again). */
    @Override
    public void save(StateWriter out) {
        master.save(out);
        slave.save(out);
        out.bool(intr);
    }

    /** Restores both chips; INTR is the saved one (the CPU restores its own copy of the pin). */
    @Override
    public void restore(StateReader in) {
        master.restore(in);
        slave.restore(in);
        intr = in.bool();
    }

    /** For the monitor: both chips' registers and the INTR pin. */
    public String describe() {
        return master.describe() + "\n" + slave.describe() + "\nINTR=" + (intr ? 1 : 0);
    }

    /** One 8259A. */
    private static final class Chip {
        private final String name;
        private final int elcrMask;
        int cascadeMask;
        int irr;
        int isr;
        int imr = 0xFF;
        int lines;
        int elcr;
        int vectorBase;
        /** 0: initialized; 2, 3, 4: waiting for that ICW. */
        int initStep;
        boolean needIcw4;
        boolean single;
        boolean levelMode;
        int icw3;
        boolean autoEoi;
        boolean rotateOnAutoEoi;
        boolean specialMask;
        boolean specialFullyNested;
        boolean readIsr;
        boolean pollPending;
        /** The IR with the lowest priority; the one after it has the highest. */
        int lowestPriority = 7;

        Chip(String name, int elcrMask, int vectorBase) {
            this.name = name;
            this.elcrMask = elcrMask;
            // No BIOS ran: we start where a PC BIOS would leave the chips, all inputs masked.
            this.vectorBase = vectorBase;
        }

        void save(StateWriter out) {
            out.i32(cascadeMask).i32(irr).i32(isr).i32(imr).i32(lines).i32(elcr).i32(vectorBase).i32(initStep);
            out.bool(needIcw4).bool(single).bool(levelMode).i32(icw3).bool(autoEoi).bool(rotateOnAutoEoi);
            out.bool(specialMask).bool(specialFullyNested).bool(readIsr).bool(pollPending).i32(lowestPriority);
        }

        void restore(StateReader in) {
            cascadeMask = in.i32(0, 0xFF, "cascade mask");
            irr = in.i32(0, 0xFF, "IRR");
            isr = in.i32(0, 0xFF, "ISR");
            imr = in.i32(0, 0xFF, "IMR");
            lines = in.i32(0, 0xFF, "input lines");
            elcr = in.i32(0, 0xFF, "ELCR") & elcrMask;
            vectorBase = in.i32(0, 0xF8, "vector base");
            initStep = in.i32(0, 4, "init step");
            needIcw4 = in.bool();
            single = in.bool();
            levelMode = in.bool();
            icw3 = in.i32(0, 0xFF, "ICW3");
            autoEoi = in.bool();
            rotateOnAutoEoi = in.bool();
            specialMask = in.bool();
            specialFullyNested = in.bool();
            readIsr = in.bool();
            pollPending = in.bool();
            lowestPriority = in.i32(0, 7, "lowest priority");
        }

        boolean levelTriggered(int bit) {
            return levelMode || (elcr & bit) != 0;
        }

        void setLine(int n, boolean level) {
            int bit = 1 << n;
            if (levelTriggered(bit)) {
                irr = level ? irr | bit : irr & ~bit;
            } else if (level && (lines & bit) == 0) {
                irr |= bit;
            }
            lines = level ? lines | bit : lines & ~bit;
        }

        int priority(int irq) {
            return (irq - lowestPriority - 1) & 7;
        }

        /** The highest-priority IR among {@code bits}, or -1. */
        int highest(int bits) {
            if (bits == 0) {
                return -1;
            }
            for (int p = 0; p < 8; p++) {
                int irq = (lowestPriority + 1 + p) & 7;
                if ((bits & (1 << irq)) != 0) {
                    return irq;
                }
            }
            return -1;
        }

        /** The IR this chip would signal on INT now, or -1. */
        int output() {
            int req = highest(irr & ~imr);
            if (req < 0) {
                return -1;
            }
            int inService = isr;
            if (specialMask) {
                inService &= ~imr;
            }
            if (specialFullyNested) {
                // The master lets a higher slave request through while the cascade input is in service.
                inService &= ~cascadeMask;
            }
            int cur = highest(inService);
            if (cur >= 0 && priority(cur) <= priority(req)) {
                return -1;
            }
            return req;
        }

        void ack(int irq) {
            int bit = 1 << irq;
            if (!levelTriggered(bit) && (cascadeMask & bit) == 0) {
                irr &= ~bit;
            }
            if (autoEoi) {
                if (rotateOnAutoEoi) {
                    lowestPriority = irq;
                }
            } else {
                isr |= bit;
            }
        }

        int read(int a0) {
            if (a0 == 1) {
                return imr;
            }
            if (pollPending) {
                pollPending = false;
                int irq = output();
                if (irq < 0) {
                    return 0;
                }
                ack(irq);
                return 0x80 | irq;
            }
            return readIsr ? isr : irr;
        }

        void write(int a0, int v) {
            if (a0 == 0) {
                if ((v & 0x10) != 0) {
                    icw1(v);
                } else if ((v & 0x08) != 0) {
                    ocw3(v);
                } else {
                    ocw2(v);
                }
                return;
            }
            switch (initStep) {
                case 2 -> {
                    vectorBase = v & 0xF8;
                    initStep = single ? (needIcw4 ? 4 : 0) : 3;
                }
                case 3 -> {
                    icw3 = v;
                    initStep = needIcw4 ? 4 : 0;
                }
                case 4 -> {
                    autoEoi = (v & 0x02) != 0;
                    specialFullyNested = (v & 0x10) != 0;
                    initStep = 0;
                }
                default -> imr = v;
            }
        }

        private void icw1(int v) {
            needIcw4 = (v & 0x01) != 0;
            single = (v & 0x02) != 0;
            levelMode = (v & 0x08) != 0;
            imr = 0;
            isr = 0;
            // The edge-sense latches are reset: an edge input must go low and high again to request.
            irr = 0;
            for (int n = 0; n < 8; n++) {
                int bit = 1 << n;
                if (levelTriggered(bit) && (lines & bit) != 0) {
                    irr |= bit;
                }
            }
            lowestPriority = 7;
            specialMask = false;
            specialFullyNested = false;
            readIsr = false;
            pollPending = false;
            autoEoi = false;
            rotateOnAutoEoi = false;
            initStep = 2;
        }

        private void ocw2(int v) {
            int level = v & 7;
            switch (v >> 5) {
                case 0b001, 0b101 -> { // non-specific EOI (and rotate on it)
                    int irq = highest(isr);
                    if (irq >= 0) {
                        isr &= ~(1 << irq);
                        if ((v & 0x80) != 0) {
                            lowestPriority = irq;
                        }
                    }
                }
                case 0b011 -> isr &= ~(1 << level); // specific EOI
                case 0b111 -> { // rotate on specific EOI
                    isr &= ~(1 << level);
                    lowestPriority = level;
                }
                case 0b110 -> lowestPriority = level; // set priority
                case 0b100 -> rotateOnAutoEoi = true;
                case 0b000 -> rotateOnAutoEoi = false;
                default -> { } // 0b010: no operation
            }
        }

        private void ocw3(int v) {
            if ((v & 0x40) != 0) {
                specialMask = (v & 0x20) != 0;
            }
            if ((v & 0x02) != 0) {
                readIsr = (v & 0x01) != 0;
            }
            pollPending = (v & 0x04) != 0;
        }

        void writeElcr(int v) {
            elcr = v & elcrMask;
            // Level inputs follow their wires from now on.
            for (int n = 0; n < 8; n++) {
                int bit = 1 << n;
                if ((elcr & bit) != 0 && (cascadeMask & bit) == 0) {
                    irr = (lines & bit) != 0 ? irr | bit : irr & ~bit;
                }
            }
        }

        String describe() {
            return String.format("%-6s IRR=%02x ISR=%02x IMR=%02x ELCR=%02x lines=%02x base=0x%02x%s%s%s",
                    name, irr, isr, imr, elcr, lines, vectorBase,
                    autoEoi ? " auto-EOI" : "",
                    specialMask ? " special-mask" : "",
                    initStep != 0 ? " (waiting for ICW" + initStep + ")" : "");
        }
    }
}
