package jlguest.usernet;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One TCP connection through the NAT: the guest's TCP talks to ours, and ours splices the bytes
 * to a host SocketChannel.
 *
 * <p>tour:net:300 Each direction has one bounded ring buffer. Host bytes wait in {@code out}
 * until the guest acknowledges them (they may need sending again); when it is full we stop
 * reading the host socket, so the host's TCP sees a full window: backpressure. Guest bytes wait
 * in {@code in} until the host socket takes them; the window we advertise to the guest is the
 * room left in it, so a host peer that stops reading closes the guest's window. The retransmission
 * is go-back-N from the oldest unacknowledged byte on a doubling timer; a zero window from the
 * guest is probed on the same timer and may last forever without costing more memory.
 *
 * <p>All of it runs on the NAT thread.
 */
final class TcpConnection {
    static final int FIN = 1;
    static final int SYN = 2;
    static final int RST = 4;
    static final int PSH = 8;
    static final int ACK = 16;

    static final int TO_GUEST_BUFFER = 256 * 1024;
    /** Ethernet, IPv4 and TCP headers (no options) of a data segment to the guest. */
    static final int HEADERS = 14 + 20 + 20;
    static final int FROM_GUEST_BUFFER = 256 * 1024;
    /** Our window scale: 256 KiB of room is advertised as 65,535 units of 4 bytes. */
    static final int RCV_SHIFT = 2;
    static final long RTO_MIN = 300_000_000L;
    static final long RTO_MAX = 10_000_000_000L;
    static final long CONNECT_TIMEOUT = 75_000_000_000L;
    static final int MAX_RETRIES = 12;
    static final int MAX_SYN_RETRIES = 6;
    /**
     * In-order bytes from the guest we acknowledge at once (else at the slice's end), or half the
     * window we offered if that is less. Three quarters of a 64 KiB TSO segment: a full one gets
     * its ACK at once, a burst of smaller ones one ACK between them (see {@link #data}).
     */
    static final int ACK_AT_ONCE = 48 * 1024;
    /** At most this many out-of-order segments are kept per connection (and never more than its window). */
    static final int MAX_EARLY = 32;

    private record Early(int seq, byte[] data, boolean fin) {
    }

    enum State { CONNECTING, SYN_SENT, SYN_RCVD, ESTABLISHED }

    final TcpNat nat;
    final UserNet net;
    final int guestIp;
    final int guestPort;
    final int farIp;
    final int farPort;
    State state;
    SocketChannel ch;
    private SelectionKey key;
    private String hostName = "?";

    // guest -> host
    private int rcvNxt;
    private byte[] in;
    private int inHead;
    private int inLen;
    private int advertised;
    private boolean finFromGuest;
    private boolean hostOutputShut;

    // host -> guest
    private final int iss;
    private int sndUna;
    private int sndNxt;
    private int sndMax;
    private int sndWndRight;
    private int sndShift;
    private boolean scaleOk;
    private int mss = 536;
    private byte[] out;
    private int outHead;
    private int outLen;
    private boolean hostEof;
    private boolean finSent;
    private boolean finAcked;

    long deadline;
    private boolean closed;
    private long rto = RTO_MIN;
    private int retries;
    private boolean ackPending;
    /** An ACK we owe but may hold until the end of the CPU's slice (delayed ACK). */
    private boolean ackHeld;
    /** rcvNxt as our last segment to the guest acknowledged it. */
    private int lastAcked;
    /** Segments that arrived beyond a hole, waiting for it to fill. */
    private final java.util.ArrayList<Early> early = new java.util.ArrayList<>();
    private int earlyBytes;
    private long toGuest;
    private long toHost;

    TcpConnection(TcpNat nat, int guestIp, int guestPort, int farIp, int farPort) {
        this.nat = nat;
        this.net = nat.net;
        this.guestIp = guestIp;
        this.guestPort = guestPort;
        this.farIp = farIp;
        this.farPort = farPort;
        this.iss = (int) (System.nanoTime() ^ (long) guestPort << 16 ^ farPort * 0x9E3779B1L);
        this.sndUna = iss;
        this.sndNxt = iss;
        this.sndMax = iss;
    }

