package jlguest.boot;

import java.nio.charset.StandardCharsets;

import jlguest.bus.Ram;

/** Writes a kernel command line into guest RAM, NUL-terminated, at {@link GuestLayout#CMDLINE}. */
final class CommandLines {
    private CommandLines() {
    }

    /** @return the physical address of the string */
    static int write(Ram ram, String cmdline, int maxLength) throws BootException {
        byte[] bytes = cmdline.getBytes(StandardCharsets.UTF_8);
        int max = Math.min(maxLength, GuestLayout.CMDLINE_MAX - 1);
        if (bytes.length > max) {
            throw new BootException("the kernel command line is " + bytes.length
                    + " bytes; this kernel accepts at most " + max);
        }
        ram.zero(GuestLayout.CMDLINE, bytes.length + 1);
        ram.load(GuestLayout.CMDLINE, bytes, 0, bytes.length);
        return GuestLayout.CMDLINE;
    }
}
