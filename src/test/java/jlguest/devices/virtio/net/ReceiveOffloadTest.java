package jlguest.devices.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import jlguest.bus.Ram;
import jlguest.devices.virtio.FakeDriver;
import jlguest.devices.virtio.FakeDriver.Buf;
import jlguest.devices.virtio.FakeDriver.Used;
import jlguest.devices.virtio.VirtioFeatures;
import jlguest.devices.virtio.VirtioMmio;

/**
 * Receive offloads: a large TCP segment from a backend ({@link NetBackend.Sink#segment}) reaches
 * a guest that negotiated GUEST_CSUM, GUEST_TSO4 and MRG_RXBUF whole, with DATA_VALID, GSO_TCPV4
 * and num_buffers in its header; a guest that negotiated less gets MTU-sized frames with their
 * checksums; and nothing a backend or the guest's buffers do gets an exception out or memory past
 * the bound.
 */
class ReceiveOffloadTest {
    private static final int MSS = 1460;
    private static final long ALL = -1L;
    private static final long NO_MERGE = ~VirtioFeatures.bit(Offload.F_MRG_RXBUF);
    private static final long NO_TSO = ~VirtioFeatures.bit(Offload.F_GUEST_TSO4);
    private static final long NO_CSUM = ~(VirtioFeatures.bit(Offload.F_GUEST_TSO4) | VirtioFeatures.bit(Offload.F_GUEST_CSUM));

    /** A backend driven by the test: it keeps the device's sink and sends nowhere. */
    private static final class HandBackend implements NetBackend {
        Sink sink;

        @Override
        public void start(Sink s) {
            sink = s;
        }

        @Override
        public void send(byte[] frame, int offset, int length) {
        }

        @Override
        public boolean linkUp() {
            return true;
        }

        @Override
        public String describe() {
            return "hand";
        }

        @Override
        public void close() {
        }
    }

    /** A device on a hand backend and a fake driver that negotiated {@code features} (of those offered). */
    private static final class Guest {
        final Ram ram = new Ram(4 << 20);
        final HandBackend backend = new HandBackend();
        final VirtioNet net = new VirtioNet(backend, new byte[] {0x52, 0x54, 0, 0x12, 0x34, 0x56}, 1500);
        final FakeDriver drv = new FakeDriver(ram, new FakeDriver.Line(), new VirtioMmio(ram, new FakeDriver.Line(), net));

        Guest(long features) {
            assertTrue(drv.negotiate(features));
            drv.setupQueue(0, 0);
            drv.setupQueue(1, 0);
            drv.driverOk();
        }

        List<Integer> post(int n, int size) {
            List<Integer> addrs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int a = drv.alloc(size, 4);
                drv.add(drv.q(0), new Buf(a, size, true));
                addrs.add(a);
            }
            drv.kick(drv.q(0));
            return addrs;
        }

        List<Used> used() throws Exception {
            net.poll();
            return drv.used(drv.q(0));
        }

