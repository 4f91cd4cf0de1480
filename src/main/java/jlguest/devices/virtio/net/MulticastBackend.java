package jlguest.devices.virtio.net;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;

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
public final class MulticastBackend extends DatagramBackend {
    private final NetworkInterface nif;

    public MulticastBackend(InetSocketAddress group, InetAddress localAddr) throws DeviceSpecException {
        this(group, chooseInterface(checkGroup(group), group, localAddr));
    }

    private MulticastBackend(InetSocketAddress group, NetworkInterface nif) throws DeviceSpecException {
        super(join(group, nif), group);
        this.nif = nif;
    }

    private static String checkGroup(InetSocketAddress group) throws DeviceSpecException {
        String what = "--net mcast:" + NetBackend.show(group);
        if (!group.getAddress().isMulticastAddress() || group.getAddress().getAddress().length != 4) {
            throw new DeviceSpecException(what + ": not an IPv4 multicast group (224.0.0.0 to 239.255.255.255)");
        }
        return what;
    }

    private static DatagramChannel join(InetSocketAddress group, NetworkInterface nif) throws DeviceSpecException {
        try {
            DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            channel.bind(group);   // the group address, as QEMU: other traffic to the port stays out
            channel.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
            channel.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            channel.join(group.getAddress(), nif);
            return channel;
        } catch (IOException e) {
            throw new DeviceSpecException("--net mcast:" + NetBackend.show(group) + ": cannot join on " + nif.getName()
                    + ": " + e.getMessage());
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
    String threadName() {
        return "virtio-net mcast " + NetBackend.show(destination);
    }

    @Override
    public boolean echoesOwnFrames() {
        return true;
    }

    @Override
    public String describe() {
        return "mcast " + NetBackend.show(destination) + " on " + nif.getName() + ", " + sendErrors.get() + " send errors";
    }
}