    private int maxMss() {
        return net.mtu - 40;
    }

    /** The guest's SYN: its sequence number and options. */
    void guestSyn(TcpNat.Segment s) {
        rcvNxt = s.seq + 1;
        peerOptions(s);
        state = State.CONNECTING;
        deadline = System.nanoTime() + CONNECT_TIMEOUT;
    }

    private void peerOptions(TcpNat.Segment s) {
        mss = Math.max(64, Math.min(s.mss > 0 ? s.mss : 536, maxMss()));
        scaleOk = s.wscale >= 0;
        sndShift = scaleOk ? s.wscale : 0;
        sndWndRight = s.seq;   // set for real by the first ACK
    }

    void connect(InetSocketAddress to) {
        hostName = to.getAddress().getHostAddress() + ":" + to.getPort();
        try {
            ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            boolean now = ch.connect(to);
            key = ch.register(net.selector, now ? 0 : SelectionKey.OP_CONNECT, this);
            net.selectorStale = true;
            if (now) {
                connected();
            }
        } catch (IOException | RuntimeException e) {
            refusedByHost();
        }
    }

    /** A hostfwd client accepted on the host: we send the guest a SYN. */
    void forwarded(SocketChannel accepted) {
        ch = accepted;
        try {
            InetSocketAddress a = (InetSocketAddress) ch.getRemoteAddress();
            hostName = a.getAddress().getHostAddress() + ":" + a.getPort();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            key = ch.register(net.selector, 0, this);
        } catch (IOException | RuntimeException e) {
            abort();
            return;
        }
        state = State.SYN_SENT;
        sendSyn(false);
    }

    private void sendSyn(boolean withAck) {
        byte[] opts = withAck && !scaleOk ? new byte[4] : new byte[8];
        opts[0] = 2;
        opts[1] = 4;
        Packets.put16(opts, 2, maxMss());
        if (opts.length == 8) {
            opts[4] = 1;   // NOP
            opts[5] = 3;   // window scale: ours is 2 (a 256 KiB window), used if the guest scales too
            opts[6] = 3;
            opts[7] = RCV_SHIFT;
        }
        nat.sendRaw(farIp, farPort, guestIp, guestPort, iss, withAck ? rcvNxt : 0, withAck ? SYN | ACK : SYN,
                65535, null, 0, 0, opts);
        sndNxt = iss + 1;
        sndMax = sndNxt;
        deadline = System.nanoTime() + rto;
    }

    /**
     * tour:net:210 The host's connect() finished. Success: only now do we answer the guest's SYN
     * with our SYN-ACK (our MSS, and a window scale when the guest offered one, so its window can
     * grow past 64 KiB). The guest's ACK of it makes the connection ESTABLISHED and the bytes
     * start flowing both ways. Failure (ECONNREFUSED): a RST, and the guest's connect() fails at
     * once with "Connection refused", exactly as it would on the host.
     */
    private void connected() {
        state = State.SYN_RCVD;
        retries = 0;
        sendSyn(true);
        setInterest(0);
    }

    private void refusedByHost() {
        nat.sendRaw(farIp, farPort, guestIp, guestPort, 0, rcvNxt, RST | ACK, 0, null, 0, 0, null);
        close();
    }

    private void established() {
        state = State.ESTABLISHED;
        in = new byte[FROM_GUEST_BUFFER];
        out = new byte[TO_GUEST_BUFFER];
        advertised = window();
        retries = 0;
        rto = RTO_MIN;
        deadline = 0;
        setInterest(SelectionKey.OP_READ);
    }

    /** The NAT thread: this connection's socket is ready. */
    void ready(SelectionKey k) {
        if (k.isConnectable()) {
            try {
                if (ch.finishConnect()) {
                    connected();
                }
            } catch (IOException e) {
                refusedByHost();
            }
            return;
        }
        if (k.isValid() && k.isReadable()) {
            readHost();
        }
        if (k.isValid() && k.isWritable()) {
            writeHost();
        }
    }

