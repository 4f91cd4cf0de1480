package jlguest.usernet;

/**
 * Byte-level helpers for the NAT's frames: big-endian fields, the Internet checksum, and the
 * builders for the Ethernet + IPv4 frames we send to the guest.
 *
 * <p>Everything that reads a guest frame goes through bounds already checked by the caller; the
 * builders only ever see lengths we chose.
 */
final class Packets {
    static final int ETH = 14;
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_ARP = 0x0806;
    static final int PROTO_ICMP = 1;
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;
    static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
    /** The MAC our side of the link answers with, as slirp's 52:55:0a:00:02:02 for 10.0.2.2. */
    static final byte[] GATEWAY_MAC = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};

    private Packets() {
    }

    static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) << 8 | b[off + 1] & 0xFF;
    }

    static int i32(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | b[off + 3] & 0xFF;
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static void put32(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** The ones'-complement sum of b[off, off+len), folded to 16 bits, starting from {@code sum}. */
    static int sum(byte[] b, int off, int len, int sum) {
        long s = sum;
        int end = off + len - 1;
        int i = off;
        for (; i < end; i += 2) {
            s += (b[i] & 0xFF) << 8 | b[i + 1] & 0xFF;
        }
        if (i == end) {
            s += (b[i] & 0xFF) << 8;
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    /** The Internet checksum (RFC 1071) of b[off, off+len). */
    static int checksum(byte[] b, int off, int len) {
        return ~sum(b, off, len, 0) & 0xFFFF;
    }

    /** The TCP/UDP pseudo-header sum: source, destination, protocol, length. */
    static int pseudo(int src, int dst, int proto, int len) {
        long s = (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + proto + len;
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    /** Checksum of a transport segment at b[off, off+len) with its pseudo-header. */
    static int transportChecksum(byte[] b, int off, int len, int src, int dst, int proto) {
        return ~sum(b, off, len, pseudo(src, dst, proto, len)) & 0xFFFF;
    }

    /**
     * A new frame: Ethernet header (to {@code dstMac} from the gateway), IPv4 header (no options,
     * DF clear, TTL 64) and room for {@code payload} bytes after it. The IP checksum is filled in;
     * the caller writes the payload at {@code ETH + 20}.
     */
    static byte[] ipv4Frame(byte[] dstMac, int src, int dst, int proto, int payload, int id) {
        byte[] f = new byte[ETH + 20 + payload];
        System.arraycopy(dstMac, 0, f, 0, 6);
        System.arraycopy(GATEWAY_MAC, 0, f, 6, 6);
        put16(f, 12, ETHERTYPE_IPV4);
        ipv4Header(f, ETH, src, dst, proto, 20 + payload, id, 0);
        return f;
    }

    /** Writes a 20-byte IPv4 header at {@code off}; {@code fragment} is the flags+offset field. */
    static void ipv4Header(byte[] f, int off, int src, int dst, int proto, int totalLength, int id, int fragment) {
        f[off] = 0x45;
        f[off + 1] = 0;
        put16(f, off + 2, totalLength);
        put16(f, off + 4, id);
        put16(f, off + 6, fragment);
        f[off + 8] = 64;
        f[off + 9] = (byte) proto;
        put16(f, off + 10, 0);
        put32(f, off + 12, src);
        put32(f, off + 16, dst);
        put16(f, off + 10, checksum(f, off, 20));
    }

    static String ip(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 0xFF) + "." + (a >>> 8 & 0xFF) + "." + (a & 0xFF);
    }
}
