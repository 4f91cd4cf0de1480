package jlguest.devices.virtio.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the datagram backends share: one Ethernet frame per UDP datagram, a reader thread handing
 * received frames to the device, and every sent frame going to one destination (a peer, or a
 * multicast group).
 */
abstract class DatagramBackend implements NetBackend {
    protected final DatagramChannel channel;
    protected final InetSocketAddress destination;
    protected final AtomicLong sendErrors = new AtomicLong();

    DatagramBackend(DatagramChannel channel, InetSocketAddress destination) {
        this.channel = channel;
        this.destination = destination;
    }

    /** Names the reader thread, e.g. "virtio-net udp 127.0.0.1:5001". */
    abstract String threadName();

    @Override
    public void start(Sink sink) {
        Thread reader = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (channel.isOpen()) {
                try {
                    buf.clear();
                    if (channel.receive(buf) != null) {
                        sink.awaitRoom(buf.position());
                        sink.frame(buf.array(), buf.position());
                    }
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    // ICMP errors from an earlier send surface here; the next datagram may be fine.
                }
            }
        }, threadName());
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public void send(byte[] frame, int offset, int length) {
        try {
            channel.send(ByteBuffer.wrap(frame, offset, length), destination);
        } catch (IOException e) {
            sendErrors.incrementAndGet();
        }
    }

    @Override
    public boolean linkUp() {
        return true;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
