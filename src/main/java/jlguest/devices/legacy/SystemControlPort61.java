package jlguest.devices.legacy;

import jlguest.bus.PortDevice;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;
import jlguest.time.GuestClock;

/**
 * Port 0x61, the PC's "system control port B": a grab bag the IBM PC wired next to the PIT.
 *
 * <p>Written bits 0-3: bit 0 gates PIT channel 2, bit 1 enables the speaker (no speaker here),
 * bits 2-3 disable parity/channel-check NMIs (stored, nothing raises them). Read: those bits back,
 * bit 4 the DRAM refresh request, which toggles every 15.085 microseconds of guest time (old delay
 * loops watched it), bit 5 PIT channel 2's OUT, bits 6-7 (NMI sources) zero.
 */
public final class SystemControlPort61 implements PortDevice, Stateful {
    public static final int PORT = 0x61;
    private static final long REFRESH_HALF_PERIOD_NS = 15_085;

    private final Pit8254 pit;
    private final GuestClock clock;
    private int control;

    public SystemControlPort61(Pit8254 pit, GuestClock clock) {
        this.pit = pit;
        this.clock = clock;
    }

    /** The four writable bits (channel 2's gate among them is saved by the PIT as well). */
    @Override
    public void save(StateWriter out) {
        out.i32(control);
    }

    @Override
    public void restore(StateReader in) {
        control = in.i32(0, 0x0F, "port 0x61");
    }

    @Override
    public int in(int port, int size) {
        int v = control
                | ((clock.nanos() / REFRESH_HALF_PERIOD_NS & 1) != 0 ? 0x10 : 0)
                | (pit.out2() ? 0x20 : 0);
        return size == 1 ? v : v | (size == 2 ? 0xFF00 : 0xFFFFFF00);
    }

    @Override
    public void out(int port, int size, int value) {
        control = value & 0x0F;
        pit.setGate2((value & 1) != 0);
    }
}
