package jlguest.console;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The guest's console output on the host's stdout.
 *
 * <p>tour:console:040 Bytes the guest transmits are buffered and flushed at the end of every run
 * slice (about a millisecond of guest time), whenever the guest idles, and when the machine
 * stops: a system call per byte would slow a chatty guest down, a longer delay would be felt.
 * Output is never dropped: if stdout is gone (a closed pipe), we stop writing, not running.
 * The launcher also drains it from a shutdown hook, so what a guest printed just before a SIGTERM
 * (or a Ctrl-C from outside) reaches the terminal; hence the locks, uncontended otherwise.
 */
public final class ConsoleOutput extends OutputStream {
    private final OutputStream out;
    private final byte[] buf = new byte[8192];
    private int used;
    private boolean broken;

    public ConsoleOutput(OutputStream out) {
        this.out = out;
    }

    @Override
    public synchronized void write(int b) {
        if (used == buf.length) {
            drain();
        }
        buf[used++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
            write(b[off + i]);
        }
    }

    /** A writer's flush (the UART flushes after every byte) is not a system call: {@link #drain()} is. */
    @Override
    public void flush() {
    }

    /** Writes out what is buffered; the run loop calls it between slices and before idling. */
    public synchronized void drain() {
        if (used == 0) {
            return;
        }
        if (!broken) {
            try {
                out.write(buf, 0, used);
                out.flush();
            } catch (IOException e) {
                broken = true;
            }
        }
        used = 0;
    }
}
