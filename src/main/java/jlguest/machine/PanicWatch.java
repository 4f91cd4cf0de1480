package jlguest.machine;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Watches the guest's serial output for a Linux kernel panic and reports it once.
 *
 * <p>tour:machine:060 A panicked Linux never powers off: it prints its last words and spins with
 * interrupts off (or reboots, with {@code panic=N}). lguest's launcher ended the run when its guest
 * panicked; ours does the same by listening to what the kernel says on its console. Every Linux of
 * the last decade ends a panic report with the line
 * {@code ---[ end Kernel panic - not syncing: REASON ]---}: when it has gone by, the run ends with
 * {@link #EXIT_STATUS} and one line naming the reason. A console is a fair witness here because it
 * is the kernel's own, and the only one every kernel has (no ACPI or PCI for a pvpanic device on
 * this machine); a guest program that prints the line ends only its own machine.
 */
final class PanicWatch extends OutputStream {
    /** The launcher's exit status when the guest kernel panicked. */
    static final int EXIT_STATUS = 3;

    private static final byte[] MARKER = "---[ end Kernel panic - not syncing: ".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_REASON = 160;

    private final OutputStream out;
    private final Consumer<String> onPanic;
    private int matched;
    /** The reason being collected after the marker, or null while looking for it. */
    private StringBuilder reason;
    private boolean reported;

    PanicWatch(OutputStream out, Consumer<String> onPanic) {
        this.out = out;
        this.onPanic = onPanic;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        see(b & 0xFF);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        for (int i = 0; i < len; i++) {
            see(b[off + i] & 0xFF);
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    private void see(int c) {
        if (reported) {
            return;
        }
        if (reason != null) {
            if (c == '\r') {
                return;     // the line ends at its '\n', so the console shows it whole before we stop
            }
            if (c == '\n' || reason.length() >= MAX_REASON) {
                String r = reason.toString();
                int end = r.lastIndexOf(" ]---");
                reported = true;
                onPanic.accept(end >= 0 ? r.substring(0, end) : r);
            } else {
                reason.append(c >= 0x20 && c < 0x7F ? (char) c : '?');   // guest text: printable only
            }
            return;
        }
        if (c == MARKER[matched]) {
            if (++matched == MARKER.length) {
                reason = new StringBuilder();
            }
        } else {
            matched = c == MARKER[0] ? 1 : 0;
        }
    }
}