        byte[] read(int addr, int len) {
            return Arrays.copyOfRange(ram.bytes, addr, addr + len);
        }
    }

    /** Ethernet + IPv4 + TCP (10.0.2.2:80 -> 10.0.2.15:40000) carrying {@code n} random bytes, checksums right. */
    static byte[] segment(int n, long seed) {
        byte[] f = new byte[54 + n];
        f[12] = 0x08;
        f[14] = 0x45;
        Offload.put16(f, 16, 40 + n);
        f[22] = 64;
        f[23] = 6;
        Offload.put32(f, 26, 0x0A000202);
        Offload.put32(f, 30, 0x0A00020F);
        Offload.put16(f, 34, 80);
        Offload.put16(f, 36, 40000);
        Offload.put32(f, 38, 0x10000000);
        Offload.put32(f, 42, 77);
        f[46] = 0x50;
        f[47] = 0x18;
        Offload.put16(f, 48, 65535);
        byte[] data = new byte[n];
        new Random(seed).nextBytes(data);
        System.arraycopy(data, 0, f, 54, n);
        Offload.put16(f, 24, ~Offload.sum(f, 14, 20, 0) & 0xFFFF);
        Offload.put16(f, 50, ~Offload.sum(f, 34, 20 + n, pseudo(20 + n)) & 0xFFFF);
        return f;
    }

    private static int pseudo(int len) {
        long s = 0x0A00 + 0x0202 + 0x0A00 + 0x020F + 6 + len;
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    private static void assertChecksums(byte[] p) {
        assertEquals(0xFFFF, Offload.sum(p, 14, 20, 0), "IP header checksum");
        assertEquals(0xFFFF, Offload.sum(p, 34, p.length - 34, pseudo(p.length - 34)), "TCP checksum");
    }

    @Test
    void aLargeSegmentReachesAnOffloadingGuestWholeAcrossMergeableBuffers() throws Exception {
        Guest g = new Guest(ALL);
        List<Integer> bufs = g.post(20, 4096);
        assertTrue(g.backend.sink.takesLargeSegments());
        byte[] seg = segment(44 * MSS, 1);
        g.backend.sink.segment(seg, seg.length, MSS);
        List<Used> used = g.used();
        int total = 12 + seg.length;
        assertEquals((total + 4095) / 4096, used.size(), "buffers used");
        int first = bufs.get(0);
        assertEquals(Offload.DATA_VALID, g.ram.bytes[first], "flags");
        assertEquals(Offload.GSO_TCPV4, g.ram.bytes[first + 1], "gso_type");
        assertEquals(54, g.ram.read16(first + 2), "hdr_len");
        assertEquals(MSS, g.ram.read16(first + 4), "gso_size");
        assertEquals(used.size(), g.ram.read16(first + 10), "num_buffers");
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (int i = 0; i < used.size(); i++) {
            int skip = i == 0 ? 12 : 0;
            assertEquals(Math.min(4096, total - 4096 * i), used.get(i).len(), "length of buffer " + i);
            got.write(g.read(bufs.get(i) + skip, used.get(i).len() - skip), 0, used.get(i).len() - skip);
        }
        assertArrayEquals(seg, got.toByteArray());
        assertTrue(g.net.describe().contains("(1 large segments)"), g.net.describe());
    }

    @Test
    void aSmallSegmentIsMarkedValidWithoutGso() throws Exception {
        Guest g = new Guest(ALL);
        List<Integer> bufs = g.post(2, 2048);
        byte[] seg = segment(100, 2);
        g.backend.sink.segment(seg, seg.length, MSS);
        assertEquals(1, g.used().size());
        assertEquals(Offload.DATA_VALID, g.ram.bytes[bufs.get(0)]);
        assertEquals(Offload.GSO_NONE, g.ram.bytes[bufs.get(0) + 1]);
        assertEquals(1, g.ram.read16(bufs.get(0) + 10), "num_buffers");
        assertArrayEquals(seg, g.read(bufs.get(0) + 12, seg.length));
    }

    /**
     * Receive checksum offload for ordinary frames (a peer's, over udp/socket/mcast): a TCP frame
     * whose checksums verify is marked DATA_VALID for a guest with GUEST_CSUM; a bad checksum, a
     * fragment or a guest without GUEST_CSUM gets the all-zero header and the frame as it was.
     */
    @Test
    void verifiedTcpFramesAreMarkedValid() throws Exception {
        for (long features : new long[] {ALL, NO_CSUM}) {
            Guest g = new Guest(features);
            List<Integer> bufs = g.post(4, 2048);
            byte[] good = segment(1000, 12);
            byte[] bad = segment(1000, 13);
            bad[60] ^= 1;
            byte[] fragment = segment(1000, 14);
            fragment[20] = 0x20;   // MF
            fragment[24] = 0;
            fragment[25] = 0;
            Offload.put16(fragment, 24, ~Offload.sum(fragment, 14, 20, 0) & 0xFFFF);
            for (byte[] f : List.of(good, bad, fragment)) {
                g.backend.sink.frame(f, f.length);
            }
            assertEquals(3, g.used().size());
            assertEquals(features == ALL ? Offload.DATA_VALID : 0, g.ram.bytes[bufs.get(0)], "good");
            assertEquals(0, g.ram.bytes[bufs.get(1)], "bad checksum");
            assertEquals(0, g.ram.bytes[bufs.get(2)], "a fragment");
            for (int i = 0; i < 3; i++) {
                assertEquals(Offload.GSO_NONE, g.ram.bytes[bufs.get(i) + 1]);
            }
            assertArrayEquals(bad, g.read(bufs.get(1) + 12, bad.length));
        }
    }

    /** Without GUEST_TSO4 (or also without GUEST_CSUM) the device cuts the segment as a NIC would. */
    @Test
    void aGuestWithoutTsoGetsMtuFramesWithChecksums() throws Exception {
        for (long features : new long[] {NO_TSO, NO_CSUM}) {
            Guest g = new Guest(features);
            assertFalse(g.backend.sink.takesLargeSegments());
            List<Integer> bufs = g.post(60, 12 + 1514);
            byte[] seg = segment(44 * MSS - 7, 3);
            g.backend.sink.segment(seg, seg.length, MSS);
            List<Used> used = g.used();
            assertEquals(44, used.size());
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            for (int i = 0; i < used.size(); i++) {
                int a = bufs.get(i);
                assertEquals(features == NO_TSO ? Offload.DATA_VALID : 0, g.ram.bytes[a], "flags");
                assertEquals(Offload.GSO_NONE, g.ram.bytes[a + 1], "gso_type");
                byte[] p = g.read(a + 12, used.get(i).len() - 12);
                assertTrue(p.length <= 1514);
                assertChecksums(p);
                assertEquals(0x10000000 + i * MSS, Offload.i32(p, 38), "sequence number of piece " + i);
                payload.write(p, 54, p.length - 54);
            }
            assertArrayEquals(Arrays.copyOfRange(seg, 54, seg.length), payload.toByteArray());
        }
    }

    /** Without MRG_RXBUF Linux posts 64 KiB "big packet" buffers: the segment goes whole into one. */
    @Test
    void withoutMergeableBuffersTheSegmentFillsOneBigBuffer() throws Exception {
        Guest g = new Guest(NO_MERGE);
        List<Integer> bufs = g.post(1, 12 + 65536);
        byte[] seg = segment(44 * MSS, 4);
        g.backend.sink.segment(seg, seg.length, MSS);
        List<Used> used = g.used();
        assertEquals(1, used.size());
        assertEquals(12 + seg.length, used.get(0).len());
        assertEquals(Offload.GSO_TCPV4, g.ram.bytes[bufs.get(0) + 1]);
        assertEquals(1, g.ram.read16(bufs.get(0) + 10), "num_buffers");
        assertArrayEquals(seg, g.read(bufs.get(0) + 12, seg.length));
    }

    @Test
    void aSegmentWaitsForEnoughBuffersThenGoes() throws Exception {
        Guest g = new Guest(ALL);
        List<Integer> bufs = new ArrayList<>(g.post(4, 4096));
        byte[] seg = segment(44 * MSS, 5);
        g.backend.sink.segment(seg, seg.length, MSS);
        assertEquals(0, g.used().size(), "16 KiB of buffers for 63 KiB: it waits");
        bufs.addAll(g.post(16, 4096));
        List<Used> used = g.used();
        assertEquals(16, used.size());
        assertEquals(16, g.ram.read16(bufs.get(0) + 10), "num_buffers");
        assertEquals(0, g.net.dropped());
    }

    /** The queue for the guest is bounded in bytes too: 64 KiB segments displace each other beyond 256 KiB. */
    @Test
    void largeSegmentsAreBoundedInBytes() throws Exception {
        Guest g = new Guest(ALL);
        byte[] seg = segment(44 * MSS, 6);
        int room = g.backend.sink.room();
        assertEquals(VirtioNet.BACKLOG_BYTES, room);
        for (int i = 0; i < 10; i++) {
            g.backend.sink.segment(segment(44 * MSS, 6), seg.length, MSS);
        }
        int kept = VirtioNet.BACKLOG_BYTES / seg.length;
        assertEquals(10 - kept, g.net.dropped());
        assertEquals(VirtioNet.BACKLOG_BYTES - kept * seg.length, g.backend.sink.room());
        g.post(4 * 17, 4096);
        assertEquals(kept * 16, g.used().size());
        assertEquals(VirtioNet.BACKLOG_BYTES, g.backend.sink.room());
    }

    /**
     * Hostile input from both sides: segments that are not TCP, lie about their headers or ask
     * for absurd gso sizes, and receive buffers too small for the header or readable.
     */
    @Test
    void hostileSegmentsAndBuffersNeverThrow() throws Exception {
        Guest g = new Guest(ALL);
        Random r = new Random(7);
        int outstanding = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] f = r.nextBoolean() ? segment(r.nextInt(70000), i) : new byte[r.nextInt(70000)];
            if (r.nextBoolean()) {
                for (int k = 0; k < 3; k++) {
                    f[r.nextInt(Math.max(1, Math.min(f.length, 60)))] ^= (byte) (1 + r.nextInt(255));
                }
            }
            int gso = switch (r.nextInt(4)) {
                case 0 -> 0;
                case 1 -> MSS;
                case 2 -> r.nextInt(70000);
                default -> -r.nextInt(10);
            };
            g.backend.sink.segment(f, f.length, gso);
            if (i % 20 == 0 && outstanding < 200) {
                g.post(4, 1 + r.nextInt(5000));
                outstanding += 4;
            }
            outstanding -= g.used().size();
        }
        assertFalse(g.drv.needsReset());
        // Whatever is left: the queue holds no more than its bound, and the device still delivers.
        assertTrue(g.backend.sink.room() >= 0);
        for (int i = 0; i < 20 && outstanding < 200; i++) {
            g.post(16, 4096);
            outstanding += 16;
            outstanding -= g.used().size();
        }
        assertEquals(0, g.used().size(), "the queue drained into the buffers posted");
        int tiny = g.drv.alloc(4, 4);
        byte[] last = segment(2000, 9);
        g.backend.sink.segment(last, last.length, MSS);
        List<Used> used = g.used();
        assertEquals(1, used.size());
        assertEquals(12 + last.length, used.get(0).len());
        assertTrue(tiny > 0);
        assertFalse(g.drv.needsReset());
    }

    /** With MRG_RXBUF, a first buffer smaller than the header is given back empty and the frame dropped. */
    @Test
    void aBufferTooSmallForTheHeaderIsGivenBackEmpty() throws Exception {
        Guest g = new Guest(ALL);
        int tiny = g.drv.alloc(4, 4);
        g.drv.add(g.drv.q(0), new Buf(tiny, 4, true));
        g.post(2, 4096);
        byte[] seg = segment(3000, 10);
        g.backend.sink.segment(seg, seg.length, MSS);
        List<Used> used = g.used();
        assertEquals(1, used.size());
        assertEquals(0, used.get(0).len());
        assertEquals(1, g.net.dropped());
        byte[] next = segment(3000, 11);
        g.backend.sink.segment(next, next.length, MSS);
        used = g.used();
        assertEquals(1, used.size(), "the next frame fits the next buffer");
        assertEquals(12 + next.length, used.get(0).len());
        assertFalse(g.drv.needsReset());
    }
}
