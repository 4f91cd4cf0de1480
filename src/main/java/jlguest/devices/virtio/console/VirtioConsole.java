package jlguest.devices.virtio.console;

import java.io.IOException;
import java.io.OutputStream;

import jlguest.devices.virtio.DescriptorChain;
import jlguest.devices.virtio.RingException;
import jlguest.devices.virtio.VirtioDevice;
import jlguest.devices.virtio.VirtioDeviceInfo;
import jlguest.devices.virtio.VirtioFeatures;
import jlguest.devices.virtio.VirtioMmio;
import jlguest.devices.virtio.Virtqueue;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;

/**
 * virtio_console (device ID 3, virtio 1.x section 5.3): one console port, Linux's hvc0, that knows
 * the size of the user's terminal.
 *
 * <p>tour:virtio:400 A serial port carries bytes and nothing else, so a guest behind one never
 * learns how big the window is: {@code stty size} fails and top draws 24 rows. The virtio console
 * carries the size in its configuration space (cols, rows: VIRTIO_CONSOLE_F_SIZE) and tells the
 * driver with a configuration-change interrupt whenever it changes; Linux's driver reads it and
 * resizes hvc0, which sends SIGWINCH to the program in front. We offer no MULTIPORT, so there are
 * exactly two queues: receive (queue 0, buffers the driver posts for our input) and transmit
 * (queue 1, the guest's output). Linux reads the size only from a configuration change, not at
 * probe, so we announce it once the driver is up ({@link #poll()}), and again after every reset.
 *
 * <p>tour:virtio:410 Keys arrive on the console input thread at any time; only the CPU thread
 * touches guest RAM. So {@link #offerInput} takes what fits in a small buffer (pushing back on the
 * rest, like the 16550's FIFO) and wakes the CPU thread, whose {@link #poll()} copies the bytes
 * into the receive buffers the guest posted. Transmit is synchronous: the bytes go to the console
 * output inside the guest's notify, so a panicking kernel's last words get out.
 *
 * <p>The device's state is the handful of plain fields below (size, the size the guest was last
 * told, the pending input), so that a snapshot can save and restore it.
 */
public final class VirtioConsole implements VirtioDevice, Stateful {
    public static final int DEVICE_ID = 3;
    static final int RX = 0;
    static final int TX = 1;
    static final int QUEUE_SIZE = 64;
    /** Keys waiting for the guest's receive buffers; more are pushed back to the input thread. */
    static final int INBOX = 4096;

    static final int F_SIZE = 0;
    private static final String[] FEATURE_NAMES = {"SIZE"};

    /** The configuration space: le16 cols, le16 rows, le32 max_nr_ports, le32 emerg_wr. */
    private final byte[] config = new byte[12];

    // Device state. Written by the host thread: cols, rows, inbox/inboxUsed (under this).
    // The CPU thread owns the rest.
    private volatile int cols;
    private volatile int rows;
    private int toldCols;
    private int toldRows;
    private final byte[] inbox = new byte[INBOX];
    private int inboxUsed;
    /** The guest has written to the console since the driver was set up: its port is open. */
    private boolean guestSpoke;
    private long rxBytes;
    private long txBytes;
    private long bad;

    private volatile Runnable wakeup = () -> { };
    private OutputStream output = OutputStream.nullOutputStream();
    private VirtioMmio transport;

    /** A console of {@code cols} x {@code rows} characters; 0 x 0 when the size is unknown. */
    public VirtioConsole(int cols, int rows) {
        config[4] = 1;   // max_nr_ports: meaningful only with MULTIPORT, but honest
        resize(cols, rows);
    }

    /** Where the guest's output goes (each machine connects its own; nowhere until then). */
    public void connect(OutputStream out) {
        this.output = out == null ? OutputStream.nullOutputStream() : out;
    }

    /**
     * The user's terminal changed size (any thread). The guest hears of it at the CPU thread's next
     * poll, as a configuration change. Sizes beyond 16 bits or below 1 are ignored.
     */
    public void resize(int newCols, int newRows) {
        if (newCols < 1 || newRows < 1 || newCols > 0xFFFF || newRows > 0xFFFF) {
            return;
        }
        cols = newCols;
        rows = newRows;
        wakeup.run();
    }

    /** The size the guest is given: {cols, rows}. */
    public int[] size() {
        return new int[] {cols, rows};
    }

    /** Console input thread: takes up to {@code len} bytes and says how many it took. */
    public synchronized int offerInput(byte[] b, int off, int len) {
        int n = Math.min(len, INBOX - inboxUsed);
        System.arraycopy(b, off, inbox, inboxUsed, n);
        inboxUsed += n;
        if (n > 0) {
            wakeup.run();
        }
        return n;
    }

    @Override
    public void setWakeup(Runnable wakeup) {
        this.wakeup = wakeup == null ? () -> { } : wakeup;
    }

    @Override
    public VirtioDeviceInfo info() {
        return new VirtioDeviceInfo(DEVICE_ID, VirtioFeatures.bit(F_SIZE), 2, QUEUE_SIZE, FEATURE_NAMES);
    }

