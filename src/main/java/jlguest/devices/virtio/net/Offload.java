package jlguest.devices.virtio.net;

/**
 * The work a network card does for its driver, done here in Java: the TCP/UDP checksum the
 * guest left to "the hardware" and the cutting of a large TCP segment into MTU-sized ones
 * (TSO).
 *
 * <p>tour:virtio:305 Why offer offloads at all, with no hardware behind us? Because the guest's
 * kernel is interpreted, and every packet costs it thousands of emulated instructions in its
 * TCP/IP stack and driver, while a checksum or a split costs us a few microseconds of real CPU.
 * With CSUM and HOST_TSO4 negotiated, the guest hands over one segment of up to 64 KiB with a
 * header that says {@code NEEDS_CSUM} (sum the bytes from {@code csum_start} to the end and store
 * the result at {@code csum_start + csum_offset}; the guest already put the pseudo-header's sum
 * there) and {@code GSO_TCPV4} with {@code gso_size}, the MSS. We cut it as a NIC would: the same
 * Ethernet, IP and TCP headers on each piece, the IP length, ID and checksum and the TCP
 * sequence number advanced, FIN and PSH only on the last piece, CWR only on the first. So the
 * guest's stack runs once per 64 KiB instead of once per 1,460 bytes, and backends still see
 * ordinary frames that fit the MTU. Anything inconsistent (offsets past the frame, a header that
 * is not IPv4/TCP, a piece larger than the MTU) is refused whole, never half-sent.
 */
final class Offload {
    /** Feature bits (virtio 1.x section 5.1.3). */
    static final int F_CSUM = 0;
    static final int F_GUEST_CSUM = 1;
    static final int F_GUEST_TSO4 = 7;
    static final int F_HOST_TSO4 = 11;
    static final int F_MRG_RXBUF = 15;

    /** virtio_net_hdr flags and gso_type values. */
    static final int NEEDS_CSUM = 1;
    static final int DATA_VALID = 2;
    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_ECN = 0x80;

    /** The largest frame a TSO segment may be: Ethernet header plus the largest IPv4 packet. */
    static final int MAX_GSO_FRAME = 14 + 65535;
    /** Linux never cuts smaller than this (TCP_MIN_SND_MSS); smaller would only multiply frames. */
    static final int MIN_GSO_SIZE = 48;

    private static final int ETH = 14;
    private static final int FIN = 0x01;
    private static final int PSH = 0x08;
    private static final int CWR = 0x80;

    /** Where finished frames go. */
    interface Out {
        void frame(byte[] frame, int length);
    }

    private Offload() {
    }

    /**
     * Finishes the frame {@code f[0, len)} as its 12-byte virtio_net header {@code hdr} asks and
     * hands the result (one frame, or a TSO segment's pieces) to {@code out}. Returns false, with
     * nothing handed on, when the header and the frame do not agree.
     */
    static boolean finish(byte[] hdr, byte[] f, int len, int mtu, Out out) {
        int flags = hdr[0] & 0xFF;
        int gso = hdr[1] & 0xFF & ~GSO_ECN;
        if (gso == GSO_NONE) {
            if (len > mtu + 18) {
                return false;
            }
            if ((flags & NEEDS_CSUM) != 0 && !fillChecksum(f, len, le16(hdr, 6), le16(hdr, 8))) {
                return false;
            }
            out.frame(f, len);
            return true;
        }
        return gso == GSO_TCPV4 && cut(f, len, le16(hdr, 4), mtu, out);
    }

    /** NEEDS_CSUM: the ones'-complement sum of f[start, len) goes to f[start + offset]. */
    private static boolean fillChecksum(byte[] f, int len, int start, int offset) {
        if (start + offset + 2 > len || start >= len) {
            return false;
        }
        int sum = ~sum(f, start, len - start, 0) & 0xFFFF;
        put16(f, start + offset, sum == 0 ? 0xFFFF : sum);   // as Linux's skb_checksum_help (CSUM_MANGLED_0)
        return true;
    }