    private void setInterest(int ops) {
        if (key != null && key.isValid() && key.interestOps() != ops) {
            key.interestOps(ops);
            net.selectorStale = true;
        }
    }

    private void interest(int op, boolean on) {
        if (key != null && key.isValid()) {
            int ops = key.interestOps();
            int want = on ? ops | op : ops & ~op;
            if (want != ops) {
                key.interestOps(want);
                net.selectorStale = true;
            }
        }
    }

    private void readHost() {
        if (state != State.ESTABLISHED || hostEof) {
            interest(SelectionKey.OP_READ, false);
            return;
        }
        int space = out.length - outLen;
        if (space == 0) {
            interest(SelectionKey.OP_READ, false);   // backpressure: the host's TCP sees a full window
            return;
        }
        int tail = (outHead + outLen) % out.length;
        int n = Math.min(space, out.length - tail);
        try {
            int r = ch.read(ByteBuffer.wrap(out, tail, n));
            if (r < 0) {
                hostEof = true;
                interest(SelectionKey.OP_READ, false);
            } else {
                outLen += r;
            }
        } catch (IOException e) {
            resetGuest();
        }
    }

    private void writeHost() {
        if (in == null) {
            return;
        }
        try {
            while (inLen > 0) {
                int n = Math.min(inLen, in.length - inHead);
                int w = ch.write(ByteBuffer.wrap(in, inHead, n));
                inHead = (inHead + w) % in.length;
                inLen -= w;
                toHost += w;
                if (w < n) {
                    break;
                }
            }
            interest(SelectionKey.OP_WRITE, inLen > 0);
            if (inLen == 0 && finFromGuest && !hostOutputShut) {
                hostOutputShut = true;
                ch.shutdownOutput();
            }
        } catch (IOException e) {
            resetGuest();
            return;
        }
        int w = window();
        if (w - advertised >= 2 * mss || (advertised < mss && w >= mss)) {
            ackPending = true;   // a window update: the guest may have stopped on a small window
        }
        maybeDone();
    }

    /** The room in {@code in} we offer the guest, in bytes (64 KiB at most unless both sides scale). */
    private int window() {
        return Math.min(scaleOk ? 65535 << RCV_SHIFT : 65535, in.length - inLen);
    }

    /** A segment from the guest for this connection. */
    void segment(TcpNat.Segment s) {
        if (closed) {
            return;
        }
        if (s.rst()) {
            if (state == State.SYN_SENT ? s.ack() && s.ackNo == iss + 1 : inWindow(s.seq)) {
                abort();   // the guest reset it (a closed port behind a forward, or an abort)
            }
            return;
        }
        switch (state) {
            case CONNECTING -> { }   // a repeated SYN while the host connects: the answer is coming
            case SYN_SENT -> {
                if (s.syn() && s.ack() && s.ackNo == iss + 1) {
                    rcvNxt = s.seq + 1;
                    peerOptions(s);
                    sndUna = iss + 1;
                    sndWndRight = sndUna + (s.window << sndShift);
                    established();
                    ackPending = true;
                } else if (s.ack()) {
                    nat.refuse(guestIp, farIp, s);
                }
            }
            case SYN_RCVD -> {
                if (s.syn() && !s.ack()) {
                    sendSyn(true);   // our SYN-ACK was lost: again
                } else if (s.ack() && s.ackNo == iss + 1) {
                    sndUna = iss + 1;
                    sndWndRight = sndUna + (s.window << sndShift);
                    established();
                    data(s);
                } else if (s.ack()) {
                    nat.refuse(guestIp, farIp, s);
                }
            }
            case ESTABLISHED -> {
                if (s.syn()) {
                    ackPending = true;   // a stray SYN: remind the guest where we are
                } else if (s.ack()) {
                    acknowledged(s);
                    data(s);
                }
            }
        }
        maybeDone();
    }

    private boolean inWindow(int seq) {
        return seq - rcvNxt >= 0 && seq - rcvNxt <= (in == null ? 65535 : in.length);
    }

