package jlguest.usernet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import jlguest.devices.virtio.net.NetBackend;

/**
 * {@code --net=user}: user-mode networking, a NAT between the guest's virtio_net and the host's
 * own sockets, with no root and no native code, addressed as QEMU's user networking (slirp).
 *
 * <p>tour:net:100 The guest believes it sits on an Ethernet segment, 10.0.2.0/24, with a router
 * at 10.0.2.2 and a DNS server at 10.0.2.3. Both are us. Every frame the guest sends lands here;
 * we answer ARP for our addresses, echo pings to them, hand out 10.0.2.15 by DHCP, and for
 * everything else we play the far end: a UDP datagram goes out of a host DatagramChannel, a TCP
 * connection is terminated in our own small TCP ({@link TcpConnection}) and its bytes spliced to a
 * host SocketChannel. The guest's 10.0.2.2 is the host's 127.0.0.1, so a server on the host's
 * loopback is one {@code wget http://10.0.2.2:PORT/} away.
 *
 * <p>tour:net:110 One thread waits for the host: a NIO selector over every host socket, woken when
 * a socket is ready or a TCP timer is due; there is no busy polling. A frame from the guest is
 * handled at once on the CPU thread that transmits it ({@link #send}), under the stack's one
 * lock: every non-blocking socket call returns at once, and the guest's ACK sends the next
 * segments without waiting for another thread to be scheduled (each such hand-off cost
 * milliseconds on a busy host, and a TCP window is only as fast as its round trip). Frames to the
 * guest go into the device's own bounded queue ({@link NetBackend.Sink}), whose free room we ask
 * before sending TCP data, so a slow guest slows the host socket down (we stop reading it)
 * instead of losing frames.
 */
public final class UserNet implements NetBackend {
    final UserNetConfig config;
    final int mtu;
    final Selector selector;
    final Reassembly reassembly = new Reassembly();
    final Dhcp dhcp;
    final UdpNat udp;
    final TcpNat tcp;
    private final List<AutoCloseable> listeners = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** Set when interest ops or registrations changed: a blocked select() must start over to see them. */
    volatile boolean selectorStale;
    volatile byte[] guestMac;
    private volatile Sink sink;
    private volatile boolean closed;
    private Thread thread;
    private int ipId;
    long badFrames;
    long framesIn;
    long framesOut;

