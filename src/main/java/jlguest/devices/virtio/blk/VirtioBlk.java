package jlguest.devices.virtio.blk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;

import jlguest.devices.virtio.DescriptorChain;
import jlguest.devices.virtio.RingException;
import jlguest.devices.virtio.VirtioDevice;
import jlguest.devices.virtio.VirtioDeviceInfo;
import jlguest.devices.virtio.VirtioFeatures;
import jlguest.devices.virtio.VirtioMmio;
import jlguest.devices.virtio.Virtqueue;
import jlguest.state.StateException;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;

/**
 * virtio_blk (device ID 2, virtio 1.x section 5.2): one request queue onto a raw host image.
 *
 * <p>tour:virtio:200 A block request is a chain: a 16-byte header the device reads (type, reserved,
 * sector), then the data (device-readable for a write, device-writable for a read), then one
 * status byte the device writes. We read the chain as two byte streams, so the driver may cut it
 * anywhere. READ, WRITE, FLUSH and GET_ID are served; anything else answers UNSUPP, anything out of
 * range or malformed answers IOERR, and a chain with no room for a status byte comes back with
 * nothing written (we cannot tell the driver more).
 *
 * <p>tour:virtio:220 Where the work happens. In the default asynchronous mode the CPU thread takes
 * the chain, copies write data out of guest RAM, and queues the request for this device's I/O
 * worker thread; the worker does the file I/O (a read lands in a host buffer, never in guest RAM)
 * and hands the request back through a concurrent queue, then calls the machine's wakeup. The CPU
 * thread's next {@link #poll()} copies read data into the chain, writes the status byte, fills
 * the used ring and raises the interrupt. So the guest keeps running while the host disk works,
 * and an fsync (FLUSH) of a second never freezes it. One worker, first in first out, keeps
 * requests in submission order, so a FLUSH completes after every write before it. The synchronous
 * mode serves each request inside the notify; it exists for tests and measurements.
 */
public final class VirtioBlk implements VirtioDevice, Stateful {
    public static final int DEVICE_ID = 2;

    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;
    static final int S_OK = 0;
    static final int S_IOERR = 1;
    static final int S_UNSUPP = 2;

    static final int F_SIZE_MAX = 1;
    static final int F_SEG_MAX = 2;
    static final int F_RO = 5;
    static final int F_BLK_SIZE = 6;
    static final int F_FLUSH = 9;

    static final int QUEUE_SIZE = 256;
    /** Data segments per request (the header and status take two descriptors), as QEMU advertises. */
    static final int SEG_MAX = QUEUE_SIZE - 2;
    static final int SIZE_MAX = 1 << 20;
    /** Longest request we accept; Linux sends at most max_sectors_kb (1280 KiB by default). */
    static final int MAX_REQUEST = 16 << 20;
    public static final int ID_BYTES = 20;
    /**
     * tour:virtio:225 How much guest data one device may hold on the host at once. Every request
     * in flight owns a host buffer as long as its data (a write's copy, a read's landing place),
     * and a guest can make far more requests available than the disk serves: 256 indirect writes
     * of 16 MiB each would be 4 GiB of heap. So the CPU thread stops taking chains while the
     * requests with the worker hold this many bytes (or {@link #MAX_IN_FLIGHT} requests), leaves
     * the rest in the available ring, and takes them from {@link #poll()} as earlier ones finish.
     * A request alone is at most {@link #MAX_REQUEST}, under this bound, so it always gets in
     * once the worker is idle: 32 MiB of request data per device, whatever the guest does
     * (docs/security.md; HeapBoundTest drives the worst case in a JVM with a small heap).
     */
    static final long MAX_IN_FLIGHT_BYTES = 2L * MAX_REQUEST;
    /** Requests with the worker at once: a queue's worth, however often the driver reuses heads. */
    static final int MAX_IN_FLIGHT = QUEUE_SIZE;

    private static final String[] FEATURE_NAMES = new String[16];

    static {
        FEATURE_NAMES[F_SIZE_MAX] = "SIZE_MAX";
        FEATURE_NAMES[F_SEG_MAX] = "SEG_MAX";
        FEATURE_NAMES[F_RO] = "RO";
        FEATURE_NAMES[F_BLK_SIZE] = "BLK_SIZE";
        FEATURE_NAMES[F_FLUSH] = "FLUSH";
    }

