package jlguest.usernet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The table of TCP connections through the NAT, keyed by (guest port, far address, far port),
 * and the front door for TCP segments: a SYN with no connection opens one (a host connect()), a
 * segment for no connection gets a RST, the rest go to their {@link TcpConnection}. Caps: at most
 * {@link #MAX_CONNECTIONS} connections, of which at most {@link #MAX_CONNECTING} may be waiting
 * for their host connect(); a SYN beyond either cap is dropped (the guest retries it, as after a
 * full listen backlog), so a SYN flood costs a bounded table and no buffers (those come only with
 * the handshake's last ACK).
 */
final class TcpNat {
    static final int MAX_CONNECTIONS = 512;
    static final int MAX_CONNECTING = 64;

    final UserNet net;
    private final Map<Long, TcpConnection> conns = new ConcurrentHashMap<>();
    volatile boolean waitingForRoom;
    /** Some connection holds a delayed ACK for the end of the slice. */
    boolean acksHeld;
    private int nextPort = 40000;
    long refused;
    long retransmits;
    /** ACKs without data to the guest: each costs it an interrupt's share and a trip through its stack. */
    long pureAcks;
    /** Segments with data from the guest, and their bytes: how large its sends reach us. */
    long segmentsIn;
    long bytesIn;
    long probes;
    long roomStalls;
    long windowStalls;
    long dataStalls;

    TcpNat(UserNet net) {
        this.net = net;
    }

    static long key(int guestPort, int farIp, int farPort) {
        return (long) guestPort << 48 | (farIp & 0xFFFFFFFFL) << 16 | farPort;
    }

    int size() {
        return conns.size();
    }

    /** A TCP segment from the guest: the IP payload at {@code f[off, off+len)}. */
    void input(byte[] f, int off, int len, int src, int dst) {
        if (len < 20) {
            net.badFrames++;
            return;
        }
        int doff = (f[off + 12] >>> 4 & 0x0F) * 4;
        if (doff < 20 || doff > len || Packets.transportChecksum(f, off, len, src, dst, Packets.PROTO_TCP) != 0) {
            net.badFrames++;
            return;
        }
        Segment s = new Segment(f, off, len, doff);
        TcpConnection c = conns.get(key(s.srcPort, dst, s.dstPort));
        if (c != null && c.guestIp == src) {
            c.segment(s);
            return;
        }
        if (s.rst()) {
            return;
        }
        if (s.syn() && !s.ack()) {
            open(s, src, dst);
        } else {
            refuse(src, dst, s);
        }
    }

    /**
     * tour:net:200 A guest's SYN to a new address and port: the first half of how a guest's
     * connection becomes a host one. We map the destination (the gateway is 127.0.0.1; our
     * network's other addresses and, with restrict=on, everything are refused), open a
     * non-blocking SocketChannel and call connect(). The SYN is not answered yet: the guest
     * hears SYN-ACK only once the host's connect() succeeded ({@link TcpConnection#ready}), and
     * a RST when it is refused, so a closed port on the host looks closed to the guest at once.
     */
    private void open(Segment s, int src, int dst) {
        InetAddress a = net.hostAddressFor(dst);
        if (a == null) {
            refused++;
            refuse(src, dst, s);
            return;
        }
        if (conns.size() >= MAX_CONNECTIONS || connecting() >= MAX_CONNECTING) {
            refused++;
            return;   // full, as a listen backlog is: the guest will send its SYN again
        }
        TcpConnection c = new TcpConnection(this, src, s.srcPort, dst, s.dstPort);
        c.guestSyn(s);
        conns.put(key(s.srcPort, dst, s.dstPort), c);
        c.connect(new InetSocketAddress(a, s.dstPort));
    }

    private int connecting() {
        int n = 0;
        for (TcpConnection c : conns.values()) {
            if (c.state == TcpConnection.State.CONNECTING) {
                n++;
            }
        }
        return n;
    }

    /** RST for a segment that belongs to no connection (RFC 793, "reset generation"). */
    void refuse(int src, int dst, Segment s) {
        if (s.ack()) {
            sendRaw(dst, s.dstPort, src, s.srcPort, s.ackNo, 0, TcpConnection.RST, 0, null, 0, 0, null);
        } else {
            int len = s.dataLength() + (s.syn() ? 1 : 0) + (s.fin() ? 1 : 0);
            sendRaw(dst, s.dstPort, src, s.srcPort, 0, s.seq + len, TcpConnection.RST | TcpConnection.ACK, 0,
                    null, 0, 0, null);
        }
    }

    /**
     * A host client connected to a {@code hostfwd=tcp:} port: we become the client towards the
     * guest, from the gateway's address and a port of ours, and send it a SYN.
     */
    void accept(ServerSocketChannel server, UserNetConfig.Forward fw) {
        SocketChannel ch;
        try {
            ch = server.accept();
        } catch (IOException e) {
            return;
        }
        if (ch == null) {
            return;
        }
        if (conns.size() >= MAX_CONNECTIONS) {
            refused++;
            TcpConnection.closeQuietly(ch);
            return;
        }
        int port = -1;
        for (int i = 0; i < 30000 && port < 0; i++) {
            int p = nextPort++;
            if (nextPort > 65000) {
                nextPort = 40000;
            }
            if (!conns.containsKey(key(fw.guestPort(), net.config.host(), p))) {
                port = p;
            }
        }
        TcpConnection c = new TcpConnection(this, fw.guestAddr(), fw.guestPort(), net.config.host(), port);
        conns.put(key(fw.guestPort(), net.config.host(), port), c);
        c.forwarded(ch);
    }

    void remove(TcpConnection c) {
        conns.remove(key(c.guestPort, c.farIp, c.farPort), c);
    }

    long nextDeadline(long now) {
        long next = now + 60_000_000_000L;
        for (TcpConnection c : conns.values()) {
            if (c.deadline != 0 && c.deadline < next) {
                next = c.deadline;
            }
        }
        return next;
    }

    void timers(long now) {
        for (TcpConnection c : new ArrayList<>(conns.values())) {
            if (c.deadline != 0 && now - c.deadline >= 0) {
                c.timeout(now);
            }
        }
    }

    /**
     * After every round of events: each connection sends what it can and acknowledges what it
     * got; {@code late} (the end of a CPU slice, or the NAT thread) sends the held ACKs too.
     */
    void flushAll(boolean late) {
        waitingForRoom = false;
        if (late) {
            acksHeld = false;
        }
        for (TcpConnection c : conns.values()) {
            c.flush(late);
        }
    }

    void closeAll() {
        for (TcpConnection c : new ArrayList<>(conns.values())) {
            c.abort();
        }
    }

    void describe(StringBuilder sb) {
        for (TcpConnection c : conns.values()) {
            sb.append(c.describe()).append('\n');
        }
    }

    /**
     * Builds and emits one segment from (src, srcPort) to (dst, dstPort), with {@code data[off,
     * off+n)} as payload and {@code options} (a multiple of 4 bytes, or null).
     */
    void sendRaw(int src, int srcPort, int dst, int dstPort, int seq, int ack, int flags, int window,
                 byte[] data, int off, int n, byte[] options) {
        net.emit(build(src, srcPort, dst, dstPort, seq, ack, flags, window, data, off, n, options));
    }

    /**
     * As {@link #sendRaw}, for data: the segment may be larger than the MTU and goes to the guest
     * as one ({@link UserNet#emitSegment}), to be cut into pieces of {@code mss} where it must be.
     */
    void sendData(int src, int srcPort, int dst, int dstPort, int seq, int ack, int flags, int window,
                  byte[] data, int off, int n, int mss) {
        net.emitSegment(build(src, srcPort, dst, dstPort, seq, ack, flags, window, data, off, n, null), mss);
    }

    private byte[] build(int src, int srcPort, int dst, int dstPort, int seq, int ack, int flags, int window,
                         byte[] data, int off, int n, byte[] options) {
        int hl = 20 + (options == null ? 0 : options.length);
        byte[] r = Packets.ipv4Frame(net.guestMac, src, dst, Packets.PROTO_TCP, hl + n, net.nextIpId());
        int o = Packets.ETH + 20;
        Packets.put16(r, o, srcPort);
        Packets.put16(r, o + 2, dstPort);
        Packets.put32(r, o + 4, seq);
        Packets.put32(r, o + 8, ack);
        Packets.put16(r, o + 12, (hl / 4) << 12 | flags);
        Packets.put16(r, o + 14, window);
        if (options != null) {
            System.arraycopy(options, 0, r, o + 20, options.length);
        }
        if (n > 0) {
            System.arraycopy(data, off, r, o + hl, n);
        }
        Packets.put16(r, o + 16, Packets.transportChecksum(r, o, hl + n, src, dst, Packets.PROTO_TCP));
        return r;
    }

    /** One parsed TCP segment (header fields; the payload stays in the frame). */
    static final class Segment {
        final byte[] f;
        final int off;
        final int len;
        final int doff;
        final int srcPort;
        final int dstPort;
        final int seq;
        final int ackNo;
        final int flags;
        final int window;
        int mss = -1;
        int wscale = -1;

        Segment(byte[] f, int off, int len, int doff) {
            this.f = f;
            this.off = off;
            this.len = len;
            this.doff = doff;
            srcPort = Packets.u16(f, off);
            dstPort = Packets.u16(f, off + 2);
            seq = Packets.i32(f, off + 4);
            ackNo = Packets.i32(f, off + 8);
            flags = f[off + 13] & 0x3F;
            window = Packets.u16(f, off + 14);
            if (syn()) {
                parseOptions();
            }
        }

        /** MSS and window scale, from a SYN; a malformed option list ends the parse, nothing more. */
        private void parseOptions() {
            int i = off + 20;
            int end = off + doff;
            while (i < end) {
                int kind = f[i] & 0xFF;
                if (kind == 0) {
                    break;
                }
                if (kind == 1) {
                    i++;
                    continue;
                }
                if (i + 1 >= end) {
                    break;
                }
                int olen = f[i + 1] & 0xFF;
                if (olen < 2 || i + olen > end) {
                    break;
                }
                if (kind == 2 && olen == 4) {
                    mss = Packets.u16(f, i + 2);
                } else if (kind == 3 && olen == 3) {
                    wscale = Math.min(f[i + 2] & 0xFF, 14);
                }
                i += olen;
            }
        }

        boolean syn() {
            return (flags & TcpConnection.SYN) != 0;
        }

        boolean ack() {
            return (flags & TcpConnection.ACK) != 0;
        }

        boolean rst() {
            return (flags & TcpConnection.RST) != 0;
        }

        boolean fin() {
            return (flags & TcpConnection.FIN) != 0;
        }

        int dataOffset() {
            return off + doff;
        }

        int dataLength() {
            return len - doff;
        }
    }
}
