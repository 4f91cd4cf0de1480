package jlguest.devices.virtio.net;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
 * virtio_net (device ID 1, virtio 1.x section 5.1): a receive queue, a transmit queue, a MAC
 * address, an MTU and a link-status bit, in front of a {@link NetBackend}.
 *
 * <p>tour:virtio:300 Every buffer starts with the 12-byte virtio_net_hdr of VERSION_1 (flags,
 * gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers). On transmit the header may
 * ask for a checksum or a TSO cut, which we do ({@link Offload}) before the backend sees plain
 * Ethernet frames. On receive a plain frame gets an all-zero header (GSO_NONE) with num_buffers;
 * a TCP segment from the NAT may get more ({@link #receive}).
 *
 * <p>tour:virtio:310 Frames arrive on the backend's thread at any time, but only the CPU thread
 * touches guest RAM. So the backend drops each frame into a small bounded queue and wakes the CPU
 * thread; {@link #poll()} moves frames into the receive buffers the guest posted. When the guest
 * posts none (its driver is not up, or it is too slow), the queue keeps only the newest
 * {@link #BACKLOG} frames, and never more than {@link #BACKLOG_BYTES} bytes (a large segment
 * counts for what it weighs), and counts the rest as dropped: a network may lose frames, it must
 * not hoard them. A frame too big for the buffers the guest posted is dropped too. But a guest
 * that is draining the queue, only slower than the frames come, is waited for: the reader thread
 * holds its next frame up to 20 ms for room ({@link NetBackend.Sink#awaitRoom}), because a frame
 * dropped between two guests costs their TCP a retransmission timeout of 200 ms or more.
 */
public final class VirtioNet implements VirtioDevice, Stateful {
    public static final int DEVICE_ID = 1;
    static final int RX = 0;
    static final int TX = 1;
    static final int HEADER = 12;
    static final int QUEUE_SIZE = 256;
    static final int BACKLOG = 192;
    static final int BACKLOG_BYTES = 256 * 1024;
    /** The longest a reader thread waits for room ({@link NetBackend.Sink#awaitRoom}). */
    static final long ROOM_WAIT_NANOS = 20_000_000L;
    /** A guest that took nothing from the queue for this long is not draining it: nobody waits for it. */
    static final long DRAINING_NANOS = 200_000_000L;

    static final int F_MTU = 3;
    static final int F_MAC = 5;
    static final int F_STATUS = 16;
    static final int S_LINK_UP = 1;

    private static final String[] FEATURE_NAMES = new String[17];
    private static final long OFFLOADS = VirtioFeatures.bit(Offload.F_CSUM) | VirtioFeatures.bit(Offload.F_HOST_TSO4)
            | VirtioFeatures.bit(Offload.F_GUEST_CSUM) | VirtioFeatures.bit(Offload.F_GUEST_TSO4)
            | VirtioFeatures.bit(Offload.F_MRG_RXBUF);

    static {
        FEATURE_NAMES[Offload.F_CSUM] = "CSUM";
        FEATURE_NAMES[Offload.F_HOST_TSO4] = "HOST_TSO4";
        FEATURE_NAMES[Offload.F_GUEST_CSUM] = "GUEST_CSUM";
        FEATURE_NAMES[Offload.F_GUEST_TSO4] = "GUEST_TSO4";
        FEATURE_NAMES[Offload.F_MRG_RXBUF] = "MRG_RXBUF";
        FEATURE_NAMES[F_MTU] = "MTU";
        FEATURE_NAMES[F_MAC] = "MAC";
        FEATURE_NAMES[F_STATUS] = "STATUS";
    }

    private final NetBackend backend;
    private final byte[] mac;
    private final int mtu;
    private final byte[] config = new byte[12];
    /**
     * A frame waiting for the guest; {@code gsoSize} > 0 marks a TCP segment with good checksums,
     * from {@link NetBackend.Sink#segment} or verified on arrival.
     */
    private record Waiting(byte[] frame, int gsoSize) {
    }

    private final ArrayBlockingQueue<Waiting> inbox = new ArrayBlockingQueue<>(BACKLOG);
    /** The bytes of the frames in {@link #inbox}: each added once when queued, taken off once when removed. */
    private final AtomicInteger inboxBytes = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean linkDirty;
    private volatile Runnable wakeup = () -> { };
    private final Object roomSignal = new Object();
    private volatile boolean roomWanted;
    /** When the guest last took frames off the queue (System.nanoTime), 0 before it ever did. */
    private volatile long lastDrain;
    private VirtioMmio transport;
    /** Transmit buffers went back to the guest since the last {@link #poll()}, which tells it (coalescing). */
    private boolean txUnsignalled;
    private long rxFrames;
    private long rxSegments;
    private long txFrames;
    /** Frames the guest sent as one TSO segment (HOST_TSO4) for us to cut. */
    private long txSegments;
    private long rxTooBig;
    private long txBad;

    public VirtioNet(NetBackend backend, byte[] mac, int mtu) {
        this.backend = backend;
        this.mac = mac.clone();
        this.mtu = mtu;
        System.arraycopy(mac, 0, config, 0, 6);
        config[8] = 1;   // max_virtqueue_pairs
        config[10] = (byte) mtu;
        config[11] = (byte) (mtu >>> 8);
        updateLink();
        backend.start(new NetBackend.Sink() {
            @Override
            public void frame(byte[] frame, int length) {
                offer(frame, length);
            }

            @Override
            public int room() {
                return inbox.remainingCapacity() == 0 ? 0 : Math.max(0, BACKLOG_BYTES - inboxBytes.get());
            }

            @Override
            public void segment(byte[] frame, int length, int gsoSize) {
                offerSegment(frame, length, gsoSize);
            }

            @Override
            public boolean takesLargeSegments() {
                return guestTakesLargeSegments();
            }

            @Override
            public void awaitRoom(int bytes) {
                waitForRoom(bytes);
            }

            @Override
            public void linkChanged() {
                linkDirty = true;
                wakeup.run();
            }
        });
    }

    /** Who to tell (from a backend thread) that frames wait for {@link #poll()}. */
    @Override
    public void setWakeup(Runnable wakeup) {
        this.wakeup = wakeup == null ? () -> { } : wakeup;
    }

    public NetBackend backend() {
        return backend;
    }

    public byte[] mac() {
        return mac.clone();
    }

    /** Frames dropped because the guest had no room or the frame did not fit. */
    public long dropped() {
        return dropped.get() + rxTooBig;
    }

    /** Backend thread: queue a frame for the CPU thread, displacing the oldest when full. */
    private void offer(byte[] frame, int length) {
        if (length < 14 || length > mtu + 18) {
            dropped.incrementAndGet();
            return;
        }
        if (backend.echoesOwnFrames() && java.util.Arrays.equals(frame, 6, 12, mac, 0, 6)) {
            return;   // our own frame, handed back by multicast loopback
        }
        byte[] f = java.util.Arrays.copyOf(frame, length);
        enqueue(new Waiting(f, guestTakesChecksums() && Offload.tcpChecksumsGood(f, length) ? mtu - 40 : 0));
    }

    /**
     * The guest negotiated GUEST_CSUM: a TCP frame whose checksums we verified here (on the
     * reader thread, a microsecond) reaches it marked DATA_VALID, and its stack skips summing
     * the bytes again (thousands of interpreted instructions per frame). Such a frame is queued
     * as a one-piece segment: its gso size is the MTU's MSS.
     */
    private boolean guestTakesChecksums() {
        VirtioMmio t = transport;
        return t != null && t.negotiated(Offload.F_GUEST_CSUM);
    }

    /**
     * Backend thread: a TCP segment, possibly far larger than the MTU. Whole when the guest takes
     * receive offloads, else cut into MTU-sized frames here (with their checksums).
     */
    private void offerSegment(byte[] frame, int length, int gsoSize) {
        int headers = Offload.tcpHeaders(frame, length);
        if (headers < 0 || gsoSize < Offload.MIN_GSO_SIZE || headers - 14 + gsoSize > mtu) {
            offer(frame, length);   // not a segment we understand: an ordinary frame, or dropped
        } else if (length <= mtu + 14 || length <= Offload.MAX_GSO_FRAME && guestTakesLargeSegments()) {
            enqueue(new Waiting(length == frame.length ? frame : java.util.Arrays.copyOf(frame, length), gsoSize));
        } else if (!Offload.cut(frame, length, gsoSize, mtu,
                (p, n) -> enqueue(new Waiting(n == p.length ? p : java.util.Arrays.copyOf(p, n), gsoSize)))) {
            dropped.incrementAndGet();
        }
    }

    /**
     * Reader thread: waits while the queue has no room for {@code bytes}, the guest is draining
     * it (it took frames in the last {@link #DRAINING_NANOS}) and {@link #ROOM_WAIT_NANOS} have not
     * passed. A guest that posts no buffers never holds a reader up: its frames are displaced.
     */
    private void waitForRoom(int bytes) {
        long end = System.nanoTime() + ROOM_WAIT_NANOS;
        synchronized (roomSignal) {
            while (inbox.remainingCapacity() == 0 || inboxBytes.get() + bytes > BACKLOG_BYTES) {
                long now = System.nanoTime();
                long drained = lastDrain;
                if (now >= end || drained == 0 || now - drained > DRAINING_NANOS) {
                    return;
                }
                roomWanted = true;
                try {
                    roomSignal.wait(Math.max(1, (end - now) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The guest negotiated GUEST_TSO4 (and so GUEST_CSUM): it takes a segment larger than the MTU whole. */
    private boolean guestTakesLargeSegments() {
        VirtioMmio t = transport;
        return t != null && t.negotiated(Offload.F_GUEST_TSO4) && t.negotiated(Offload.F_GUEST_CSUM);
    }

    /** Queues a frame for the CPU thread, displacing the oldest while the queue is full by count or bytes. */
    private void enqueue(Waiting w) {
        int n = w.frame.length;
        while (!(inboxBytes.get() + n <= BACKLOG_BYTES && inbox.offer(w))) {
            Waiting old = inbox.poll();
            if (old != null) {
                inboxBytes.addAndGet(-old.frame.length);
                dropped.incrementAndGet();
            } else if (inbox.offer(w)) {
                break;   // empty (the CPU thread is just taking the last one off): room enough
            }
        }
        inboxBytes.addAndGet(n);
        wakeup.run();
    }

    /** Takes the frame at the head of the queue off it. */
    private void take() {
        Waiting w = inbox.poll();
        if (w != null) {
            inboxBytes.addAndGet(-w.frame.length);
        }
    }

    private void clearInbox() {
        while (!inbox.isEmpty()) {
            take();
        }
    }

    private boolean updateLink() {
        int status = backend.linkUp() ? S_LINK_UP : 0;
        boolean changed = config[6] != status;
        config[6] = (byte) status;
        return changed;
    }

    @Override
    public VirtioDeviceInfo info() {
        return new VirtioDeviceInfo(DEVICE_ID, VirtioFeatures.bit(F_MAC) | VirtioFeatures.bit(F_MTU)
                | VirtioFeatures.bit(F_STATUS) | VirtioFeatures.bit(VirtioFeatures.RING_INDIRECT_DESC)
                | VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX) | OFFLOADS, 2, QUEUE_SIZE, FEATURE_NAMES);
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

    /**
     * Sends every frame the guest queued, finishing each as its header asks ({@link Offload}),
     * then tells the backend the batch is over and hands the guest whatever that produced (an
     * acknowledgement from the NAT, for one) without waiting for the next poll.
     *
     * <p>tour:virtio:312 The sent buffers go back on the used ring at once, but the interrupt that
     * tells the guest waits for the end of the CPU's slice ({@link #poll()}): transmit-interrupt
     * coalescing, as a real NIC's tx-usecs. We finish a send inside the guest's own kick, so an
     * interrupt decided here would land on every send: a guest writing 1 KiB at a time took 1.25
     * interrupts per segment, each an entry, a softirq and a NAPI poll (thousands of interpreted
     * instructions) to free one buffer. Decided once per slice, the completions of all the slice's
     * sends share one interrupt, and share it with the NAT's ACKs. The driver meanwhile frees used
     * buffers on its next send anyway; one that waits for room (a full ring) hears at the slice's
     * end, or before the CPU sleeps, which polls us too.
     */
    private void transmit() throws RingException {
        Virtqueue q = transport.queue(TX);
        DescriptorChain c;
        boolean pushed = false;
        byte[] header = new byte[HEADER];
        int max = transport.negotiated(Offload.F_HOST_TSO4) ? Offload.MAX_GSO_FRAME : mtu + 18;
        while ((c = q.pop()) != null) {
            long len = c.readableLength() - HEADER;
            if (len < 14 || len > max || c.writableLength() != 0) {
                txBad++;   // malformed: returned unsent
            } else {
                byte[] frame = new byte[(int) len];
                c.read(0, header, 0, HEADER);
                c.read(HEADER, frame, 0, frame.length);
                if (Offload.finish(header, frame, frame.length, mtu, this::send)) {
                    txFrames++;
                    if (header[1] != Offload.GSO_NONE) {
                        txSegments++;
                    }
                } else {
                    txBad++;
                }
            }
            q.push(c.head(), 0);
            pushed = true;
        }
        if (pushed) {
            txUnsignalled = true;
            backend.endOfBatch();
            if (!inbox.isEmpty()) {
                receive();
            }
        }
    }

    private void send(byte[] frame, int length) {
        backend.send(frame, 0, length);
    }

    /**
     * tour:virtio:315 Moves waiting frames into posted receive buffers. A plain frame gets an
     * all-zero header. A TCP segment from the NAT ({@link NetBackend.Sink#segment}) carries
     * checksums we computed, so when the guest negotiated GUEST_CSUM its header says
     * {@code DATA_VALID} and the guest's stack skips checksumming it; when it is larger than
     * one piece (GUEST_TSO4), the header also says {@code GSO_TCPV4} with {@code gso_size}, the
     * MSS the pieces would have had, so the guest's TCP counts it as that many segments. With
     * MRG_RXBUF the guest posts page-sized buffers and one frame may fill several of them:
     * {@code num_buffers} in the first one's header says how many. Without it, a frame must fit
     * the one buffer at the head of the ring (Linux then posts 64 KiB "big packet" buffers).
     */
    private void receive() throws RingException {
        Virtqueue q = transport.queue(RX);
        if (!q.ready()) {
            clearInbox();
            return;
        }
        boolean merge = transport.negotiated(Offload.F_MRG_RXBUF);
        boolean pushed = false;
        Waiting w;
        while ((w = inbox.peek()) != null) {
            Delivery d = merge ? deliverMerged(q, w) : deliverOne(q, w);
            if (d == Delivery.WAIT) {
                break;   // no buffers: frames wait (bounded, oldest displaced)
            }
            take();
            pushed |= d != Delivery.DROPPED_UNTOUCHED;
            if (d == Delivery.DONE) {
                rxFrames++;
                if (w.gsoSize > 0 && w.frame.length > mtu + 14) {
                    rxSegments++;
                }
            } else {
                rxTooBig++;
            }
        }
        if (pushed) {
            lastDrain = System.nanoTime();
            if (roomWanted) {
                roomWanted = false;
                synchronized (roomSignal) {
                    roomSignal.notifyAll();
                }
            }
            transport.usedBuffers(q);
            backend.guestDrained();
        }
    }

    /** What became of the frame at the head of the queue. */
    private enum Delivery { DONE, WAIT, DROPPED, DROPPED_UNTOUCHED }

    /** The virtio_net header for {@code w} spread over {@code buffers} receive buffers. */
    private byte[] header(Waiting w, int buffers) {
        byte[] h = new byte[HEADER];
        if (w.gsoSize > 0 && transport.negotiated(Offload.F_GUEST_CSUM)) {
            h[0] = Offload.DATA_VALID;
            int headers = Offload.tcpHeaders(w.frame, w.frame.length);
            if (w.frame.length - headers > w.gsoSize && guestTakesLargeSegments()) {
                h[1] = Offload.GSO_TCPV4;
                h[2] = (byte) headers;
                h[3] = (byte) (headers >>> 8);
                h[4] = (byte) w.gsoSize;
                h[5] = (byte) (w.gsoSize >>> 8);
            }
        }
        h[10] = (byte) buffers;
        h[11] = (byte) (buffers >>> 8);
        return h;
    }

    /** Without MRG_RXBUF: the frame goes into the one buffer at the head of the ring, or is dropped. */
    private Delivery deliverOne(Virtqueue q, Waiting w) throws RingException {
        byte[] f = w.frame;
        if (w.gsoSize > 0 && f.length > mtu + 14 && !guestTakesLargeSegments()) {
            return Delivery.DROPPED_UNTOUCHED;   // queued before the guest reset its driver without TSO
        }
        DescriptorChain c = q.pop();
        if (c == null) {
            return Delivery.WAIT;
        }
        if (c.writableLength() < HEADER + f.length) {
            if (c.writableLength() < HEADER || c.readableLength() != 0) {
                q.push(c.head(), 0);   // not a receive buffer at all: give it back empty
                txBad++;
                return Delivery.DROPPED;
            }
            q.unpop(1);                // the buffer is fine, the frame is too big for it
            return Delivery.DROPPED_UNTOUCHED;
        }
        c.write(0, header(w, 1), 0, HEADER);
        c.write(HEADER, f, 0, f.length);
        q.push(c.head(), HEADER + f.length);
        return Delivery.DONE;
    }

    /**
     * With MRG_RXBUF: as many buffers as the frame needs, the header (with num_buffers) at the
     * start of the first. When the ring has too few for now, every one taken goes back untouched
     * and the frame waits; a buffer that is not a receive buffer, or a frame that even a full ring
     * could not hold, is dropped and the buffers taken are given back empty.
     */
    private Delivery deliverMerged(Virtqueue q, Waiting w) throws RingException {
        byte[] f = w.frame;
        if (w.gsoSize > 0 && f.length > mtu + 14 && !guestTakesLargeSegments()) {
            return Delivery.DROPPED_UNTOUCHED;
        }
        long need = HEADER + f.length;
        long have = 0;
        List<DescriptorChain> chains = new ArrayList<>(4);
        while (have < need) {
            DescriptorChain c = q.pop();
            if (c == null) {
                if (chains.size() < q.maxSize()) {
                    q.unpop(chains.size());
                    return Delivery.WAIT;
                }
                break;
            }
            chains.add(c);
            if (c.readableLength() != 0 || c.writableLength() < (chains.size() == 1 ? HEADER : 1)) {
                txBad++;
                break;
            }
            have += c.writableLength();
        }
        if (have < need) {
            for (DescriptorChain c : chains) {
                q.push(c.head(), 0);
            }
            return Delivery.DROPPED;
        }
        chains.get(0).write(0, header(w, chains.size()), 0, HEADER);
        int at = 0;   // bytes of the frame written so far
        for (int i = 0; i < chains.size(); i++) {
            DescriptorChain c = chains.get(i);
            int skip = i == 0 ? HEADER : 0;
            int n = (int) Math.min(c.writableLength() - skip, f.length - at);
            c.write(skip, f, at, n);
            at += n;
            q.push(c.head(), skip + n);
        }
        return Delivery.DONE;
    }

    @Override
    public void poll() throws RingException {
        if (linkDirty) {
            linkDirty = false;
            if (updateLink()) {
                transport.configChanged();
            }
        }
        if (!transport.live()) {
            clearInbox();
            return;
        }
        backend.tick();
        if (!inbox.isEmpty()) {
            receive();
        }
        if (txUnsignalled) {
            txUnsignalled = false;
            transport.usedBuffers(transport.queue(TX));   // every send of the slice: one decision
        }
    }

    @Override
    public void reset() {
        clearInbox();
        txUnsignalled = false;
    }

    /**
     * tour:snapshot:050 A network device saves only its counters and the link status the guest
     * last saw. Frames waiting on the host side and the connections behind the backend are not the
     * guest's: on restore they are gone, as if the cable had been pulled and plugged in again. The
     * guest's TCP retransmits, and finds its peers have forgotten it (a reset, or a timeout), the
     * same as after a real cable pull. If the link status now differs, the guest hears of it
     * through a configuration-change interrupt.
     */
    @Override
    public void save(StateWriter out) {
        out.i32(config[6]).i64(rxFrames).i64(txFrames).i64(rxTooBig).i64(txBad);
    }

    @Override
    public void restore(StateReader in) {
        config[6] = (byte) in.i32(0, S_LINK_UP, "link status");
        rxFrames = in.i64();
        txFrames = in.i64();
        rxTooBig = in.i64();
        txBad = in.i64();
        clearInbox();
        backend.cablePulled();
        linkDirty = true;
        txUnsignalled = true;   // a send finished just before the save may not have been signalled
    }

    @Override
    public void close() {
        backend.close();
    }

    @Override
    public String describe() {
        return String.format("net %s mtu %d, link %s, %s; rx %d frames (%d large segments), tx %d frames, %d large"
                + " segments, %d dropped, %d bad%n", macString(mac), mtu, backend.linkUp() ? "up" : "down",
                backend.describe(), rxFrames, rxSegments, txFrames, txSegments, dropped(), txBad);
    }

    /** 52:54:00:12:34:56, as the monitor and the guest's {@code ip link} show it. */
    public static String macString(byte[] mac) {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    }
}