    private final BlockImage image;
    private final byte[] serial;
    private final byte[] config = new byte[36];
    private final LinkedBlockingQueue<BlockRequest> work;
    private final ConcurrentLinkedQueue<BlockRequest> done = new ConcurrentLinkedQueue<>();
    private final Thread worker;
    private volatile Runnable wakeup = () -> { };
    private VirtioMmio transport;
    private volatile long generation;
    private int inFlight;
    private long inFlightBytes;
    /** True when chains wait in the available ring for in-flight bytes to drain. */
    private boolean held;
    private long reads;
    private long writes;
    private long flushes;
    private long errors;
    private long bytesRead;
    private long bytesWritten;
    private String last = "none";

    /**
     * A device onto {@code image}; {@code serial} answers GET_ID (at most 20 bytes are used);
     * {@code async} selects the I/O worker thread.
     */
    public VirtioBlk(BlockImage image, String serial, boolean async) {
        this.image = image;
        this.serial = serial.getBytes(StandardCharsets.US_ASCII);
        long sectors = image.size() / BlockImage.SECTOR;
        putLe(0, sectors, 8);
        putLe(8, SIZE_MAX, 4);
        putLe(12, SEG_MAX, 4);
        putLe(20, BlockImage.SECTOR, 4);
        if (async) {
            work = new LinkedBlockingQueue<>();
            worker = new Thread(this::workLoop, "virtio-blk " + image.path().getFileName());
            worker.setDaemon(true);
            worker.start();
        } else {
            work = null;
            worker = null;
        }
    }

    private void putLe(int off, long v, int n) {
        for (int i = 0; i < n; i++) {
            config[off + i] = (byte) (v >>> (8 * i));
        }
    }

    /** Who to tell (from the worker thread) that finished requests wait for {@link #poll()}. */
    @Override
    public void setWakeup(Runnable wakeup) {
        this.wakeup = wakeup == null ? () -> { } : wakeup;
    }

