package jlguest.devices.legacy;

import jlguest.bus.IrqLine;
import jlguest.bus.PortDevice;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;

/**
 * The Intel 8042 keyboard controller at 0x60 (data) and 0x64 (status/command), with nothing plugged
 * into its keyboard and mouse ports.
 *
 * <p>tour:devices:080 We keep a keyboard controller for one reason: it is how a PC reboots. Linux's
 * {@code reboot=k} writes command 0xFE, which pulses the CPU's reset line; here it calls the
 * machine's reset hook. The rest is enough of the controller for Linux's i8042 driver to probe it
 * quickly and conclude there is no keyboard and no mouse: self-test answers 0x55, the command byte
 * reads and writes, the AUX loopback echoes, and bytes sent to a device come back as 0xFE with the
 * timeout bit, which is how a real controller says "nobody is there". Command responses raise no
 * interrupt; bytes that seem to come from a device raise IRQ 1 or 12 when the command byte enables
 * them (Linux's AUX interrupt test depends on that).
 */
public final class I8042 implements PortDevice, Stateful {
    public static final int DATA_PORT = 0x60;
    public static final int STATUS_PORT = 0x64;
    public static final int KBD_IRQ = 1;
    public static final int AUX_IRQ = 12;

    private static final int STR_OBF = 0x01;
    private static final int STR_SYS = 0x04;
    private static final int STR_CMD = 0x08;
    private static final int STR_UNLOCKED = 0x10;
    private static final int STR_AUXDATA = 0x20;
    private static final int STR_TIMEOUT = 0x40;
    private static final int CTR_KBDINT = 0x01;
    private static final int CTR_AUXINT = 0x02;
    private static final int CTR_SYS = 0x04;
    private static final int CTR_KBDDIS = 0x10;
    private static final int CTR_AUXDIS = 0x20;
    private static final int NO_DEVICE = 0xFE;

    private enum Source { CONTROLLER, KEYBOARD, AUX }

    @Override
    public void save(StateWriter out) {
        out.ints(ram).i32(outputPort).i32(pendingCommand).bool(lastWasCommand).bool(obFull).i32(obData);
        out.i32(obFlags).i32(obSource.ordinal()).bool(kbdLevel).bool(auxLevel).i64(resets);
    }

    @Override
    public void restore(StateReader in) {
        in.ints(ram, "i8042 RAM");
        outputPort = in.i32(0, 0xFF, "i8042 output port");
        pendingCommand = in.i32(0, 0xFF, "i8042 pending command");
        lastWasCommand = in.bool();
        obFull = in.bool();
        obData = in.i32(0, 0xFF, "i8042 output buffer");
        obFlags = in.i32(0, 0xFF, "i8042 output flags");
        obSource = Source.values()[in.i32(0, Source.values().length - 1, "i8042 output source")];
        kbdLevel = in.bool();
        auxLevel = in.bool();
        resets = in.i64();
    }

    private final Runnable reset;
    private final IrqLine kbdIrq;
    private final IrqLine auxIrq;
    /** Controller RAM; byte 0 is the command byte (CTR). As a BIOS leaves it: translate, system flag, kbd IRQ. */
    private final int[] ram = new int[32];
    private int outputPort = 0x03; // reset line high (not in reset), A20 enabled
    private int pendingCommand;
    private boolean lastWasCommand;
    private boolean obFull;
    private int obData;
    private int obFlags;
    private Source obSource = Source.CONTROLLER;
    private boolean kbdLevel;
    private boolean auxLevel;
    private long resets;

    /** A controller without interrupt lines: Linux still probes it, by polling. */
    public I8042(Runnable reset) {
        this(reset, null, null);
    }

    public I8042(Runnable reset, IrqLine irq1, IrqLine irq12) {
        this.reset = reset == null ? () -> { } : reset;
        this.kbdIrq = irq1 == null ? IrqLine.NONE : irq1;
        this.auxIrq = irq12 == null ? IrqLine.NONE : irq12;
        ram[0] = 0x40 | CTR_SYS | CTR_KBDINT;
    }

