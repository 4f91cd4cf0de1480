package jlguest.devices.legacy;

import java.util.function.IntConsumer;

import jlguest.bus.PortDevice;

/**
 * A guest-controlled exit, at port 0xF4 when the user asks for it.
 *
 * <p>tour:devices:090 Test kernels written for QEMU end their run by writing to QEMU's
 * isa-debug-exit device; QEMU then exits with status {@code (v << 1) | 1}, so a guest can never fake
 * a clean 0. {@link Mode#QEMU} does exactly that, so such kernels run unchanged. {@link Mode#STATUS}
 * passes {@code v} through unchanged: the bundled initrd's scripted runs write their shell's exit
 * status there. The value is what the guest wrote, masked to the access size (a host exit status
 * keeps only its low 8 bits anyway). Reads return 0, as QEMU's do.
 */
public final class TestExitPort implements PortDevice {
    public static final int PORT = 0xF4;

    /** How a written value becomes the exit status. */
    public enum Mode {
        /** QEMU isa-debug-exit: {@code (v << 1) | 1}. */
        QEMU,
        /** The value itself. */
        STATUS
    }

    private final IntConsumer exit;
    private final Mode mode;

    public TestExitPort(IntConsumer exit, Mode mode) {
        this.exit = exit;
        this.mode = mode;
    }

    /** The exit status a write of {@code value} with {@code size} bytes produces. */
    public int statusFor(int value, int size) {
        int v = size == 1 ? value & 0xFF : size == 2 ? value & 0xFFFF : value;
        return mode == Mode.QEMU ? (v << 1) | 1 : v;
    }

    @Override
    public int in(int port, int size) {
        return 0;
    }

    @Override
    public void out(int port, int size, int value) {
        exit.accept(statusFor(value, size));
    }
}
