package jlguest.usernet;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import jlguest.devices.virtio.net.NetBackend;

/**
 * The guest's side of the wire for the NAT's unit tests: builds frames by hand (the guest is
 * 10.0.2.15 at 52:54:00:12:34:56), hands them to a {@link UserNet} and collects what it sends
 * back. Frames the tests do not wait for are kept, so a test can look for "any frame like this".
 */
final class TestGuest implements AutoCloseable {
    static final byte[] MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    static final int IP = 0x0A00020F;
    static final int GW = 0x0A000202;
    static final int DNS = 0x0A000203;

    final UserNet net;
    final LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    /** TCP frames for guest ports a {@link GuestTcp} owns go to its queue instead. */
    final java.util.Map<Integer, LinkedBlockingQueue<byte[]>> byPort = new java.util.concurrent.ConcurrentHashMap<>();
    volatile int room = Integer.MAX_VALUE;
    /** When set, the sink takes large segments whole (as a device whose guest has GUEST_TSO4). */
    volatile boolean largeSegments;
    /** Every segment handed to the sink as one: its frame length and its gso size. */
    final java.util.List<int[]> segments = new java.util.concurrent.CopyOnWriteArrayList<>();

    TestGuest(UserNetConfig config) {
        net = new UserNet(config, MAC, 1500);
        net.start(new NetBackend.Sink() {
            @Override
            public void frame(byte[] frame, int length) {
                byte[] f = java.util.Arrays.copyOf(frame, length);
                if (isIpv4(f, Packets.PROTO_TCP)) {
                    LinkedBlockingQueue<byte[]> q = byPort.get(Packets.u16(f, l4(f) + 2));
                    if (q != null) {
                        q.add(f);
                        return;
                    }
                }
                received.add(f);
            }

            @Override
            public void linkChanged() {
            }

            @Override
            public int room() {
                return room;
            }

            @Override
            public void segment(byte[] frame, int length, int gsoSize) {
                segments.add(new int[] {length, gsoSize});
                if (largeSegments) {
                    frame(frame, length);
                } else {
                    NetBackend.Sink.super.segment(frame, length, gsoSize);
                }
            }

            @Override
            public boolean takesLargeSegments() {
                return largeSegments;
            }
        });
    }

    TestGuest() {
        this(UserNetConfig.parse(List.of()));
    }

    void send(byte[] frame) {
        net.send(frame, 0, frame.length);
        net.endOfBatch();
        net.tick();   // as if the CPU's slice ended after every frame
    }

    /** The next received frame matching {@code p} within 5 s (others are dropped), or null. */
    byte[] await(Predicate<byte[]> p) throws InterruptedException {
        return await(p, 5000);
    }

    byte[] await(Predicate<byte[]> p, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (true) {
            long left = end - System.currentTimeMillis();
            if (left <= 0) {
                return null;
            }
            byte[] f = received.poll(left, TimeUnit.MILLISECONDS);
            if (f != null && p.test(f)) {
                return f;
            }
        }
    }

    // ---- frame builders --------------------------------------------------------------------

    static byte[] ipv4(int src, int dst, int proto, byte[] payload) {
        byte[] f = new byte[14 + 20 + payload.length];
        System.arraycopy(Packets.GATEWAY_MAC, 0, f, 0, 6);
        System.arraycopy(MAC, 0, f, 6, 6);
        Packets.put16(f, 12, 0x0800);
        Packets.ipv4Header(f, 14, src, dst, proto, 20 + payload.length, 1, 0);
        System.arraycopy(payload, 0, f, 34, payload.length);
        return f;
    }

    static byte[] udp(int src, int sport, int dst, int dport, byte[] data) {
        byte[] u = new byte[8 + data.length];
        Packets.put16(u, 0, sport);
        Packets.put16(u, 2, dport);
        Packets.put16(u, 4, u.length);
        System.arraycopy(data, 0, u, 8, data.length);
        int sum = Packets.transportChecksum(u, 0, u.length, src, dst, Packets.PROTO_UDP);
        Packets.put16(u, 6, sum == 0 ? 0xFFFF : sum);
        return ipv4(src, dst, Packets.PROTO_UDP, u);
    }

    static byte[] tcp(int sport, int dst, int dport, int seq, int ack, int flags, int window, byte[] options,
                      byte[] data, int off, int n) {
        int hl = 20 + (options == null ? 0 : options.length);
        byte[] t = new byte[hl + n];
        Packets.put16(t, 0, sport);
        Packets.put16(t, 2, dport);
        Packets.put32(t, 4, seq);
        Packets.put32(t, 8, ack);
        Packets.put16(t, 12, (hl / 4) << 12 | flags);
        Packets.put16(t, 14, window);
        if (options != null) {
            System.arraycopy(options, 0, t, 20, options.length);
        }
        if (n > 0) {
            System.arraycopy(data, off, t, hl, n);
        }
        Packets.put16(t, 16, Packets.transportChecksum(t, 0, t.length, IP, dst, Packets.PROTO_TCP));
        return ipv4(IP, dst, Packets.PROTO_TCP, t);
    }

    static byte[] tcp(int sport, int dst, int dport, int seq, int ack, int flags, int window) {
        return tcp(sport, dst, dport, seq, ack, flags, window, null, null, 0, 0);
    }

    // ---- received frame fields ---------------------------------------------------------------

    static boolean isIpv4(byte[] f, int proto) {
        return f.length >= 34 && Packets.u16(f, 12) == 0x0800 && (f[23] & 0xFF) == proto;
    }

    static int ipSrc(byte[] f) {
        return Packets.i32(f, 26);
    }

    static int ipDst(byte[] f) {
        return Packets.i32(f, 30);
    }

    /** Offset of the transport header. */
    static int l4(byte[] f) {
        return 14 + (f[14] & 0x0F) * 4;
    }

    static boolean isTcp(byte[] f, int guestPort) {
        return isIpv4(f, Packets.PROTO_TCP) && Packets.u16(f, l4(f) + 2) == guestPort;
    }

    static int tcpFlags(byte[] f) {
        return f[l4(f) + 13] & 0x3F;
    }

    static int tcpSeq(byte[] f) {
        return Packets.i32(f, l4(f) + 4);
    }

    static int tcpAck(byte[] f) {
        return Packets.i32(f, l4(f) + 8);
    }

    static int tcpWindow(byte[] f) {
        return Packets.u16(f, l4(f) + 14);
    }

    static int tcpDataOffset(byte[] f) {
        return l4(f) + (f[l4(f) + 12] >>> 4 & 0x0F) * 4;
    }

    static int tcpDataLength(byte[] f) {
        return 14 + Packets.u16(f, 16) - tcpDataOffset(f);
    }

    /** True when the IPv4 header and the TCP/UDP checksum of a received frame are right. */
    static boolean checksumsOk(byte[] f) {
        int ihl = (f[14] & 0x0F) * 4;
        if (Packets.checksum(f, 14, ihl) != 0) {
            return false;
        }
        int len = Packets.u16(f, 16) - ihl;
        int proto = f[23] & 0xFF;
        if (proto == Packets.PROTO_ICMP) {
            return Packets.checksum(f, 14 + ihl, len) == 0;
        }
        return Packets.transportChecksum(f, 14 + ihl, len, ipSrc(f), ipDst(f), proto) == 0;
    }

    @Override
    public void close() {
        net.close();
    }
}