    /** The guest acknowledged up to {@code ackNo} and offers a window from there. */
    private void acknowledged(TcpNat.Segment s) {
        int ack = s.ackNo;
        if (ack - sndUna > 0 && ack - sndMax <= 0) {
            int acked = ack - sndUna;
            int data = Math.min(acked, outLen);
            outHead = (outHead + data) % out.length;
            outLen -= data;
            toGuest += data;
            if (finSent && acked > data) {
                finAcked = true;
            }
            sndUna = ack;
            if (sndNxt - ack < 0) {
                sndNxt = ack;
            }
            retries = 0;
            rto = RTO_MIN;
            if (!hostEof && outLen < out.length) {
                interest(SelectionKey.OP_READ, true);
            }
        }
        if (ack - sndUna >= 0) {
            int right = ack + (s.window << sndShift);
            if (right - sndWndRight > 0 || ack - sndUna > 0 || s.window == 0) {
                sndWndRight = right;
            }
            deadline = sndNxt != sndUna ? System.nanoTime() + rto : 0;
        }
    }

    /**
     * tour:net:310 The guest's bytes. In-order payload (and a FIN) goes into {@code in} and on to the
     * host socket at once. A segment beyond a hole is kept, up to {@link #MAX_EARLY} of them within
     * the window we offered, until the hole fills; it is answered at once with a duplicate ACK, so
     * the guest's fast retransmit fills the hole without waiting for its timer. The acknowledgement
     * of in-order data is delayed: at once for 48 KiB ({@link #ACK_AT_ONCE}, or half our window),
     * a FIN or a filled hole, otherwise at the end of the CPU's slice ({@link UserNet#tick}), which
     * comes within 50,000 guest instructions and always before the guest sleeps, so a guest that
     * waits for our ACK never waits long. RFC 1122 asks for an ACK every second full-sized segment;
     * we answer what the guest sent in a slice, as a receiver that merges segments (GRO) answers
     * each merged one. It matters for uploads: ACKed at every second segment, a guest sending
     * through a full socket buffer fell into sending 28 KiB TSO segments, each as soon as our ACK of
     * the last freed room, at 1.24-1.37 M instructions per MiB; ACKed per 48 KiB, it sends 60 KiB
     * ones at 0.83-0.98 M (docs/network.md).
     */
    private void data(TcpNat.Segment s) {
        int n = s.dataLength();
        if (n == 0 && !s.fin()) {
            return;
        }
        nat.segmentsIn += n > 0 ? 1 : 0;
        nat.bytesIn += n;
        if (finFromGuest) {
            ackPending = true;   // after the guest's FIN: nothing more is accepted
            return;
        }
        if (rcvNxt - s.seq < 0) {
            keepEarly(s.seq, s.f, s.dataOffset(), n, s.fin());
            ackPending = true;
            return;
        }
        int before = rcvNxt;
        accept(s.seq, s.f, s.dataOffset(), n, s.fin());
        boolean filled = false;
        for (int i = 0; i < early.size() && !finFromGuest; ) {
            Early e = early.get(i);
            if (e.seq - rcvNxt <= 0) {
                early.remove(i);
                earlyBytes -= e.data.length;
                accept(e.seq, e.data, 0, e.data.length, e.fin);
                filled = true;
                i = 0;   // rcvNxt moved: an earlier-listed segment may fit now
            } else {
                i++;
            }
        }
        if (rcvNxt == before || filled || finFromGuest
                || rcvNxt - lastAcked >= Math.min(ACK_AT_ONCE, Math.max(2 * mss, advertised / 2))) {
            ackPending = true;   // a duplicate, a full buffer, a filled hole, a FIN, or a burst's worth
        } else {
            nat.acksHeld = true;
            ackHeld = true;
        }
        writeHost();
    }