    /**
     * The length of the Ethernet, IPv4 and TCP headers of {@code f[0, len)}, or -1 when it is not
     * an IPv4 TCP frame whose headers fit inside it.
     */
    static int tcpHeaders(byte[] f, int len) {
        if (len < ETH + 40 || be16(f, 12) != 0x0800) {
            return -1;
        }
        int ihl = (f[ETH] & 0x0F) * 4;
        if ((f[ETH] & 0xF0) != 0x40 || ihl < 20 || (f[ETH + 9] & 0xFF) != 6 || ETH + ihl + 20 > len) {
            return -1;
        }
        int doff = (f[ETH + ihl + 12] >>> 4 & 0x0F) * 4;
        int headers = ETH + ihl + doff;
        return doff < 20 || headers > len ? -1 : headers;
    }

    /**
     * True when {@code f[0, len)} is a whole (unfragmented) IPv4 TCP packet whose IP header and
     * TCP checksums both verify: what a NIC checks before it tells its driver DATA_VALID.
     */
    static boolean tcpChecksumsGood(byte[] f, int len) {
        int headers = tcpHeaders(f, len);
        if (headers < 0) {
            return false;
        }
        int ihl = (f[ETH] & 0x0F) * 4;
        int total = be16(f, ETH + 2);
        if (ETH + total > len || ETH + total < headers || (be16(f, ETH + 6) & 0x3FFF) != 0
                || sum(f, ETH, ihl, 0) != 0xFFFF) {
            return false;
        }
        int src = i32(f, ETH + 12);
        int dst = i32(f, ETH + 16);
        int tcpLen = total - ihl;
        int pseudo = (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + 6 + tcpLen;
        return sum(f, ETH + ihl, tcpLen, pseudo) == 0xFFFF;
    }

    /**
     * GSO_TCPV4: cuts the TCP payload of {@code f[0, len)} into pieces of {@code mss} bytes, each
     * with its own headers and checksums, and hands them to {@code out}. Both directions use it:
     * a guest's TSO segment on its way out, and a large segment on its way in to a guest that
     * cannot take it whole. False, with nothing handed on, when the frame is not one we can cut.
     */
    static boolean cut(byte[] f, int len, int mss, int mtu, Out out) {
        int headers = tcpHeaders(f, len);
        if (headers < 0 || len > MAX_GSO_FRAME || mss < MIN_GSO_SIZE || headers - ETH + mss > mtu) {
            return false;
        }
        int ihl = (f[ETH] & 0x0F) * 4;
        int tcp = ETH + ihl;
        int doff = headers - tcp;
        int payload = len - headers;
        int id = be16(f, ETH + 4);
        int seq = i32(f, tcp + 4);
        int tcpFlags = f[tcp + 13] & 0xFF;
        int src = i32(f, ETH + 12);
        int dst = i32(f, ETH + 16);
        int pieces = Math.max(1, (payload + mss - 1) / mss);
        for (int i = 0; i < pieces; i++) {
            int at = i * mss;
            int n = Math.min(mss, payload - at);
            byte[] p = new byte[headers + n];
            System.arraycopy(f, 0, p, 0, headers);
            System.arraycopy(f, headers + at, p, headers, n);
            put16(p, ETH + 2, ihl + doff + n);
            put16(p, ETH + 4, id + i);
            put16(p, ETH + 10, 0);
            put16(p, ETH + 10, ~sum(p, ETH, ihl, 0) & 0xFFFF);
            put32(p, tcp + 4, seq + at);
            int fl = tcpFlags;
            if (i < pieces - 1) {
                fl &= ~(FIN | PSH);
            }
            if (i > 0) {
                fl &= ~CWR;
            }
            p[tcp + 13] = (byte) fl;
            put16(p, tcp + 16, 0);
            int pseudo = (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + 6 + doff + n;
            put16(p, tcp + 16, ~sum(p, tcp, doff + n, pseudo) & 0xFFFF);
            out.frame(p, p.length);
        }
        return true;
    }

    /** The ones'-complement sum of b[off, off+len) added to {@code start}, folded to 16 bits. */
    static int sum(byte[] b, int off, int len, int start) {
        long s = start & 0xFFFFFFFFL;
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

    static int le16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    static int be16(byte[] b, int off) {
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
}
