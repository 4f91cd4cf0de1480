package jlguest.devices.virtio.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;

import jlguest.devices.virtio.DeviceSpecException;

/**
 * {@code udp:local=HOST:PORT,remote=HOST:PORT}: one Ethernet frame per UDP datagram, point to
 * point, as QEMU's {@code -netdev dgram} (and the older {@code socket,udp=}) carry them. We accept
 * datagrams from any sender, as QEMU does, and send every frame to {@code remote}.
 */
public final class UdpBackend extends DatagramBackend {
    private final InetSocketAddress local;

    public UdpBackend(InetSocketAddress local, InetSocketAddress remote) throws DeviceSpecException {
        super(bind(local), remote);
        try {
            this.local = (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new DeviceSpecException("--net udp: cannot bind " + NetBackend.show(local) + ": " + e.getMessage());
        }
    }

    private static DatagramChannel bind(InetSocketAddress local) throws DeviceSpecException {
        try {
            DatagramChannel channel = DatagramChannel.open();
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            channel.bind(local);
            return channel;
        } catch (IOException e) {
            throw new DeviceSpecException("--net udp: cannot bind " + NetBackend.show(local) + ": " + e.getMessage());
        }
    }

    InetSocketAddress localAddress() {
        return local;
    }

    @Override
    String threadName() {
        return "virtio-net udp " + NetBackend.show(local);
    }

    @Override
    public String describe() {
        return "udp " + NetBackend.show(local) + " -> " + NetBackend.show(destination) + ", " + sendErrors.get() + " send errors";
    }
}