    /** Appends what of the bytes at [seq, seq+n) lies at rcvNxt and beyond, as far as {@code in} has room. */
    private void accept(int seq, byte[] b, int off, int n, boolean fin) {
        int skip = rcvNxt - seq;
        if (skip < 0 || skip > n) {
            return;
        }
        int take = Math.min(n - skip, in.length - inLen);
        if (take > 0) {
            int tail = (inHead + inLen) % in.length;
            int first = Math.min(take, in.length - tail);
            System.arraycopy(b, off + skip, in, tail, first);
            System.arraycopy(b, off + skip + first, in, 0, take - first);
            inLen += take;
            rcvNxt += take;
        }
        if (fin && skip + Math.max(take, 0) == n) {
            rcvNxt++;
            finFromGuest = true;
        }
    }

    /** An out-of-order segment: a copy of what lies inside our window, if the list has room. */
    private void keepEarly(int seq, byte[] b, int off, int n, boolean fin) {
        int ahead = seq - rcvNxt;
        int keep = Math.min(n, in.length - inLen - ahead);
        boolean finToo = fin && keep == n;
        if (keep <= 0 && !finToo || early.size() >= MAX_EARLY || earlyBytes + keep > in.length) {
            return;
        }
        for (Early e : early) {
            if (e.seq == seq && e.data.length >= keep) {
                return;   // already kept
            }
        }
        early.add(new Early(seq, java.util.Arrays.copyOfRange(b, off, off + keep), finToo));
        earlyBytes += keep;
    }

    /**
     * Sends what the window, the buffer and the device's room allow; then an owed ACK, and a held
     * one too when {@code late} (the end of a slice, or the NAT thread's turn).
     *
     * <p>tour:net:320 The host's bytes go to the guest in segments as large as three things allow:
     * the guest's window, the device's free room in bytes, and what the device can hand over
     * whole ({@link UserNet#segmentPayload}): 44 pieces of the guest's MSS, 64,240 bytes, when
     * its driver took GUEST_TSO4, else one MSS. Either way the segment goes out through
     * {@code Sink.segment} with the MSS as its gso size, and the device decides how the guest sees
     * it (tour:virtio:315). A download that took 45 trips through the guest's TCP/IP stack per
     * 64 KiB now takes one; through the NAT it went from 6 to 23-37 MB/s.
     */
    void flush(boolean late) {
        if (state != State.ESTABLISHED || closed) {
            return;
        }
        long now = System.nanoTime();
        int room = net.room();
        int most = net.segmentPayload(mss);
        while (!finSent) {
            int sent = sndNxt - sndUna;
            int n = Math.min(most, Math.min(outLen - sent, sndWndRight - sndNxt));
            if (n <= 0) {
                if (outLen - sent > 0) {
                    nat.windowStalls++;
                } else if (!hostEof) {
                    nat.dataStalls++;
                }
                break;
            }
            int fits = room - HEADERS;
            if (fits < Math.min(n, mss)) {
                nat.roomStalls++;
                nat.waitingForRoom = true;
                break;
            }
            if (n > fits) {
                n = fits / mss * mss;   // what the device's queue has room for, in whole pieces
            }
            int at = (outHead + sent) % out.length;
            int first = Math.min(n, out.length - at);
            byte[] data;
            int off;
            if (first == n) {
                data = out;
                off = at;
            } else {
                data = new byte[n];
                System.arraycopy(out, at, data, 0, first);
                System.arraycopy(out, 0, data, first, n - first);
                off = 0;
            }
            segmentToGuest(ACK | PSH, sndNxt, data, off, n);
            sndNxt += n;
            room -= HEADERS + n;
            if (sndNxt - sndMax > 0) {
                sndMax = sndNxt;
            }
            if (deadline == 0) {
                deadline = now + rto;
            }
        }
        if (hostEof && !finSent && sndNxt - sndUna == outLen && room >= HEADERS) {
            segmentToGuest(FIN | ACK, sndNxt, null, 0, 0);
            finSent = true;
            sndNxt++;
            if (sndNxt - sndMax > 0) {
                sndMax = sndNxt;
            }
            if (deadline == 0) {
                deadline = now + rto;
            }
        }
        if (deadline == 0 && outLen > sndNxt - sndUna && sndWndRight - sndNxt <= 0) {
            deadline = now + rto;   // a zero window with data waiting: probe it later
        }
        if (ackPending || late && ackHeld) {
            segmentToGuest(ACK, sndNxt, null, 0, 0);
        }
        if (!hostEof && outLen < out.length) {
            interest(SelectionKey.OP_READ, true);
        }
    }

