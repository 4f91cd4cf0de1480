package jlguest.usernet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * IPv4 fragment reassembly (RFC 791), bounded: at most {@link #MAX_DATAGRAMS} datagrams in
 * progress, each at most 65,535 bytes and {@link #TIMEOUT_NANOS} old. A fragment that overlaps one
 * already held discards the whole datagram (the safe answer of RFC 5722: overlaps are how
 * filters are evaded, never how honest senders behave). When the table is full the oldest
 * datagram in progress gives way.
 */
final class Reassembly {
    static final int MAX_DATAGRAMS = 16;
    static final long TIMEOUT_NANOS = 10_000_000_000L;

    private static final class Datagram {
        final int src;
        final int dst;
        final int id;
        final int proto;
        final long started;
        byte[] data = new byte[0];                     // grows to the highest byte held
        final List<int[]> pieces = new ArrayList<>();   // [start, end) byte ranges held
        int total = -1;                                  // known once the last fragment arrives

        Datagram(int src, int dst, int id, int proto, long now) {
            this.src = src;
            this.dst = dst;
            this.id = id;
            this.proto = proto;
            this.started = now;
        }

        boolean matches(int s, int d, int i, int p) {
            return src == s && dst == d && id == i && proto == p;
        }
    }

    private final List<Datagram> inProgress = new ArrayList<>();
    long dropped;

    int inProgress() {
        return inProgress.size();
    }

    /**
     * Adds one fragment ({@code payload} bytes at byte offset {@code offset}); returns the whole
     * payload once every piece is in, else null.
     */
    byte[] add(int src, int dst, int id, int proto, int offset, boolean more, byte[] f, int payloadOff, int len, long now) {
        expire(now);
        int end = offset + len;
        if (end > 65535 - 20 || (more && (len & 7) != 0) || len == 0) {
            dropped++;
            return null;
        }
        Datagram d = null;
        for (Datagram x : inProgress) {
            if (x.matches(src, dst, id, proto)) {
                d = x;
                break;
            }
        }
        if (d == null) {
            if (inProgress.size() >= MAX_DATAGRAMS) {
                inProgress.remove(0);
                dropped++;
            }
            d = new Datagram(src, dst, id, proto, now);
            inProgress.add(d);
        }
        for (int[] p : d.pieces) {
            if (offset < p[1] && p[0] < end) {
                inProgress.remove(d);   // overlap: drop the lot
                dropped++;
                return null;
            }
        }
        if (!more) {
            if (d.total >= 0 || end < maxEnd(d)) {
                inProgress.remove(d);   // two last fragments, or data beyond the end
                dropped++;
                return null;
            }
            d.total = end;
        } else if (d.total >= 0 && end > d.total) {
            inProgress.remove(d);
            dropped++;
            return null;
        }
        if (end > d.data.length) {
            d.data = java.util.Arrays.copyOf(d.data, Math.min(65535, Math.max(end, 2 * d.data.length)));
        }
        System.arraycopy(f, payloadOff, d.data, offset, len);
        d.pieces.add(new int[] {offset, end});
        if (d.total < 0) {
            return null;
        }
        long have = 0;
        for (int[] p : d.pieces) {
            have += p[1] - p[0];
        }
        if (have != d.total) {
            return null;
        }
        inProgress.remove(d);
        return java.util.Arrays.copyOf(d.data, d.total);
    }

    private static int maxEnd(Datagram d) {
        int m = 0;
        for (int[] p : d.pieces) {
            m = Math.max(m, p[1]);
        }
        return m;
    }

    void expire(long now) {
        for (Iterator<Datagram> it = inProgress.iterator(); it.hasNext();) {
            if (now - it.next().started > TIMEOUT_NANOS) {
                it.remove();
                dropped++;
            }
        }
    }
}
