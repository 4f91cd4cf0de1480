package jlguest.devices.virtio.net;

/**
 * The host end of a virtio_net device's cable: a socket carrying Ethernet frames.
 *
 * <p>tour:virtio:320 A backend owns a socket and a thread that reads it; each whole frame it
 * receives goes to the {@link Sink} from that thread. {@link #send} is called on the CPU thread
 * and must not block it for long: a backend that might (a TCP stream whose peer stopped reading)
 * queues the frame for a writer thread and drops it when the queue is full, as a busy switch
 * would. Frames are plain Ethernet frames, without the virtio header.
 */
public interface NetBackend extends AutoCloseable {
    /** Where received frames go; called on the backend's thread. */
    interface Sink {
        /** One received frame in {@code frame[0, length)}; the array is reused after the call. */
        void frame(byte[] frame, int length);

        /** The link came up or went down (a TCP peer connected or left). */
        void linkChanged();

        /**
         * How many more bytes of frames the device can queue for the guest right now (a hint, for
         * flow control: a backend that asks sends no more than this).
         */
        default int room() {
            return Integer.MAX_VALUE;
        }

        /**
         * tour:virtio:325 A large TCP segment for the guest: {@code frame[0, length)} is one
         * Ethernet + IPv4 + TCP frame with correct checksums whose payload may be far larger than
         * the MTU, meant to reach the guest as pieces of {@code gsoSize} bytes. A device whose
         * guest takes receive offloads (GUEST_TSO4) hands it over whole, so the guest's stack runs
         * once for up to 64 KiB; anything else gets it cut back into MTU-sized frames, as here.
         * The array becomes the sink's: the caller must not reuse it.
         */
        default void segment(byte[] frame, int length, int gsoSize) {
            if (!Offload.cut(frame, length, gsoSize, Offload.MAX_GSO_FRAME, this::frame)) {
                frame(frame, length);   // not a TCP segment we can cut: as it is (a device drops it if too big)
            }
        }

        /**
         * Reader threads call this before handing over a frame of {@code bytes}: it returns at
         * once when there is room, else waits a little (never more than a few tens of
         * milliseconds) for a guest that is draining its queue to make room. A frame that arrives
         * while the queue is full is otherwise dropped, and on a datagram link a dropped frame
         * costs the guests' TCP a retransmission timeout; a frame left in the socket meanwhile
         * costs nothing (the kernel's buffer holds it, and a TCP stream's peer waits).
         */
        default void awaitRoom(int bytes) {
        }

        /** True when {@link #segment} gets a segment larger than the MTU to the guest whole. */
        default boolean takesLargeSegments() {
            return false;
        }
    }

    /** Starts the receiving thread(s). */
    void start(Sink sink);

    /** Sends one frame, or drops it; never blocks for long. */
    void send(byte[] frame, int offset, int length);

    /**
     * The guest's batch of frames ended (CPU thread): whatever was held back for the batch goes
     * now, such as one acknowledgement for many TCP segments.
     */
    default void endOfBatch() {
    }

    /**
     * The CPU thread's regular visit, between slices of guest code and before the CPU sleeps:
     * what was held back for a little while (a delayed ACK) goes now.
     */
    default void tick() {
    }

    /**
     * The machine behind the device was replaced by a snapshot's (CPU thread): every connection
     * the backend keeps on the guest's behalf is forgotten, as after a cable pull, because the
     * restored guest knows nothing of them. Frames and datagram peers simply go on.
     */
    default void cablePulled() {
    }

    /** True when frames can flow (always, for datagram backends). */
    boolean linkUp();

    /** True when the medium hands our own frames back to us (multicast loopback). */
    default boolean echoesOwnFrames() {
        return false;
    }

    /** One line for the monitor. */
    String describe();

    /** The device moved received frames into the guest's buffers (CPU thread): room again. */
    default void guestDrained() {
    }

    /** The user-mode NAT's table of connections and forwards ({@code info usernet}); null for others. */
    default String table() {
        return null;
    }

    @Override
    void close();

    /** HOST:PORT with the host as a number, for messages and the monitor. */
    static String show(java.net.InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