    private void segmentToGuest(int flags, int seq, byte[] data, int off, int n) {
        int w = window();
        int field = scaleOk ? w >>> RCV_SHIFT : w;
        if (n > 0) {
            nat.sendData(farIp, farPort, guestIp, guestPort, seq, rcvNxt, flags, field, data, off, n, mss);
        } else {
            nat.sendRaw(farIp, farPort, guestIp, guestPort, seq, rcvNxt, flags, field, null, 0, 0, null);
            nat.pureAcks += flags == ACK ? 1 : 0;
        }
        advertised = w;
        ackPending = false;
        ackHeld = false;
        lastAcked = rcvNxt;
    }

    /** A timer went off: retransmit, probe a zero window, or give up. */
    void timeout(long now) {
        if (closed) {
            return;
        }
        switch (state) {
            case CONNECTING -> refusedByHost();   // the host never answered our connect()
            case SYN_SENT, SYN_RCVD -> {
                if (++retries > MAX_SYN_RETRIES) {
                    if (state == State.SYN_RCVD) {
                        nat.sendRaw(farIp, farPort, guestIp, guestPort, iss + 1, rcvNxt, RST | ACK, 0, null, 0, 0, null);
                    }
                    abort();
                    return;
                }
                rto = Math.min(rto * 2, RTO_MAX);
                sendSyn(state == State.SYN_RCVD);
            }
            case ESTABLISHED -> {
                if (sndNxt != sndUna) {
                    if (++retries > MAX_RETRIES) {
                        resetGuest();
                        return;
                    }
                    sndNxt = sndUna;   // go back: everything unacknowledged goes again
                    nat.retransmits++;
                    finSent = false;
                    rto = Math.min(rto * 2, RTO_MAX);
                    deadline = 0;
                    if (sndWndRight - sndNxt <= 0 && outLen > 0) {
                        // ...but the window is shut: fall through to a probe
                        probe(now);
                    }
                } else if (outLen > 0 || (hostEof && !finSent)) {
                    probe(now);
                } else {
                    deadline = 0;
                }
            }
        }
    }

    /** A zero-window probe: an old sequence number makes the guest answer with its window. */
    private void probe(long now) {
        segmentToGuest(ACK, sndUna - 1, null, 0, 0);
        nat.probes++;
        rto = Math.min(rto * 2, RTO_MAX);
        deadline = now + rto;
    }

    /** Both directions closed and our FIN acknowledged: the connection is over. */
    private void maybeDone() {
        if (state == State.ESTABLISHED && finFromGuest && hostOutputShut && finAcked) {
            close();
        }
    }

    /** The host side failed: tell the guest with a RST and forget the connection. */
    private void resetGuest() {
        nat.sendRaw(farIp, farPort, guestIp, guestPort, sndNxt, rcvNxt, RST | ACK, 0, null, 0, 0, null);
        close();
    }

    /** The guest reset it (or we must drop it): reset the host side too, and forget it. */
    void abort() {
        if (ch != null && ch.isOpen()) {
            try {
                ch.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException | RuntimeException ignored) {
                // close anyway
            }
        }
        close();
    }

    private void close() {
        closed = true;
        nat.remove(this);
        deadline = 0;
        if (key != null) {
            key.cancel();
        }
        closeQuietly(ch);
    }

    static void closeQuietly(SocketChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    String describe() {
        String st = state == State.ESTABLISHED
                ? (finFromGuest || hostEof ? "CLOSING" : "ESTABLISHED") : state.name();
        return String.format("  %-5s %-21s %-21s %-12s %8d %8d  (sent %d, received %d bytes)", "tcp",
                Packets.ip(guestIp) + ":" + guestPort, hostName, st, outLen, inLen, toGuest, toHost);
    }
}
