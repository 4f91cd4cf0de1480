package jlguest.devices.virtio.net;

import java.util.concurrent.ArrayBlockingQueue;
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
 * Ethernet frames; on receive we write an all-zero header (no checksum help, GSO_NONE) with
 * num_buffers = 1, then the frame.
 *
 * <p>tour:virtio:310 Frames arrive on the backend's thread at any time, but only the CPU thread
 * touches guest RAM. So the backend drops each frame into a small bounded queue and wakes the CPU
 * thread; {@link #poll()} moves frames into the receive buffers the guest posted. When the guest
 * posts none (its driver is not up, or it is too slow), the queue keeps only the newest
 * {@link #BACKLOG} frames and counts the rest as dropped: a network may lose frames, it must not
 * hoard them. A frame too big for the buffer at the head of the ring is dropped too.
 */
public final class VirtioNet implements VirtioDevice, Stateful {
    public static final int DEVICE_ID = 1;
    static final int RX = 0;
    static final int TX = 1;
    static final int HEADER = 12;
    static final int QUEUE_SIZE = 256;
    static final int BACKLOG = 64;

    static final int F_MTU = 3;
    static final int F_MAC = 5;
    static final int F_STATUS = 16;
    static final int S_LINK_UP = 1;

    private static final String[] FEATURE_NAMES = new String[17];
    private static final long OFFLOADS = VirtioFeatures.bit(Offload.F_CSUM) | VirtioFeatures.bit(Offload.F_HOST_TSO4);

    static {
        FEATURE_NAMES[Offload.F_CSUM] = "CSUM";
        FEATURE_NAMES[Offload.F_HOST_TSO4] = "HOST_TSO4";
        FEATURE_NAMES[F_MTU] = "MTU";
        FEATURE_NAMES[F_MAC] = "MAC";
        FEATURE_NAMES[F_STATUS] = "STATUS";
    }

    private final NetBackend backend;
    private final byte[] mac;
    private final int mtu;
    private final byte[] config = new byte[12];
    private final ArrayBlockingQueue<byte[]> inbox = new ArrayBlockingQueue<>(BACKLOG);
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean linkDirty;
    private volatile Runnable wakeup = () -> { };
    private VirtioMmio transport;
    private long rxFrames;
    private long txFrames;
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
                return BACKLOG - inbox.size();
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
        while (!inbox.offer(f)) {
            if (inbox.poll() != null) {
                dropped.incrementAndGet();
            }
        }
        wakeup.run();
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
                } else {
                    txBad++;
                }
            }
            q.push(c.head(), 0);
            pushed = true;
        }
        if (pushed) {
            transport.usedBuffers(q);
            backend.endOfBatch();
            if (!inbox.isEmpty()) {
                receive();
            }
        }
    }

    private void send(byte[] frame, int length) {
        backend.send(frame, 0, length);
    }

    /** Moves waiting frames into posted receive buffers. */
    private void receive() throws RingException {
        Virtqueue q = transport.queue(RX);
        if (!q.ready()) {
            inbox.clear();
            return;
        }
        boolean pushed = false;
        byte[] header = new byte[HEADER];
        header[10] = 1;   // num_buffers
        byte[] f;
        while ((f = inbox.peek()) != null) {
            DescriptorChain c = q.pop();
            if (c == null) {
                break;   // no buffers: frames wait (bounded, oldest displaced)
            }
            inbox.poll();
            if (c.writableLength() < HEADER + f.length) {
                if (c.writableLength() < HEADER || c.readableLength() != 0) {
                    q.push(c.head(), 0);   // not a receive buffer at all: give it back empty
                    pushed = true;
                    txBad++;
                } else {
                    q.unpop(1);            // the buffer is fine, the frame is too big for it
                }
                rxTooBig++;
                continue;
            }
            c.write(0, header, 0, HEADER);
            c.write(HEADER, f, 0, f.length);
            q.push(c.head(), HEADER + f.length);
            rxFrames++;
            pushed = true;
        }
        if (pushed) {
            transport.usedBuffers(q);
            backend.guestDrained();
        }
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
            inbox.clear();
            return;
        }
        backend.tick();
        if (!inbox.isEmpty()) {
            receive();
        }
    }

    @Override
    public void reset() {
        inbox.clear();
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
        inbox.clear();
        backend.cablePulled();
        linkDirty = true;
    }

    @Override
    public void close() {
        backend.close();
    }

    @Override
    public String describe() {
        return String.format("net %s mtu %d, link %s, %s; rx %d frames, tx %d frames, %d dropped, %d bad%n",
                macString(mac), mtu, backend.linkUp() ? "up" : "down", backend.describe(), rxFrames, txFrames,
                dropped(), txBad);
    }

    /** 52:54:00:12:34:56, as the monitor and the guest's {@code ip link} show it. */
    public static String macString(byte[] mac) {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    }
}
