package jlguest.devices.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The checksum and TSO work the device does for the guest's driver, checked field by field. */
class OffloadTest {
    private static final int MTU = 1500;

    /** An Ethernet + IPv4 + TCP frame carrying {@code data}, with the TCP checksum field as Linux leaves it (pseudo-header only). */
    private static byte[] tcpFrame(byte[] data, int flags) {
        byte[] f = new byte[14 + 20 + 20 + data.length];
        f[12] = 0x08;
        f[14] = 0x45;
        put16(f, 16, 40 + data.length);
        put16(f, 18, 0x1234);
        f[22] = 64;
        f[23] = 6;
        put32(f, 26, 0x0A00020F);
        put32(f, 30, 0x0A000202);
        put16(f, 34, 40000);
        put16(f, 36, 80);
        put32(f, 38, 0x10000000);
        put32(f, 42, 77);
        f[46] = 0x50;
        f[47] = (byte) flags;
        put16(f, 48, 65535);
        put16(f, 50, pseudo(20 + data.length));
        System.arraycopy(data, 0, f, 54, data.length);
        return f;
    }

    private static int pseudo(int len) {
        long s = 0x0A00 + 0x020F + 0x0A00 + 0x0202 + 6 + len;
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    private static byte[] header(int flags, int gso, int gsoSize, int csumStart, int csumOffset) {
        byte[] h = new byte[12];
        h[0] = (byte) flags;
        h[1] = (byte) gso;
        h[4] = (byte) gsoSize;
        h[5] = (byte) (gsoSize >>> 8);
        h[6] = (byte) csumStart;
        h[7] = (byte) (csumStart >>> 8);
        h[8] = (byte) csumOffset;
        return h;
    }

    private static List<byte[]> finish(byte[] h, byte[] f, boolean ok) {
        List<byte[]> out = new ArrayList<>();
        assertEquals(ok, Offload.finish(h, f, f.length, MTU, (b, n) -> out.add(java.util.Arrays.copyOf(b, n))));
        return out;
    }

    /** Both checksums verify (the sum over header and data, pseudo-header included, is all ones). */
    private static void assertChecksums(byte[] p) {
        assertEquals(0xFFFF, Offload.sum(p, 14, 20, 0), "IP header checksum");
        int tcpLen = p.length - 34;
        assertEquals(0xFFFF, Offload.sum(p, 34, tcpLen, pseudo(tcpLen)), "TCP checksum");
    }

    @Test
    void needsCsumFillsTheTcpChecksum() {
        byte[] f = tcpFrame("hello".getBytes(), 0x18);
        put16(f, 24, 0);
        put16(f, 24, ~Offload.sum(f, 14, 20, 0) & 0xFFFF);
        List<byte[]> out = finish(header(Offload.NEEDS_CSUM, Offload.GSO_NONE, 0, 34, 16), f, true);
        assertEquals(1, out.size());
        assertChecksums(out.get(0));
    }

    @Test
    void aTsoSegmentIsCutIntoMssPiecesWithTheirOwnHeaders() {
        byte[] data = new byte[60000];
        new Random(5).nextBytes(data);
        byte[] f = tcpFrame(data, 0x80 | 0x18 | 0x01);   // CWR, ACK, PSH, FIN
        List<byte[]> out = finish(header(Offload.NEEDS_CSUM, Offload.GSO_TCPV4, 1448, 34, 16), f, true);
        assertEquals((60000 + 1447) / 1448, out.size());
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int i = 0; i < out.size(); i++) {
            byte[] p = out.get(i);
            assertTrue(p.length - 14 <= MTU);
            assertChecksums(p);
            assertEquals(p.length - 14, get16(p, 16), "IP total length");
            assertEquals(0x1234 + i, get16(p, 18), "IP ID");
            assertEquals(0x10000000 + 1448 * i, get32(p, 38), "sequence number");
            int flags = p[47] & 0xFF;
            boolean last = i == out.size() - 1;
            assertEquals(i == 0, (flags & 0x80) != 0, "CWR on the first piece only");
            assertEquals(last, (flags & 0x09) == 0x09, "FIN and PSH on the last piece only");
            assertEquals(0x10, flags & 0x10);
            joined.write(p, 54, p.length - 54);
        }
        assertArrayEquals(data, joined.toByteArray());
    }

    @Test
    void inconsistentHeadersAreRefusedWhole() {
        byte[] f = tcpFrame(new byte[3000], 0x10);
        assertTrue(finish(header(Offload.NEEDS_CSUM, Offload.GSO_NONE, 0, 34, 16), f, false).isEmpty(),
                "larger than the MTU without GSO");
        byte[] small = tcpFrame(new byte[10], 0x10);
        assertTrue(finish(header(Offload.NEEDS_CSUM, 0, 0, small.length - 1, 16), small, false).isEmpty(),
                "checksum offset past the end");
        assertTrue(finish(header(Offload.NEEDS_CSUM, Offload.GSO_TCPV4, 8, 34, 16), f, false).isEmpty(), "MSS 8");
        assertTrue(finish(header(Offload.NEEDS_CSUM, Offload.GSO_TCPV4, 1500, 34, 16), f, false).isEmpty(),
                "pieces larger than the MTU");
        assertTrue(finish(header(Offload.NEEDS_CSUM, 3, 1448, 34, 16), f, false).isEmpty(), "UDP GSO, not offered");
        byte[] udp = f.clone();
        udp[23] = 17;
        assertTrue(finish(header(Offload.NEEDS_CSUM, Offload.GSO_TCPV4, 1448, 34, 16), udp, false).isEmpty(),
                "TSO of a packet that is not TCP");
        assertFalse(Offload.finish(header(0, Offload.GSO_TCPV4, 1448, 0, 0), f, 20, MTU, (b, n) -> { }),
                "truncated");
    }

    private static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    private static void put32(byte[] b, int off, int v) {
        put16(b, off, v >>> 16);
        put16(b, off + 2, v);
    }

    private static int get16(byte[] b, int off) {
        return (b[off] & 0xFF) << 8 | b[off + 1] & 0xFF;
    }

    private static int get32(byte[] b, int off) {
        return get16(b, off) << 16 | get16(b, off + 2);
    }
}
