package jlguest.usernet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * UDP through the NAT. Each (guest port, destination) pair the guest sends from gets a host
 * DatagramChannel of its own, connected to where the datagrams go: the gateway's ports go to the
 * host's loopback, the DNS address's port 53 to the host's resolver, other addresses to
 * themselves. Replies come back from the same far address. A flow idle for
 * {@link #IDLE_NANOS} (DNS: {@link #DNS_IDLE_NANOS}) is closed; at most {@link #MAX_FLOWS} live
 * at once, the least recently used giving way. DHCP to port 67 is answered by {@link Dhcp}.
 */
final class UdpNat {
    static final int MAX_FLOWS = 256;
    static final long IDLE_NANOS = 60_000_000_000L;
    static final long DNS_IDLE_NANOS = 10_000_000_000L;

    /** One guest (port -> far address:port) flow and its host channel. */
    static final class Flow {
        final int guestIp;
        final int guestPort;
        final int farIp;
        final int farPort;
        final DatagramChannel channel;
        final ForwardListener via;        // non-null: a hostfwd flow, replies go out of the listener
        final SocketAddress client;       // ... to this host client
        long lastUsed;
        long toGuest;
        long toHost;

        Flow(int guestIp, int guestPort, int farIp, int farPort, DatagramChannel channel, ForwardListener via,
             SocketAddress client) {
            this.guestIp = guestIp;
            this.guestPort = guestPort;
            this.farIp = farIp;
            this.farPort = farPort;
            this.channel = channel;
            this.via = via;
            this.client = client;
        }
    }

    /** A {@code hostfwd=udp:...} socket on the host. */
    record ForwardListener(UserNetConfig.Forward forward, DatagramChannel channel) {
    }

    private final UserNet net;
    private final Map<Long, Flow> flows = new ConcurrentHashMap<>();
    private final ByteBuffer buf = ByteBuffer.allocate(65536);
    private int nextPort = 40000;

    UdpNat(UserNet net) {
        this.net = net;
    }

    int size() {
        return flows.size();
    }

    private static long key(int guestPort, int farIp, int farPort) {
        return (long) guestPort << 48 | (farIp & 0xFFFFFFFFL) << 16 | farPort;
    }

    /** A UDP datagram from the guest (the IP payload at {@code f[off, off+len)}). */
    void input(byte[] f, int off, int len, int src, int dst) {
        if (len < 8) {
            net.badFrames++;
            return;
        }
        int ulen = Packets.u16(f, off + 4);
        if (ulen < 8 || ulen > len) {
            net.badFrames++;
            return;
        }
        if (Packets.u16(f, off + 6) != 0 && Packets.transportChecksum(f, off, ulen, src, dst, Packets.PROTO_UDP) != 0) {
            net.badFrames++;
            return;
        }
        int sport = Packets.u16(f, off);
        int dport = Packets.u16(f, off + 2);
        if (dport == Dhcp.SERVER_PORT && (dst == -1 || dst == net.config.host() || dst == net.config.broadcast())) {
            byte[] r = net.dhcp.reply(f, off + 8, ulen - 8);
            if (r != null) {
                net.sendUdp(net.config.host(), Dhcp.SERVER_PORT, -1, Dhcp.CLIENT_PORT, r, 0, r.length);
            }
            return;
        }
        long now = System.nanoTime();
        Flow flow = flows.get(key(sport, dst, dport));
        if (flow == null) {
            InetSocketAddress to;
            if (dst == net.config.dns() && dport == 53 && !net.config.restrict()) {
                to = net.config.dnsForward();
            } else {
                InetAddress a = net.hostAddressFor(dst);
                if (a == null) {
                    return;
                }
                to = new InetSocketAddress(a, dport);
            }
            flow = open(src, sport, dst, dport, to, now);
            if (flow == null) {
                return;
            }
        }
        flow.lastUsed = now;
        try {
            ByteBuffer data = ByteBuffer.wrap(f, off + 8, ulen - 8);
            if (flow.via != null) {
                flow.via.channel().send(data, flow.client);
            } else {
                flow.channel.write(data);
            }
            flow.toHost += ulen - 8;
        } catch (IOException e) {
            // ICMP unreachable from an earlier datagram, or no route: UDP may lose it
        }
    }

    private Flow open(int guestIp, int guestPort, int farIp, int farPort, InetSocketAddress to, long now) {
        if (flows.size() >= MAX_FLOWS) {
            evictOldest();
        }
        DatagramChannel ch = null;
        try {
            ch = DatagramChannel.open();
            ch.configureBlocking(false);
            ch.connect(to);
            Flow flow = new Flow(guestIp, guestPort, farIp, farPort, ch, null, null);
            ch.register(net.selector, SelectionKey.OP_READ, flow);
            net.selectorStale = true;
            flows.put(key(guestPort, farIp, farPort), flow);
            return flow;
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            return null;
        }
    }

    private void evictOldest() {
        Flow oldest = null;
        for (Flow fl : flows.values()) {
            if (oldest == null || fl.lastUsed < oldest.lastUsed) {
                oldest = fl;
            }
        }
        if (oldest != null) {
            remove(oldest);
        }
    }

    private void remove(Flow fl) {
        flows.remove(key(fl.guestPort, fl.farIp, fl.farPort));
        if (fl.via == null) {
            try {
                fl.channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** A datagram waits on a flow's host channel: it goes to the guest from the far address. */
    void readable(Flow fl) {
        for (int i = 0; i < 64; i++) {
            buf.clear();
            try {
                if (fl.channel.receive(buf) == null) {
                    return;
                }
            } catch (IOException e) {
                return;   // ICMP port unreachable and the like
            }
            fl.lastUsed = System.nanoTime();
            fl.toGuest += buf.position();
            net.sendUdp(fl.farIp, fl.farPort, fl.guestIp, fl.guestPort, buf.array(), 0, buf.position());
        }
    }

    /**
     * A datagram on a {@code hostfwd=udp:} socket: it goes to the guest's port from the gateway's
     * address and a port of ours that stands for the sender.
     */
    void forwardReadable(ForwardListener l) {
        for (int i = 0; i < 64; i++) {
            buf.clear();
            SocketAddress from;
            try {
                from = l.channel().receive(buf);
            } catch (IOException e) {
                return;
            }
            if (from == null) {
                return;
            }
            UserNetConfig.Forward fw = l.forward();
            Flow flow = null;
            for (Flow fl : flows.values()) {
                if (fl.via == l && fl.client.equals(from)) {
                    flow = fl;
                    break;
                }
            }
            if (flow == null) {
                if (flows.size() >= MAX_FLOWS) {
                    evictOldest();
                }
                int port = freePort(fw.guestPort());
                flow = new Flow(fw.guestAddr(), fw.guestPort(), net.config.host(), port, l.channel(), l, from);
                flows.put(key(fw.guestPort(), net.config.host(), port), flow);
            }
            flow.lastUsed = System.nanoTime();
            flow.toGuest += buf.position();
            net.sendUdp(flow.farIp, flow.farPort, flow.guestIp, flow.guestPort, buf.array(), 0, buf.position());
        }
    }

    private int freePort(int guestPort) {
        for (int i = 0; i < 20000; i++) {
            int p = nextPort++;
            if (nextPort > 60000) {
                nextPort = 40000;
            }
            if (!flows.containsKey(key(guestPort, net.config.host(), p))) {
                return p;
            }
        }
        return nextPort;
    }

    long nextDeadline(long now) {
        return flows.isEmpty() ? now + 60_000_000_000L : now + 1_000_000_000L;
    }

    void expire(long now) {
        for (Iterator<Flow> it = flows.values().iterator(); it.hasNext();) {
            Flow fl = it.next();
            long idle = fl.farPort == 53 && fl.farIp == net.config.dns() ? DNS_IDLE_NANOS : IDLE_NANOS;
            if (now - fl.lastUsed > idle) {
                it.remove();
                if (fl.via == null) {
                    try {
                        fl.channel.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
        }
    }

    void closeAll() {
        for (Flow fl : flows.values()) {
            remove(fl);
        }
    }

    void describe(StringBuilder sb) {
        for (Flow fl : flows.values()) {
            String host;
            try {
                SocketAddress a = fl.via != null ? fl.client : fl.channel.getRemoteAddress();
                host = a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() + ":" + i.getPort() : "?";
            } catch (IOException e) {
                host = "?";
            }
            sb.append(String.format("  %-5s %-21s %-21s %-12s %8d %8d%n", "udp",
                    Packets.ip(fl.guestIp) + ":" + fl.guestPort, host, fl.via != null ? "FORWARDED" : "OPEN",
                    fl.toGuest, fl.toHost));
        }
    }
}