    @Override
    public byte[] config() {
        return config;
    }

    @Override
    public void attach(VirtioMmio t) {
        this.transport = t;
    }

    @Override
    public void queueNotified(int queue) throws RingException {
        if (queue == TX) {
            transmit();
        } else {
            receive();
        }
    }

    private void transmit() throws RingException {
        Virtqueue q = transport.queue(TX);
        DescriptorChain c;
        boolean pushed = false;
        while ((c = q.pop()) != null) {
            long len = c.readableLength();
            if (c.writableLength() != 0 || len > Integer.MAX_VALUE) {
                bad++;   // not a transmit buffer: returned unread
            } else {
                byte[] data = new byte[(int) len];
                c.read(0, data, 0, data.length);
                write(data);
                txBytes += len;
                guestSpoke |= len > 0;
            }
            q.push(c.head(), 0);
            pushed = true;
        }
        if (pushed) {
            transport.usedBuffers(q);
        }
    }

    private void write(byte[] data) {
        try {
            output.write(data, 0, data.length);
            output.flush();
        } catch (IOException e) {
            // the console output never fails the guest (ConsoleOutput swallows a closed stdout)
        }
    }

    /**
     * Moves waiting input into the receive buffers the guest posted.
     *
     * <p>Not before the guest has written to the console: Linux's driver posts its receive buffers
     * (and kicks) while it probes, but discards what arrives until the port is set up as hvc0, a
     * few steps later. Without MULTIPORT there is no "port open" message to wait for, so the first
     * bytes the guest writes (the kernel announcing the console) stand for it; keys typed or piped
     * before then wait here, as they wait in the 16550's FIFO, instead of vanishing.
     */
    private void receive() throws RingException {
        Virtqueue q = transport.queue(RX);
        if (!q.ready() || !guestSpoke) {
            return;
        }
        boolean pushed = false;
        synchronized (this) {
            int taken = 0;
            DescriptorChain c;
            while (taken < inboxUsed && (c = q.pop()) != null) {
                if (c.readableLength() != 0 || c.writableLength() == 0) {
                    bad++;   // not a receive buffer: give it back empty
                    q.push(c.head(), 0);
                } else {
                    int n = (int) Math.min(inboxUsed - taken, c.writableLength());
                    c.write(0, inbox, taken, n);
                    q.push(c.head(), n);
                    taken += n;
                    rxBytes += n;
                }
                pushed = true;
            }
            System.arraycopy(inbox, taken, inbox, 0, inboxUsed - taken);
            inboxUsed -= taken;
        }
        if (pushed) {
            transport.usedBuffers(q);
        }
    }

    /**
     * Keeps the configuration space at the current size; once the driver is up, a size it has not
     * been told yet raises a configuration change, then waiting input goes to the guest.
     */
    @Override
    public void poll() throws RingException {
        int c = cols;
        int r = rows;
        config[0] = (byte) c;
        config[1] = (byte) (c >>> 8);
        config[2] = (byte) r;
        config[3] = (byte) (r >>> 8);
        if (!transport.live()) {
            return;
        }
        if (c != 0 && (c != toldCols || r != toldRows)) {
            toldCols = c;
            toldRows = r;
            transport.configChanged();
        }
        boolean waiting;
        synchronized (this) {
            waiting = inboxUsed > 0;
        }
        if (waiting) {
            receive();
        }
    }

    /** The driver reset the device (it does so first thing at probe): it must be told the size anew. */
    @Override
    public void reset() {
        toldCols = 0;
        toldRows = 0;
        guestSpoke = false;
    }

    /**
     * A snapshot keeps the size the guest was last told and the keys it has not read yet; the
     * terminal's own size is the host's, so after a restore into another window the next poll
     * tells the guest the new size.
     */
    @Override
    public synchronized void save(StateWriter out) {
        out.i32(toldCols).i32(toldRows).bool(guestSpoke).i64(rxBytes).i64(txBytes).i64(bad);
        out.bytes(java.util.Arrays.copyOf(inbox, inboxUsed));
    }

    @Override
    public synchronized void restore(StateReader in) {
        toldCols = in.i32(0, 0xFFFF, "console columns");
        toldRows = in.i32(0, 0xFFFF, "console rows");
        guestSpoke = in.bool();
        rxBytes = in.i64();
        txBytes = in.i64();
        bad = in.i64();
        byte[] keys = in.bytes();
        inboxUsed = Math.min(keys.length, INBOX);
        System.arraycopy(keys, 0, inbox, 0, inboxUsed);
    }

    @Override
    public void close() {
        // no host resources: the terminal belongs to the launcher
    }

    @Override
    public String describe() {
        int waiting;
        synchronized (this) {
            waiting = inboxUsed;
        }
        return String.format("console %dx%d (guest told %dx%d); rx %d bytes, tx %d bytes, %d waiting, %d bad%n",
                cols, rows, toldCols, toldRows, rxBytes, txBytes, waiting, bad);
    }
}
