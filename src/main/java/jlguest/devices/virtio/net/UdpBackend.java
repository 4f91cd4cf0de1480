package jlguest.devices.virtio.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;

import jlguest.devices.virtio.DeviceSpecException;

/**
 * {@code udp:local=HOST:PORT,remote=HOST:PORT}: one Ethernet frame per UDP datagram, point to
 * point, as QEMU's {@code -netdev dgram} (and the older {@code socket,udp=}) carry them. We accept
 * datagrams from any sender, as QEMU does, and send every frame to {@code remote}.
 */
final class UdpBackend implements NetBackend {
    private final DatagramChannel channel;
    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private final AtomicLong sendErrors = new AtomicLong();
    private Thread reader;

    UdpBackend(InetSocketAddress local, InetSocketAddress remote) throws DeviceSpecException {
        this.remote = remote;
        try {
            channel = DatagramChannel.open();
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            channel.bind(local);
            this.local = (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new DeviceSpecException("--net udp: cannot bind " + HostPort.show(local) + ": " + e.getMessage());
        }
    }

    InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public void start(Sink sink) {
        reader = new Thread(() -> {
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (channel.isOpen()) {
                try {
                    buf.clear();
                    if (channel.receive(buf) != null) {
                        sink.frame(buf.array(), buf.position());
                    }
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    // ICMP errors from an earlier send surface here; the next datagram may be fine.
                }
            }
        }, "virtio-net udp " + HostPort.show(local));
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public void send(byte[] frame, int offset, int length) {
        try {
            channel.send(ByteBuffer.wrap(frame, offset, length), remote);
        } catch (IOException e) {
            sendErrors.incrementAndGet();
        }
    }

    @Override
    public boolean linkUp() {
        return true;
    }

    @Override
    public String describe() {
        return "udp " + HostPort.show(local) + " -> " + HostPort.show(remote) + ", " + sendErrors.get() + " send errors";
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
