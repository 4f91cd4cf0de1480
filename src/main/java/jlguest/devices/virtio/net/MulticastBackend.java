package jlguest.devices.virtio.net;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;

import jlguest.devices.virtio.DeviceSpecException;

/**
 * {@code mcast:GROUP:PORT[,localaddr=ADDR]}: one Ethernet segment shared by every guest that joins
 * the same UDP multicast group, QEMU's {@code -netdev socket,mcast=GROUP:PORT[,localaddr=ADDR]}.
 *
 * <p>tour:virtio:340 Like QEMU we bind the group's port with SO_REUSEADDR (so several guests on
 * one host can), join the group, keep multicast loopback on (so they hear each other) and send
 * each frame to the group. Loopback also hands our own frames back to us; the device drops
 * received frames whose source MAC is its own. The interface is the one {@code localaddr} names,
 * or else the one the host's routing table picks for the group; a host with no such route is
 * told so in one line, since the alternative would be a silent, empty network.
 */
final class MulticastBackend implements NetBackend {
    private final DatagramChannel channel;
    private final InetSocketAddress group;
    private final NetworkInterface nif;
    private final AtomicLong sendErrors = new AtomicLong();

    MulticastBackend(InetSocketAddress group, InetAddress localAddr) throws DeviceSpecException {
        String what = "--net mcast:" + HostPort.show(group);
        if (!group.getAddress().isMulticastAddress() || group.getAddress().getAddress().length != 4) {
            throw new DeviceSpecException(what + ": not an IPv4 multicast group (224.0.0.0 to 239.255.255.255)");
        }
        this.group = group;
        this.nif = chooseInterface(what, group, localAddr);
        try {
            channel = DatagramChannel.open(StandardProtocolFamily.INET);
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            channel.bind(group);   // the group address, as QEMU: other traffic to the port stays out
            channel.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
            channel.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            channel.join(group.getAddress(), nif);
        } catch (IOException e) {
            throw new DeviceSpecException(what + ": cannot join on " + nif.getName() + ": " + e.getMessage());
        }
    }

    private static NetworkInterface chooseInterface(String what, InetSocketAddress group, InetAddress localAddr)
            throws DeviceSpecException {
        InetAddress local = localAddr;
        if (local == null) {
            try (DatagramSocket probe = new DatagramSocket()) {
                probe.connect(group);   // asks the routing table; sends nothing
                local = probe.getLocalAddress();
            } catch (IOException e) {
                local = null;
            }
            if (local == null || local.isAnyLocalAddress()) {
                throw new DeviceSpecException(what + ": the host has no route for multicast (add one, for example "
                        + "'ip route add 224.0.0.0/4 dev eth0', or give localaddr=ADDRESS)");
            }
        }
        try {
            NetworkInterface n = NetworkInterface.getByInetAddress(local);
            if (n == null) {
                throw new DeviceSpecException(what + ": no interface has address " + local.getHostAddress());
            }
            return n;
        } catch (IOException e) {
            throw new DeviceSpecException(what + ": " + e.getMessage());
        }
    }

    @Override
    public void start(Sink sink) {
        Thread t = new Thread(() -> {
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
                    // a transient error; keep listening
                }
            }
        }, "virtio-net mcast " + HostPort.show(group));
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void send(byte[] frame, int offset, int length) {
        try {
            channel.send(ByteBuffer.wrap(frame, offset, length), group);
        } catch (IOException e) {
            sendErrors.incrementAndGet();
        }
    }

    @Override
    public boolean linkUp() {
        return true;
    }

    @Override
    public boolean echoesOwnFrames() {
        return true;
    }

    @Override
    public String describe() {
        return "mcast " + HostPort.show(group) + " on " + nif.getName() + ", " + sendErrors.get() + " send errors";
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