    /**
     * Opens the selector and binds every host forward now, so that a busy port is reported at
     * start-up. Throws IllegalArgumentException (one line) when a forward cannot be bound.
     */
    public UserNet(UserNetConfig config, byte[] guestMac, int mtu) {
        this.config = config;
        this.mtu = mtu;
        this.guestMac = guestMac.clone();
        this.dhcp = new Dhcp(config);
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot open a selector: " + e.getMessage());
        }
        this.udp = new UdpNat(this);
        this.tcp = new TcpNat(this);
        try {
            for (UserNetConfig.Forward f : config.forwards()) {
                bindForward(f);
            }
        } catch (IllegalArgumentException e) {
            close();
            throw e;
        }
    }

    private void bindForward(UserNetConfig.Forward f) {
        String where = (f.udp() ? "udp " : "tcp ") + f.hostSide().getAddress().getHostAddress() + ":" + f.hostSide().getPort();
        try {
            if (f.udp()) {
                DatagramChannel ch = DatagramChannel.open(f.hostSide().getAddress() instanceof java.net.Inet6Address
                        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
                listeners.add(ch);
                ch.bind(f.hostSide());
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, new UdpNat.ForwardListener(f, ch));
            } else {
                ServerSocketChannel ch = ServerSocketChannel.open();
                listeners.add(ch);
                ch.bind(f.hostSide());
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_ACCEPT, f);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("hostfwd: cannot listen on " + where + ": " + e.getMessage());
        }
    }

    /** The host port a forward listens on (useful with port 0). */
    public int forwardPort(int index) {
        try {
            Object ch = listeners.get(index);
            InetSocketAddress a = (InetSocketAddress) (ch instanceof ServerSocketChannel s ? s.getLocalAddress()
                    : ((DatagramChannel) ch).getLocalAddress());
            return a.getPort();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void start(Sink sink) {
        this.sink = sink;
        thread = new Thread(this::run, "usernet " + Packets.ip(config.network()) + "/" + config.prefix());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * CPU thread: the guest's frame, handled now (nothing in here blocks). What it calls for
     * (an acknowledgement, more data) goes at {@link #endOfBatch}: one ACK for a batch of segments.
     */
    @Override
    public void send(byte[] frame, int offset, int length) {
        if (closed) {
            return;
        }
        byte[] f = offset == 0 && length == frame.length ? frame : java.util.Arrays.copyOfRange(frame, offset, offset + length);
        lock.lock();
        try {
            guardedInput(f);
        } finally {
            lock.unlock();
        }
    }

    /**
     * CPU thread: the guest's batch of frames is over; each connection acknowledges what it got
     * and sends what it can. This is our delayed ACK: never later than the batch, and one ACK for
     * all the segments of a batch (a 64 KiB TSO segment arrives as 45 frames in one batch).
     */
    @Override
    public void endOfBatch() {
        if (closed) {
            return;
        }
        lock.lock();
        try {
            tcp.flushAll(false);
        } finally {
            lock.unlock();
        }
        wakeSelectorIfStale();
    }

    /** CPU thread, between slices and before it sleeps: the ACKs held back for the slice go now. */
    @Override
    public void tick() {
        if (tcp.acksHeld && !closed) {
            lock.lock();
            try {
                tcp.flushAll(true);
            } finally {
                lock.unlock();
            }
            wakeSelectorIfStale();
        }
    }

    /** CPU thread: the device moved frames into the guest, so there is room for more TCP data. */
    @Override
    public void guestDrained() {
        if (tcp.waitingForRoom && !closed) {
            lock.lock();
            try {
                tcp.flushAll(false);
            } finally {
                lock.unlock();
            }
            wakeSelectorIfStale();
        }
    }

    private void wakeSelectorIfStale() {
        if (selectorStale) {
            selectorStale = false;
            try {
                selector.wakeup();
            } catch (ClosedSelectorException ignored) {
                // closing
            }
        }
    }

    @Override
    public boolean linkUp() {
        return true;
    }

    @Override
    public String describe() {
        return "user " + Packets.ip(config.network()) + "/" + config.prefix() + (config.restrict() ? " restricted" : "")
                + ", " + tcp.size() + " tcp, " + udp.size() + " udp";
    }

    /** {@code info usernet}: every connection and every forward, one per line. */
    @Override
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("user network %s/%d, gateway %s, dns %s -> %s, first DHCP address %s%s%n",
                Packets.ip(config.network()), config.prefix(), Packets.ip(config.host()), Packets.ip(config.dns()),
                config.dnsForward().getAddress().getHostAddress() + ":" + config.dnsForward().getPort(),
                Packets.ip(config.dhcpStart()), config.restrict() ? ", restricted" : ""));
        sb.append(String.format("  %-5s %-21s %-21s %-12s %8s %8s%n", "proto", "guest", "host", "state", "to guest",
                "to host"));
        for (UserNetConfig.Forward f : config.forwards()) {
            sb.append(String.format("  %-5s %-21s %-21s %-12s%n", f.udp() ? "udp" : "tcp",
                    Packets.ip(f.guestAddr()) + ":" + f.guestPort(),
                    f.hostSide().getAddress().getHostAddress() + ":" + f.hostSide().getPort(), "HOST_FORWARD"));
        }
        tcp.describe(sb);
        udp.describe(sb);
        sb.append(String.format("  frames: %d from guest, %d to guest, %d bad, %d fragments dropped%n",
                framesIn, framesOut, badFrames, reassembly.dropped));
        sb.append(String.format("  tcp: %d refused, %d timeouts (go-back), %d window probes; sending waited %d times"
                + " for room in the device, %d for the guest's window, %d for host data%n",
                tcp.refused, tcp.retransmits, tcp.probes, tcp.roomStalls, tcp.windowStalls, tcp.dataStalls));
        sb.append(String.format("  tcp: %d data segments from the guest (%d bytes), %d pure ACKs to the guest%n",
                tcp.segmentsIn, tcp.bytesIn, tcp.pureAcks));
        return sb.toString();
    }

    /**
     * A snapshot was restored: the NAT's TCP connections belonged to the guest that was, so their
     * host sockets are reset and forgotten. The restored guest's own connections, if it had any
     * when saved, retransmit into a NAT that no longer knows them and are reset, as after a
     * cable pull. Forwards keep listening; UDP flows time out as they always do.
     */
    @Override
    public void cablePulled() {
        lock.lock();
        try {
            tcp.closeAll();
        } finally {
            lock.unlock();
        }
        selector.wakeup();
    }

    @Override
    public void close() {
        closed = true;
        try {
            selector.wakeup();
        } catch (ClosedSelectorException ignored) {
            // already closed
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (thread == null || !thread.isAlive()) {
            shutdown();
        }
    }

    private void shutdown() {
        if (System.getenv("JLGUEST_USERNET_DEBUG") != null) {
            System.err.print(table());
        }
        tcp.closeAll();
        udp.closeAll();
        for (AutoCloseable c : listeners) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    // ------------------------------------------------------------------------------------------
    // The NAT thread
    // ------------------------------------------------------------------------------------------

    private void run() {
        try {
            while (!closed) {
                long now = System.nanoTime();
                long wait;
                lock.lock();
                try {
                    wait = Math.min(tcp.nextDeadline(now), udp.nextDeadline(now)) - now;
                } finally {
                    lock.unlock();
                }
                selectorStale = false;   // this select() applies every change made so far
                selector.select(Math.max(1, wait / 1_000_000));
                lock.lock();
                try {
                    for (SelectionKey k : selector.selectedKeys()) {
                        ready(k);
                    }
                    selector.selectedKeys().clear();
                    now = System.nanoTime();
                    tcp.timers(now);
                    udp.expire(now);
                    tcp.flushAll(false);   // held ACKs are the CPU thread's (tick), at its slice's end
                } finally {
                    lock.unlock();
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            // the selector itself failed: nothing more we can do but stop
        } finally {
            shutdown();
        }
    }

    private void ready(SelectionKey k) {
        try {
            if (!k.isValid()) {
                return;
            }
            Object a = k.attachment();
            if (a instanceof TcpConnection c) {
                c.ready(k);
            } else if (a instanceof UserNetConfig.Forward f) {
                tcp.accept((ServerSocketChannel) k.channel(), f);
            } else if (a instanceof UdpNat.Flow fl) {
                udp.readable(fl);
            } else if (a instanceof UdpNat.ForwardListener l) {
                udp.forwardReadable(l);
            }
        } catch (RuntimeException e) {
            badFrames++;   // a bug of ours must not stop the NAT; the connection is dropped
            if (k.attachment() instanceof TcpConnection c) {
                c.abort();
            }
        }
    }

    /** One guest frame; nothing it contains may throw out of here. */
    private static final boolean TRACE = System.getenv("JLGUEST_USERNET_TRACE") != null;

    void guardedInput(byte[] f) {
        framesIn++;
        if (TRACE) {
            System.err.println(System.nanoTime() / 1000 + " usernet <- " + java.util.HexFormat.of().formatHex(f, 0, Math.min(f.length, 64)));
        }
        try {
            input(f, f.length);
        } catch (RuntimeException e) {
            badFrames++;
        }
    }

    /** The room left in the device's receive queue, in bytes. */
    int room() {
        Sink s = sink;
        return s == null ? 0 : s.room();
    }

    /** Hands a frame to the guest (any thread that owns it: always the NAT thread here). */
    void emit(byte[] frame) {
        if (TRACE) {
            System.err.println(System.nanoTime() / 1000 + " usernet -> " + java.util.HexFormat.of().formatHex(frame, 0, Math.min(frame.length, 64)));
        }
        Sink s = sink;
        if (s != null) {
            framesOut++;
            s.frame(frame, frame.length);
        }
    }

    /**
     * Hands a TCP data segment to the guest: whole when the device takes large segments, else
     * cut by the sink into pieces of {@code gsoSize} bytes.
     */
    void emitSegment(byte[] frame, int gsoSize) {
        if (TRACE) {
            System.err.println(System.nanoTime() / 1000 + " usernet => " + frame.length + " bytes, gso " + gsoSize + ": "
                    + java.util.HexFormat.of().formatHex(frame, 0, Math.min(frame.length, 64)));
        }
        Sink s = sink;
        if (s != null) {
            framesOut++;
            s.segment(frame, frame.length, gsoSize);
        }
    }

    /**
     * The most TCP payload one segment to the guest may carry: as many whole MSS-sized pieces as
     * fit an IPv4 packet (44 of 1,460 bytes: 64,240) when the device takes large segments, else one.
     */
    int segmentPayload(int mss) {
        Sink s = sink;
        return s != null && s.takesLargeSegments() ? (65535 - 40) / mss * mss : mss;
    }

    int nextIpId() {
        return ipId++ & 0xFFFF;
    }

    private void input(byte[] f, int len) {
        if (len < Packets.ETH) {
            badFrames++;
            return;
        }
        boolean forUs = java.util.Arrays.equals(f, 0, 6, Packets.GATEWAY_MAC, 0, 6)
                || java.util.Arrays.equals(f, 0, 6, Packets.BROADCAST, 0, 6);
        if (!forUs) {
            return;   // multicast (IPv6 neighbour discovery and friends) and frames for others
        }
        switch (Packets.u16(f, 12)) {
            case Packets.ETHERTYPE_ARP -> arp(f, len);
            case Packets.ETHERTYPE_IPV4 -> ipv4(f, len);
            default -> { }
        }
    }

    /** ARP: we answer requests for every address of our network but the guest's own ones. */
    private void arp(byte[] f, int len) {
        int a = Packets.ETH;
        if (len < a + 28 || Packets.u16(f, a) != 1 || Packets.u16(f, a + 2) != Packets.ETHERTYPE_IPV4
                || f[a + 4] != 6 || f[a + 5] != 4) {
            badFrames++;
            return;
        }
        int op = Packets.u16(f, a + 6);
        int sender = Packets.i32(f, a + 14);
        int target = Packets.i32(f, a + 24);
        if (op != 1 || !config.inNetwork(target) || target == sender || !isOurs(target)) {
            return;
        }
        guestMac = java.util.Arrays.copyOfRange(f, a + 8, a + 14);
        byte[] r = new byte[Packets.ETH + 28];
        System.arraycopy(f, a + 8, r, 0, 6);
        System.arraycopy(Packets.GATEWAY_MAC, 0, r, 6, 6);
        Packets.put16(r, 12, Packets.ETHERTYPE_ARP);
        Packets.put16(r, a, 1);
        Packets.put16(r, a + 2, Packets.ETHERTYPE_IPV4);
        r[a + 4] = 6;
        r[a + 5] = 4;
        Packets.put16(r, a + 6, 2);
        System.arraycopy(Packets.GATEWAY_MAC, 0, r, a + 8, 6);
        Packets.put32(r, a + 14, target);
        System.arraycopy(f, a + 8, r, a + 18, 10);   // the asker's MAC and address
        emit(r);
    }

    /** Addresses we answer for: the gateway and the DNS server. */
    boolean isOurs(int addr) {
        return addr == config.host() || addr == config.dns();
    }

    private void ipv4(byte[] f, int len) {
        int ip = Packets.ETH;
        if (len < ip + 20) {
            badFrames++;
            return;
        }
        int ihl = (f[ip] & 0x0F) * 4;
        int total = Packets.u16(f, ip + 2);
        if ((f[ip] & 0xF0) != 0x40 || ihl < 20 || total < ihl || ip + total > len
                || Packets.checksum(f, ip, ihl) != 0) {
            badFrames++;
            return;
        }
        if (!java.util.Arrays.equals(f, 6, 12, guestMac, 0, 6) && (f[6] & 1) == 0) {
            guestMac = java.util.Arrays.copyOfRange(f, 6, 12);   // the guest's MAC, learned
        }
        int proto = f[ip + 9] & 0xFF;
        int src = Packets.i32(f, ip + 12);
        int dst = Packets.i32(f, ip + 16);
        int frag = Packets.u16(f, ip + 6);
        int payload = ip + ihl;
        int plen = total - ihl;
        if ((frag & 0x3FFF) != 0) {   // MF set or a non-zero offset: a fragment
            byte[] whole = reassembly.add(src, dst, Packets.u16(f, ip + 4), proto, (frag & 0x1FFF) * 8,
                    (frag & 0x2000) != 0, f, payload, plen, System.nanoTime());
            if (whole == null) {
                return;
            }
            f = whole;
            payload = 0;
            plen = whole.length;
        }
        switch (proto) {
            case Packets.PROTO_ICMP -> icmp(f, payload, plen, src, dst);
            case Packets.PROTO_UDP -> udp.input(f, payload, plen, src, dst);
            case Packets.PROTO_TCP -> tcp.input(f, payload, plen, src, dst);
            default -> { }
        }
    }

    /** ICMP echo to the gateway or the DNS address: answered here. Others: not reachable (no raw sockets). */
    private void icmp(byte[] f, int off, int len, int src, int dst) {
        if (len < 8 || Packets.checksum(f, off, len) != 0) {
            badFrames++;
            return;
        }
        if (f[off] != 8 || !isOurs(dst)) {
            return;
        }
        byte[] r = Packets.ipv4Frame(guestMac, dst, src, Packets.PROTO_ICMP, len, nextIpId());
        int o = Packets.ETH + 20;
        System.arraycopy(f, off, r, o, len);
        r[o] = 0;   // echo reply
        Packets.put16(r, o + 2, 0);
        Packets.put16(r, o + 2, Packets.checksum(r, o, len));
        emit(r);
    }

    /**
     * Sends a UDP datagram to the guest, fragmenting it when it does not fit the MTU.
     */
    void sendUdp(int src, int srcPort, int dst, int dstPort, byte[] data, int off, int len) {
        int ulen = 8 + len;
        byte[] seg = new byte[ulen];
        Packets.put16(seg, 0, srcPort);
        Packets.put16(seg, 2, dstPort);
        Packets.put16(seg, 4, ulen);
        System.arraycopy(data, off, seg, 8, len);
        int sum = Packets.transportChecksum(seg, 0, ulen, src, dst, Packets.PROTO_UDP);
        Packets.put16(seg, 6, sum == 0 ? 0xFFFF : sum);
        int id = nextIpId();
        int max = (mtu - 20) & ~7;
        if (ulen <= mtu - 20) {
            byte[] r = Packets.ipv4Frame(guestMac, src, dst, Packets.PROTO_UDP, ulen, id);
            System.arraycopy(seg, 0, r, Packets.ETH + 20, ulen);
            emit(r);
            return;
        }
        for (int at = 0; at < ulen; at += max) {
            int n = Math.min(max, ulen - at);
            byte[] r = new byte[Packets.ETH + 20 + n];
            System.arraycopy(guestMac, 0, r, 0, 6);
            System.arraycopy(Packets.GATEWAY_MAC, 0, r, 6, 6);
            Packets.put16(r, 12, Packets.ETHERTYPE_IPV4);
            Packets.ipv4Header(r, Packets.ETH, src, dst, Packets.PROTO_UDP, 20 + n, id,
                    (at + n < ulen ? 0x2000 : 0) | at / 8);
            System.arraycopy(seg, at, r, Packets.ETH + 20, n);
            emit(r);
        }
    }

    /**
     * Where a guest's packet to {@code dst} goes on the host: the gateway is the host's loopback,
     * other addresses of our network go nowhere (null), the rest is the world, unless restricted.
     */
    InetAddress hostAddressFor(int dst) {
        if (config.restrict()) {
            return null;   // restricted: only the forwards (and DHCP) reach the guest
        }
        if (dst == config.host()) {
            return InetAddress.getLoopbackAddress();
        }
        if (config.inNetwork(dst) || (dst >>> 28) >= 14 || dst == 0 || (dst >>> 24) == 127) {
            return null;   // our own network, multicast/reserved, or restricted
        }
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (dst >>> 24), (byte) (dst >>> 16), (byte) (dst >>> 8), (byte) dst});
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }
}
