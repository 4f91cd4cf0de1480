package jlguest.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class I8042Test {
    private int resets;
    private boolean irq1;
    private boolean irq12;
    private final I8042 kbc = new I8042(() -> resets++, l -> irq1 = l, l -> irq12 = l);

    /** Linux's __i8042_command, with its polling loops bounded: throws where Linux would time out. */
    private int[] command(int cmd, int... params) {
        int nparams = (cmd >> 12) & 0xF;
        int nresults = (cmd >> 8) & 0xF;
        assertEquals(0, kbc.in(0x64, 1) & 0x02, "input buffer never stays full");
        kbc.out(0x64, 1, cmd & 0xFF);
        for (int i = 0; i < nparams; i++) {
            assertEquals(0, kbc.in(0x64, 1) & 0x02);
            kbc.out(0x60, 1, params[i]);
        }
        int[] results = new int[nresults];
        for (int i = 0; i < nresults; i++) {
            assertEquals(1, kbc.in(0x64, 1) & 0x01, "a response is waiting for command " + Integer.toHexString(cmd));
            results[i] = kbc.in(0x60, 1);
        }
        return results;
    }

    @Test
    void linuxProbeFindsAControllerWithNothingPluggedIn() {
        // i8042_flush: nothing to flush.
        assertEquals(0, kbc.in(0x64, 1) & 0x01);
        assertEquals(0x55, command(0x01AA)[0], "self-test passes");
        int ctr = command(0x0120)[0];
        assertEquals(ctr, command(0x0120)[0], "stable CTR");
        ctr = (ctr | 0x10) & ~0x01;
        command(0x1060, ctr);
        assertEquals(ctr, command(0x0120)[0]);
        // i8042_check_aux: loopback echoes with the AUX bit.
        kbc.out(0x64, 1, 0xD3);
        kbc.out(0x60, 1, 0x5A);
        assertEquals(0x21, kbc.in(0x64, 1) & 0x21);
        assertEquals(0x5A, kbc.in(0x60, 1));
        command(0x00A7);
        assertEquals(0x20, command(0x0120)[0] & 0x20);
        command(0x00A8);
        assertEquals(0, command(0x0120)[0] & 0x20);
        // The AUX interrupt test: AUXINT on, loop a byte, IRQ 12 must fire.
        command(0x1060, command(0x0120)[0] | 0x02);
        kbc.out(0x64, 1, 0xD3);
        kbc.out(0x60, 1, 0xA5);
        assertTrue(irq12);
        assertEquals(0xA5, kbc.in(0x60, 1));
        assertFalse(irq12);
        // A command to the mouse: nobody answers but the controller, with a timeout.
        command(0x10D4, 0xF2);
        assertTrue(irq12);
        assertEquals(0x61, kbc.in(0x64, 1) & 0x61);
        assertEquals(0xFE, kbc.in(0x60, 1));
        // A command to the keyboard, likewise, on IRQ 1 once enabled.
        command(0x1060, command(0x0120)[0] | 0x01);
        kbc.out(0x60, 1, 0xF2);
        assertTrue(irq1);
        assertEquals(0x41, kbc.in(0x64, 1) & 0x61);
        assertEquals(0xFE, kbc.in(0x60, 1));
        assertFalse(irq1);
        assertEquals(0, resets);
    }

    @Test
    void controllerResponsesRaiseNoInterrupt() {
        command(0x1060, 0x47);
        assertEquals(0x55, command(0x01AA)[0]);
        assertFalse(irq1);
        assertEquals(0x00, command(0x01AB)[0]);
        assertEquals(0x00, command(0x01A9)[0]);
    }

    @Test
    void rebootThroughTheResetLine() {
        kbc.out(0x64, 1, 0xFE); // reboot=k
        assertEquals(1, resets);
        kbc.out(0x64, 1, 0xFF); // pulse nothing
        assertEquals(1, resets);
        kbc.out(0x64, 1, 0xD1);
        kbc.out(0x60, 1, 0x02); // output port with the reset bit low
        assertEquals(2, resets);
        assertTrue(kbc.describe().contains("resets=2"));
    }

    @Test
    void idleStatusAndUnknownCommands() {
        int status = kbc.in(0x64, 1);
        assertEquals(0, status & 0x03, "no data, input buffer empty");
        assertEquals(0x04, status & 0x04, "system flag");
        kbc.out(0x64, 1, 0x90);
        kbc.out(0x64, 1, 0xC1);
        assertEquals(0, kbc.in(0x64, 1) & 0x01);
        assertEquals(0xFF, kbc.in(0x61, 1));
        I8042 bare = new I8042(null);
        bare.out(0x64, 1, 0xFE);
        bare.out(0x60, 1, 0xED);
        assertEquals(0xFE, bare.in(0x60, 1));
    }
}