    @Override
    public int in(int port, int size) {
        int v;
        if (port == DATA_PORT) {
            obFull = false;
            v = obData;
            updateIrqs();
        } else if (port == STATUS_PORT) {
            v = status();
        } else {
            v = 0xFF;
        }
        return size == 1 ? v : v | (size == 2 ? 0xFF00 : 0xFFFFFF00);
    }

    private int status() {
        return (obFull ? STR_OBF | obFlags : 0) | (ram[0] & CTR_SYS) | (lastWasCommand ? STR_CMD : 0) | STR_UNLOCKED;
    }

    @Override
    public void out(int port, int size, int value) {
        int v = value & 0xFF;
        if (port == STATUS_PORT) {
            lastWasCommand = true;
            command(v);
        } else if (port == DATA_PORT) {
            lastWasCommand = false;
            data(v);
        }
        updateIrqs();
    }

    private void command(int c) {
        pendingCommand = 0;
        if (c >= 0x20 && c < 0x40) {
            respond(ram[c & 0x1F]);
            return;
        }
        if (c >= 0x60 && c < 0x80) {
            pendingCommand = c;
            return;
        }
        if (c >= 0xF0) {
            // Pulse the output port lines whose bits are 0; line 0 is the CPU's reset.
            if ((c & 1) == 0) {
                pulseReset();
            }
            return;
        }
        switch (c) {
            case 0xA4 -> respond(0xF1);                  // no password installed
            case 0xA7 -> ram[0] |= CTR_AUXDIS;
            case 0xA8 -> ram[0] &= ~CTR_AUXDIS;
            case 0xA9, 0xAB -> respond(0x00);            // AUX / keyboard interface test: fine
            case 0xAA -> {                               // controller self-test
                ram[0] |= CTR_SYS;
                respond(0x55);
            }
            case 0xAD -> ram[0] |= CTR_KBDDIS;
            case 0xAE -> ram[0] &= ~CTR_KBDDIS;
            case 0xC0 -> respond(0x00);                  // input port
            case 0xD0 -> respond(outputPort);
            case 0xD1, 0xD2, 0xD3, 0xD4 -> pendingCommand = c;
            case 0xDD -> outputPort &= ~0x02;            // A20 off (we only record it)
            case 0xDF -> outputPort |= 0x02;
            case 0xE0 -> respond(0x00);                  // test inputs
            default -> { }                               // anything else: accepted, ignored
        }
    }

    private void data(int v) {
        int c = pendingCommand;
        pendingCommand = 0;
        if (c >= 0x60 && c < 0x80) {
            ram[c & 0x1F] = v;
            return;
        }
        switch (c) {
            case 0xD1 -> {
                outputPort = v;
                if ((v & 1) == 0) {
                    pulseReset();
                }
            }
            case 0xD2 -> output(v, 0, Source.KEYBOARD);
            case 0xD3 -> output(v, STR_AUXDATA, Source.AUX);
            case 0xD4 -> output(NO_DEVICE, STR_AUXDATA | STR_TIMEOUT, Source.AUX);
            default -> output(NO_DEVICE, STR_TIMEOUT, Source.KEYBOARD); // to the (absent) keyboard
        }
    }

    private void respond(int v) {
        output(v, 0, Source.CONTROLLER);
    }

    private void output(int v, int flags, Source source) {
        obData = v;
        obFlags = flags;
        obSource = source;
        obFull = true;
    }

    private void pulseReset() {
        resets++;
        reset.run();
    }

    private void updateIrqs() {
        boolean kbd = obFull && obSource == Source.KEYBOARD && (ram[0] & CTR_KBDINT) != 0;
        boolean aux = obFull && obSource == Source.AUX && (ram[0] & CTR_AUXINT) != 0;
        if (kbd != kbdLevel) {
            kbdLevel = kbd;
            kbdIrq.set(kbd);
        }
        if (aux != auxLevel) {
            auxLevel = aux;
            auxIrq.set(aux);
        }
    }

    /** For the monitor. */
    public String describe() {
        return String.format("i8042 status=%02x CTR=%02x output-port=%02x%s%s resets=%d",
                status(), ram[0], outputPort, obFull ? String.format(" out=%02x(%s)", obData, obSource) : "",
                pendingCommand != 0 ? String.format(" awaiting data for %02x", pendingCommand) : "", resets);
    }
}
