package jlguest.devices.legacy;

import jlguest.bus.IrqLine;
import jlguest.bus.PortDevice;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;
import jlguest.time.GuestClock;
import jlguest.time.TimerQueue;

/**
 * The Intel 8254 programmable interval timer at ports 0x40-0x43: three {@link PitChannel}s and the
 * control-word register. Channel 0 drives IRQ 0, channel 1 (DRAM refresh on old PCs) drives nothing,
 * channel 2's gate and OUT are wired to port 0x61 ({@link SystemControlPort61}).
 *
 * <p>tour:devices:030 Linux in PIC mode needs the PIT twice: as its clock event device (mode 2 for
 * a periodic tick, mode 4 for one-shot events, each interrupt arriving on IRQ 0), and, early in
 * boot, as a stopwatch: it starts channel 2 in mode 0 and counts TSC cycles until OUT2 rises in port
 * 0x61, to learn the CPU's speed. Both come from the same few formulas in guest time.
 */
public final class Pit8254 implements PortDevice, Stateful {
    public static final int BASE = 0x40;

    private final PitChannel[] channels;

    /** {@code irq0} is pulsed at each rising edge of channel 0's OUT; timers run on {@code timers}. */
    public Pit8254(GuestClock clock, TimerQueue timers, IrqLine irq0) {
        channels = new PitChannel[] {
            new PitChannel(0, clock, timers, irq0 == null ? IrqLine.NONE : irq0, true),
            new PitChannel(1, clock, timers, null, true),
            new PitChannel(2, clock, timers, null, false),
        };
    }

    @Override
    public int in(int port, int size) {
        int i = port - BASE;
        // The control register is write-only; a read of it floats.
        int v = i >= 0 && i < 3 ? channels[i].read() : 0xFF;
        return size == 1 ? v : v | (size == 2 ? 0xFF00 : 0xFFFFFF00);
    }

    @Override
    public void out(int port, int size, int value) {
        int i = port - BASE;
        int v = value & 0xFF;
        if (i >= 0 && i < 3) {
            channels[i].write(v);
        } else if (i == 3) {
            controlWord(v);
        }
    }

    private void controlWord(int v) {
        int select = v >> 6;
        if (select < 3) {
            channels[select].control(v);
            return;
        }
        // Read-back (8254 only): bit 5 clear latches counts, bit 4 clear latches status.
        for (int c = 0; c < 3; c++) {
            if ((v & (2 << c)) != 0) {
                if ((v & 0x10) == 0) {
                    channels[c].latchStatus();
                }
                if ((v & 0x20) == 0) {
                    channels[c].latchCount();
                }
            }
        }
    }

    @Override
    public void save(StateWriter out) {
        for (PitChannel c : channels) {
            c.save(out);
        }
    }

    @Override
    public void restore(StateReader in) {
        for (PitChannel c : channels) {
            c.restore(in);
        }
    }

    /** Channel 2's gate input (port 0x61 bit 0). */
    public void setGate2(boolean level) {
        channels[2].setGate(level);
    }

    /** Channel 2's OUT pin (port 0x61 bit 5). */
    public boolean out2() {
        return channels[2].out();
    }

    /** For the monitor: each channel's mode, count and OUT. */
    public String describe() {
        return channels[0].describe() + "\n" + channels[1].describe() + "\n" + channels[2].describe();
    }
}