    @Override
    public VirtioDeviceInfo info() {
        long f = VirtioFeatures.bit(F_SIZE_MAX) | VirtioFeatures.bit(F_SEG_MAX) | VirtioFeatures.bit(F_BLK_SIZE)
                | VirtioFeatures.bit(F_FLUSH)
                | VirtioFeatures.bit(VirtioFeatures.RING_INDIRECT_DESC) | VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX);
        return new VirtioDeviceInfo(DEVICE_ID, image.readOnly() ? f | VirtioFeatures.bit(F_RO) : f, 1, QUEUE_SIZE,
                FEATURE_NAMES);
    }

    public BlockImage image() {
        return image;
    }

    @Override
    public byte[] config() {
        return config;
    }

    @Override
    public void attach(VirtioMmio t) {
        this.transport = t;
    }

    // tour:virtio:230 Still on the CPU thread, inside the guest's MMIO write: pop every available chain
    // (Virtqueue.pop follows the descriptors and checks them against RAM), read its 16-byte header
    // (type, sector) in start(), check the range, and hand the request to the worker thread. The
    // guest's MOV instruction completes at once; the disk has not been touched yet.
    @Override
    public void queueNotified(int queue) throws RingException {
        take(transport.queue(0));
    }

    /** Takes available chains until the ring is empty or the in-flight bound is reached. */
    private void take(Virtqueue q) throws RingException {
        boolean pushed = false;
        held = false;
        DescriptorChain chain;
        while ((chain = q.pop()) != null) {
            if (worker != null && inFlight > 0 && (inFlight >= MAX_IN_FLIGHT
                    || inFlightBytes + hostBytes(chain) > MAX_IN_FLIGHT_BYTES)) {
                q.unpop(1);   // back to the ring; poll() takes it when earlier requests finish
                held = true;
                break;
            }
            BlockRequest r = start(chain);
            if (r == null) {
                continue;
            }
            if (worker != null) {
                inFlight++;
                r.hostBytes = hostBytes(chain);
                inFlightBytes += r.hostBytes;
                work.add(r);
            } else {
                serve(r);
                finish(q, r);
                pushed = true;
            }
        }
        if (pushed) {
            transport.usedBuffers(q);
        }
    }

    /** The host buffer a chain's request may need: its data, at most one {@link #MAX_REQUEST}. */
    private static long hostBytes(DescriptorChain chain) {
        return Math.min(Math.max(chain.readableLength() - 16, chain.writableLength() - 1), MAX_REQUEST);
    }

    /**
     * Reads the request header and checks what can be checked on the CPU thread. Returns the
     * request to serve, or null when it was answered already (malformed, out of range).
     */
    private BlockRequest start(DescriptorChain chain) {
        Virtqueue q = transport.queue(0);
        byte[] header = new byte[16];
        if (chain.writableLength() < 1) {
            q.push(chain.head(), 0);       // no status byte: nothing we can say
            errors++;
            transport.usedBuffers(q);
            return null;
        }
        if (chain.read(0, header, 0, 16) < 16) {
            return fail(chain, S_IOERR);   // header missing or in device-writable buffers
        }
        int type = le32(header, 0);
        long sector = le32(header, 8) & 0xFFFF_FFFFL | (long) le32(header, 12) << 32;
        BlockRequest r = new BlockRequest(chain, generation, type, sector);
        last = String.format("type %d sector %d, %s", type, sector, chain);
        switch (type) {
            case T_IN -> {
                long len = chain.writableLength() - 1;
                if (!inRange(sector, len) || chain.readableLength() != 16) {
                    return fail(chain, S_IOERR);
                }
                r.answerLength = (int) len;
            }
            case T_OUT -> {
                long len = chain.readableLength() - 16;
                if (image.readOnly() || !inRange(sector, len)) {
                    return fail(chain, S_IOERR);
                }
                r.data = new byte[(int) len];
                chain.read(16, r.data, 0, (int) len);
            }
            case T_FLUSH -> { }
            case T_GET_ID -> {
                r.answerLength = (int) Math.min(ID_BYTES, chain.writableLength() - 1);
            }
            default -> {
                return fail(chain, S_UNSUPP);
            }
        }
        return r;
    }

    private boolean inRange(long sector, long len) {
        long sectors = image.size() / BlockImage.SECTOR;
        return len >= 0 && len <= MAX_REQUEST && len % BlockImage.SECTOR == 0
                && Long.compareUnsigned(sector, sectors) <= 0
                && len / BlockImage.SECTOR <= sectors - sector;
    }

    private BlockRequest fail(DescriptorChain chain, int status) {
        errors++;
        chain.writeLastByte(status);
        Virtqueue q = transport.queue(0);
        q.push(chain.head(), 1);
        transport.usedBuffers(q);
        return null;
    }

    private static int le32(byte[] b, int o) {
        return b[o] & 0xFF | (b[o + 1] & 0xFF) << 8 | (b[o + 2] & 0xFF) << 16 | (b[o + 3] & 0xFF) << 24;
    }

    // tour:virtio:240 On the worker thread: the host side. A read fills a host buffer from the image
    // file (BlockImage.read, a positional FileChannel read), a write writes what start() copied out of
    // guest RAM, a flush is an fsync. Guest RAM is never touched here, since only the CPU thread may
    // write it; when done the request goes to the `done` queue and the machine is woken.
    /** Does the host side of a request: on the worker thread, or inline in synchronous mode. */
    private void serve(BlockRequest r) {
        try {
            switch (r.type) {
                case T_IN -> {
                    r.data = new byte[r.answerLength];
                    image.read(r.sector * BlockImage.SECTOR, r.data, 0, r.answerLength);
                }
                case T_OUT -> image.write(r.sector * BlockImage.SECTOR, r.data, 0, r.data.length);
                case T_FLUSH -> image.flush();
                case T_GET_ID -> r.data = serial;
                default -> throw new IOException("unreachable request type " + r.type);
            }
            r.status = S_OK;
        } catch (IOException | RuntimeException e) {
            r.status = S_IOERR;
            r.answerLength = 0;
        }
    }

    private void workLoop() {
        while (true) {
            BlockRequest r;
            try {
                r = work.take();
            } catch (InterruptedException e) {
                return;
            }
            if (r.chain == null) {
                return;   // close() asks us to stop
            }
            serve(r);
            done.add(r);
            wakeup.run();
        }
    }

    // tour:virtio:250 Back on the CPU thread (the run loop calls poll() between slices): copy the read
    // data into the chain's device-writable buffers, write the status byte (0 = OK) in the last one,
    // and push the head with the byte count into the used ring (Virtqueue.push: ring[used->idx % size] =
    // {head, written}, then used->idx + 1). Then, for the batch, transport.usedBuffers decides whether
    // the driver wants an interrupt.
    /** On the CPU thread: answer into the chain and return it to the used ring. */
    private void finish(Virtqueue q, BlockRequest r) {
        int written = 0;
        if (r.status == S_OK && r.answerLength > 0) {
            written = r.chain.write(0, r.data, 0, Math.min(r.answerLength, r.data.length));
            if (r.type == T_GET_ID && written < r.answerLength) {
                r.chain.write(written, new byte[r.answerLength - written], 0, r.answerLength - written);
                written = r.answerLength;   // GET_ID pads with NULs
            }
        }
        r.chain.writeLastByte(r.status);
        q.push(r.chain.head(), written + 1);
        switch (r.type) {
            case T_IN -> {
                reads++;
                bytesRead += written;
            }
            case T_OUT -> {
                writes++;
                bytesWritten += r.status == S_OK ? r.data.length : 0;
            }
            case T_FLUSH -> flushes++;
            default -> { }
        }
        if (r.status != S_OK) {
            errors++;
        }
    }

    @Override
    public void poll() throws RingException {
        Virtqueue q = transport.queue(0);
        boolean pushed = false;
        BlockRequest r;
        while ((r = done.poll()) != null) {
            inFlight--;
            inFlightBytes -= r.hostBytes;
            if (r.generation != generation || !transport.live() || !q.ready()) {
                continue;   // the driver reset the device meanwhile, or it is broken
            }
            finish(q, r);
            pushed = true;
        }
        if (pushed) {
            transport.usedBuffers(q);
        }
        if (held && transport.live() && q.ready()) {
            take(q);
        }
    }

    /** Host bytes held by requests with the worker (tests check the bound). */
    long inFlightBytes() {
        return inFlightBytes;
    }

    /**
     * A block device's own state is small: whether chains wait in the ring for room, and the
     * counters. Nothing is in flight when a snapshot is taken (the machine waits for {@link #busy}).
     */
    @Override
    public void save(StateWriter out) {
        if (busy()) {
            throw new StateException("a virtio_blk request is still in flight");
        }
        out.bool(held).i64(reads).i64(writes).i64(flushes).i64(errors).i64(bytesRead).i64(bytesWritten).string(last);
    }

    @Override
    public void restore(StateReader in) {
        held = in.bool();
        reads = in.i64();
        writes = in.i64();
        flushes = in.i64();
        errors = in.i64();
        bytesRead = in.i64();
        bytesWritten = in.i64();
        String l = in.string();
        last = l == null ? "none" : l;
    }

    /** True while requests are with the worker (tests wait on it). */
    @Override
    public boolean busy() {
        return inFlight > 0 || !done.isEmpty();
    }

    @Override
    public void reset() {
        generation++;
    }

    @Override
    public void close() {
        if (worker != null) {
            work.add(new BlockRequest(null, -1, -1, 0));   // queued after the last real request
            try {
                worker.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            image.close();
        } catch (IOException e) {
            System.err.println("lguest: closing " + image.path() + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
        }
    }

    @Override
    public String describe() {
        return String.format("block %s%s, %d sectors; %d reads (%d bytes), %d writes (%d bytes), %d flushes, "
                        + "%d errors, %d in flight (%d bytes)%s; last request %s%n",
                image.path(), image.readOnly() ? " (read-only)" : "", image.size() / BlockImage.SECTOR,
                reads, bytesRead, writes, bytesWritten, flushes, errors, inFlight, inFlightBytes,
                held ? ", ring held" : "", last);
    }
}
