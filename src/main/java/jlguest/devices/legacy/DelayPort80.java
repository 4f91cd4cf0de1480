package jlguest.devices.legacy;

import jlguest.bus.PortDevice;

/**
 * Port 0x80, the POST-code port that PCs and Linux ({@code outb_p}, {@code io_delay}) write to for
 * a microsecond's pause. Claimed so that these writes, thousands at boot, cost a table lookup and
 * nothing else, and so that tracing of unclaimed ports stays quiet. Writes vanish, reads float (0xFF).
 */
public final class DelayPort80 implements PortDevice {
    public static final int PORT = 0x80;

    @Override
    public int in(int port, int size) {
        return size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFF;
    }

    @Override
    public void out(int port, int size, int value) {
    }
}
