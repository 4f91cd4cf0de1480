package jlguest.console;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Carries the user's keystrokes (or a piped file) to the guest's serial port.
 *
 * <p>tour:console:030 A daemon thread reads the host's stdin and offers the bytes to the UART. The
 * UART takes only what fits (its receive FIFO pushes back, like a real line with flow control), so
 * this thread keeps the rest and retries once the guest has read some: a megabyte piped into
 * {@code ./lguest} arrives whole, at the speed the guest reads it. End of input is not the end of
 * the guest: the thread simply stops.
 */
public final class ConsoleInput implements Runnable {
    /** The guest side: takes up to {@code len} bytes and says how many it took. Thread-safe. */
    public interface Target {
        int offerInput(byte[] bytes, int offset, int length);
    }

    private static final long RETRY_NANOS = 1_000_000;

    private final InputStream in;
    private final Target target;
    private final EscapeDecoder escapes;

    /** @param escapes null when escape keys are off (stdin is a pipe or file) */
    public ConsoleInput(InputStream in, Target target, EscapeDecoder escapes) {
        this.in = in;
        this.target = target;
        this.escapes = escapes;
    }

    /** Starts the reader as a daemon thread named "console-input". */
    public Thread start() {
        Thread t = new Thread(this, "console-input");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public void run() {
        byte[] buf = new byte[4096];
        ByteArrayOutputStream guest = new ByteArrayOutputStream();
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                guest.reset();
                if (escapes == null) {
                    guest.write(buf, 0, n);
                } else {
                    escapes.decode(buf, 0, n, guest);
                }
                deliver(guest.toByteArray());
            }
        } catch (IOException | InterruptedException e) {
            // stdin closed under us or the launcher is exiting: the guest keeps running regardless
        }
    }

    private void deliver(byte[] bytes) throws InterruptedException {
        int done = 0;
        while (done < bytes.length) {
            int took = target.offerInput(bytes, done, bytes.length - done);
            done += took;
            if (took == 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(RETRY_NANOS);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        }
    }
}
