package jlguest.console;

import java.io.ByteArrayOutputStream;

/**
 * The console's escape keys, as QEMU users know them: Ctrl-A then a letter.
 *
 * <p>tour:console:020 Everything typed goes to the guest except the sequences that start with
 * Ctrl-A: {@code Ctrl-A x} quits, {@code Ctrl-A h} lists the keys, {@code Ctrl-A c} switches to
 * the monitor, {@code Ctrl-A s} saves a snapshot, and {@code Ctrl-A Ctrl-A} sends one literal Ctrl-A. An unknown letter after Ctrl-A
 * is dropped, as in QEMU. The decoder is a two-state machine fed one byte at a time, so a key
 * split across two reads still works.
 */
public final class EscapeDecoder {
    public static final int CTRL_A = 0x01;

    /** What an escape sequence asks for. */
    public enum Command { QUIT, HELP, MONITOR, SAVE }

    /** Receives decoded commands. */
    public interface Listener {
        void command(Command command);
    }

    public static final String HELP = "\r\nC-a h    print this help\r\n"
            + "C-a x    exit jlguest\r\n"
            + "C-a c    switch between the console and the monitor\r\n"
            + "C-a s    save a snapshot of the machine (to jlguest-N.snap here)\r\n"
            + "C-a C-a  send C-a to the guest\r\n";

    private final Listener listener;
    private boolean escaped;

    public EscapeDecoder(Listener listener) {
        this.listener = listener;
    }

    /**
     * Decodes {@code len} typed bytes; the ones meant for the guest are appended to {@code guest}.
     */
    public void decode(byte[] buf, int off, int len, ByteArrayOutputStream guest) {
        for (int i = off; i < off + len; i++) {
            int b = buf[i] & 0xFF;
            if (escaped) {
                escaped = false;
                switch (b) {
                    case CTRL_A -> guest.write(CTRL_A);
                    case 'x', 'X' -> listener.command(Command.QUIT);
                    case 'h', 'H', '?' -> listener.command(Command.HELP);
                    case 'c', 'C' -> listener.command(Command.MONITOR);
                    case 's', 'S' -> listener.command(Command.SAVE);
                    default -> { }
                }
            } else if (b == CTRL_A) {
                escaped = true;
            } else {
                guest.write(b);
            }
        }
    }
}
