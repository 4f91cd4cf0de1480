package jlguest.machine;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One {@code --net} device, as the user asked for it: where its frames go on the host, its MAC
 * address (null: the machine assigns 52:54:00:12:34:56 plus the device's index, as QEMU does, so a
 * guest sees the same address every boot) and its MTU. Addresses are already resolved; opening the
 * sockets is the {@link VirtioBuilder}'s job.
 */
public record NetworkConfig(Backend backend, byte[] mac, int mtu) {
    public static final int DEFAULT_MTU = 1500;

    /** The host end of the cable. */
    public sealed interface Backend permits Udp, Socket, Multicast {
    }

    /** Unicast UDP datagrams between two fixed addresses (QEMU's {@code -netdev dgram}). */
    public record Udp(InetSocketAddress local, InetSocketAddress remote) implements Backend {
    }

    /** A TCP stream of length-prefixed frames, QEMU's {@code -netdev socket,listen=|connect=}. */
    public record Socket(boolean listen, InetSocketAddress address) implements Backend {
    }

    /** A multicast group every member hears (QEMU's {@code -netdev socket,mcast=}). */
    public record Multicast(InetSocketAddress group, InetAddress localAddress) implements Backend {
    }
}
