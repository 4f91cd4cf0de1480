package jlguest.devices.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import jlguest.bus.Ram;
import jlguest.devices.virtio.DeviceSpecException;
import jlguest.devices.virtio.FakeDriver;
import jlguest.devices.virtio.FakeDriver.Buf;
import jlguest.devices.virtio.FakeDriver.Used;
import jlguest.devices.virtio.VirtioMmio;

class VirtioNetTest {
    private final List<Guest> guests = new ArrayList<>();

    /** One guest: RAM, a net device, a fake driver with both queues up. */
    final class Guest {
        final Ram ram = new Ram(2 << 20);
        final FakeDriver.Line line = new FakeDriver.Line();
        final VirtioNet net;
        final FakeDriver drv;

        Guest(String spec) throws Exception {
            net = TestNets.device(spec);
            drv = new FakeDriver(ram, line, new VirtioMmio(ram, line, net)).start(2);
            guests.add(this);
        }

        /** A guest whose driver negotiated only {@code features} of those offered. */
        Guest(String spec, long features) throws Exception {
            net = TestNets.device(spec);
            drv = new FakeDriver(ram, line, new VirtioMmio(ram, line, net));
            assertTrue(drv.negotiate(features));
            drv.setupQueue(0, 0);
            drv.setupQueue(1, 0);
            drv.driverOk();
            guests.add(this);
        }

        /** Posts {@code n} receive buffers of header + 1518 bytes. */
        List<Integer> postRx(int n) {
            List<Integer> addrs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int a = drv.alloc(12 + 1518, 4);
                drv.add(drv.q(0), new Buf(a, 12 + 1518, true));
                addrs.add(a);
            }
            drv.kick(drv.q(0));
            return addrs;
        }

        void send(byte[] frame) {
            int h = drv.alloc(12, 4);
            int f = drv.alloc(frame.length, 4);
            ram.load(f, frame, 0, frame.length);
            drv.add(drv.q(1), new Buf(h, 12, false), new Buf(f, frame.length, false));
            drv.kick(drv.q(1));
            assertEquals(1, drv.used(drv.q(1)).size());
        }

        byte[] mac() {
            return net.mac();
        }
    }

    @AfterEach
    void close() {
        guests.forEach(g -> g.net.close());
    }

    private static byte[] frame(byte[] dst, byte[] src, int n, int len) {
        byte[] f = new byte[len];
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xB5;   // local experimental ethertype
        for (int i = 14; i < len; i++) {
            f[i] = (byte) (n + i);
        }
        return f;
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** a sends three frames, b receives them whole, with a VERSION_1 header; then back. */
    private void exchange(Guest a, Guest b) {
        List<Integer> bufs = b.postRx(4);
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] f = frame(b.mac(), a.mac(), i, 60 + 500 * i);
            sent.add(f);
            a.send(f);
        }
        List<Used> used = b.drv.await(b.drv.q(0), 3);
        for (int i = 0; i < 3; i++) {
            int addr = bufs.get(i);
            assertEquals(12 + sent.get(i).length, used.get(i).len());
            assertEquals(1, b.ram.read16(addr + 10), "num_buffers");
            assertEquals(0, b.ram.read32(addr));
            assertArrayEquals(sent.get(i), Arrays.copyOfRange(b.ram.bytes, addr + 12, addr + 12 + sent.get(i).length));
        }
        List<Integer> back = a.postRx(1);
        byte[] reply = frame(a.mac(), b.mac(), 9, 1514);
        b.send(reply);
        a.drv.await(a.drv.q(0), 1);
        assertArrayEquals(reply, Arrays.copyOfRange(a.ram.bytes, back.get(0) + 12, back.get(0) + 12 + 1514));
    }

    @Test
    void udpPair() throws Exception {
        int pa = freeUdpPort();
        int pb = freeUdpPort();
        Guest a = new Guest("udp:local=127.0.0.1:" + pa + ",remote=127.0.0.1:" + pb + ",mac=52:54:00:00:00:0a");
        Guest b = new Guest("udp:local=127.0.0.1:" + pb + ",remote=127.0.0.1:" + pa);
        assertEquals(0x0a, a.drv.dev.read(0x105, 1));
        assertEquals(1, a.drv.dev.read(0x106, 2), "link up");
        assertEquals(1500, a.drv.dev.read(0x10A, 2), "mtu");
        exchange(a, b);
    }

    @Test
    void tcpStreamWithQemuFraming() throws Exception {
        Guest a = new Guest("socket:listen=127.0.0.1:0");
        int port = ((StreamBackend) a.net.backend()).listenAddress().getPort();
        assertEquals(0, a.drv.dev.read(0x106, 2), "no peer yet: link down");
        Guest b = new Guest("socket:connect=127.0.0.1:" + port);
        long end = System.nanoTime() + 2_000_000_000L;
        while (a.drv.dev.read(0x106, 2) == 0 && System.nanoTime() < end) {
            a.drv.dev.poll();
            LockSupport.parkNanos(100_000);
        }
        assertEquals(1, a.drv.dev.read(0x106, 2), "peer connected: link up");
        assertEquals(1, a.drv.dev.read(VirtioMmio.REG_CONFIG_GENERATION, 4));
        assertTrue((a.drv.reg(VirtioMmio.REG_INTERRUPT_STATUS) & VirtioMmio.INT_CONFIG_CHANGE) != 0);
        exchange(a, b);
        b.net.close();
        end = System.nanoTime() + 2_000_000_000L;
        while (a.drv.dev.read(0x106, 2) == 1 && System.nanoTime() < end) {
            a.drv.dev.poll();
            LockSupport.parkNanos(100_000);
        }
        assertEquals(0, a.drv.dev.read(0x106, 2), "peer gone: link down");
    }

    @Test
    void multicastSegment() throws Exception {
        int port = freeUdpPort();
        String spec = "mcast:239.255.74.76:" + port + ",localaddr=127.0.0.1";
        Guest a;
        Guest b;
        try {
            a = new Guest(spec);
            b = new Guest(spec);
        } catch (DeviceSpecException e) {
            Assumptions.abort("no multicast on loopback here: " + e.getMessage());
            return;
        }
        Guest c = new Guest(spec);
        a.postRx(2);
        c.postRx(2);
        List<Integer> bBufs = b.postRx(2);
        byte[] f = frame(new byte[] {-1, -1, -1, -1, -1, -1}, a.mac(), 1, 100);
        a.send(f);
        b.drv.await(b.drv.q(0), 1);
        c.drv.await(c.drv.q(0), 1);
        assertArrayEquals(f, Arrays.copyOfRange(b.ram.bytes, bBufs.get(0) + 12, bBufs.get(0) + 112));
        LockSupport.parkNanos(50_000_000);
        a.drv.dev.poll();
        assertEquals(0, a.drv.used(a.drv.q(0)).size(), "our own frame does not come back");
    }

    @Test
    void framesAreDroppedWhenTheGuestPostsNoBuffers() throws Exception {
        int pa = freeUdpPort();
        int pb = freeUdpPort();
        Guest a = new Guest("udp:local=127.0.0.1:" + pa + ",remote=127.0.0.1:" + pb);
        Guest b = new Guest("udp:local=127.0.0.1:" + pb + ",remote=127.0.0.1:" + pa);
        int sent = VirtioNet.BACKLOG + 100;
        for (int i = 0; i < sent; i++) {
            a.send(frame(b.mac(), a.mac(), i, 64));
        }
        long end = System.nanoTime() + 2_000_000_000L;
        while (b.net.dropped() < sent - VirtioNet.BACKLOG && System.nanoTime() < end) {
            b.drv.dev.poll();
            LockSupport.parkNanos(100_000);
        }
        assertEquals(sent - VirtioNet.BACKLOG, b.net.dropped());
        List<Integer> bufs = b.postRx(VirtioNet.BACKLOG + 8);
        List<Used> used = b.drv.await(b.drv.q(0), VirtioNet.BACKLOG);
        assertEquals(VirtioNet.BACKLOG, used.size());
        assertEquals((byte) (sent - VirtioNet.BACKLOG + 14), b.ram.bytes[bufs.get(0) + 12 + 14], "the newest were kept");
        LockSupport.parkNanos(20_000_000);
        b.drv.dev.poll();
        assertEquals(0, b.drv.used(b.drv.q(0)).size());
    }

    @Test
    void oversizedFramesAndBadBuffers() throws Exception {
        int pa = freeUdpPort();
        int pb = freeUdpPort();
        Guest a = new Guest("udp:local=127.0.0.1:" + pa + ",remote=127.0.0.1:" + pb);
        // Without MRG_RXBUF (with it, the frame would wait for more buffers to merge):
        Guest b = new Guest("udp:local=127.0.0.1:" + pb + ",remote=127.0.0.1:" + pa,
                ~jlguest.devices.virtio.VirtioFeatures.bit(Offload.F_MRG_RXBUF));
        // A small buffer first: the 1000-byte frame does not fit and is dropped; the buffer stays.
        int small = b.drv.alloc(100, 4);
        b.drv.add(b.drv.q(0), new Buf(small, 100, true));
        b.drv.kick(b.drv.q(0));
        a.send(frame(b.mac(), a.mac(), 0, 1000));
        a.send(frame(b.mac(), a.mac(), 1, 80));
        List<Used> used = b.drv.await(b.drv.q(0), 1);
        assertEquals(12 + 80, used.get(0).len());
        assertEquals(1, b.net.dropped());
        // A transmit chain that is too short is returned unsent, and the device stays healthy.
        int h = a.drv.alloc(12, 4);
        a.drv.add(a.drv.q(1), new Buf(h, 12, false));
        a.drv.kick(a.drv.q(1));
        assertEquals(1, a.drv.used(a.drv.q(1)).size());
        assertFalse(a.drv.needsReset());
    }

    /** 4096 full-size frames a to b over UDP in batches of 64; prints frames/s and MB/s. */
    @Test
    void throughput() throws Exception {
        int pa = freeUdpPort();
        int pb = freeUdpPort();
        Guest a = new Guest("udp:local=127.0.0.1:" + pa + ",remote=127.0.0.1:" + pb);
        Guest b = new Guest("udp:local=127.0.0.1:" + pb + ",remote=127.0.0.1:" + pa);
        int rx = b.drv.alloc(12 + 1518, 4);
        int h = a.drv.alloc(12, 4);
        int f = a.drv.alloc(1514, 4);
        a.ram.load(f, frame(b.mac(), a.mac(), 0, 1514), 0, 1514);
        int batch = 64;
        long t0 = System.nanoTime();
        for (int round = 0; round < 4096 / batch; round++) {
            for (int i = 0; i < batch; i++) {
                b.drv.add(b.drv.q(0), new Buf(rx, 12 + 1518, true));
            }
            b.drv.kick(b.drv.q(0));
            for (int i = 0; i < batch; i++) {
                a.drv.add(a.drv.q(1), new Buf(h, 12, false), new Buf(f, 1514, false));
            }
            a.drv.kick(a.drv.q(1));
            a.drv.used(a.drv.q(1));
            b.drv.await(b.drv.q(0), batch);
        }
        long ns = System.nanoTime() - t0;
        System.out.printf("virtio-net udp: %.0f frames/s, %.0f MB/s of 1514-byte frames%n",
                4096 * 1e9 / ns, 4096 * 1514 * 1e3 / ns);
        assertEquals(0, b.net.dropped());
    }

    @Test
    void specErrors() throws Exception {
        String[][] cases = {
            {"tap:foo", "unknown backend"},
            {"udp:local=127.0.0.1:1", "missing remote"},
            {"udp:local=127.0.0.1:1,remote=127.0.0.1:2,mac=52:54:00:zz:00:01", "bad MAC"},
            {"udp:local=127.0.0.1:1,remote=127.0.0.1:2,mac=01:00:00:00:00:01", "multicast address"},
            {"udp:local=127.0.0.1:99999,remote=127.0.0.1:2", "bad port"},
            {"socket:listen=127.0.0.1:1,connect=127.0.0.1:2", "exactly one"},
            {"mcast:239.1.1.1:5000,mtu=20", "mtu"},
            {"udp:local=127.0.0.1:1,remote=127.0.0.1:2,color=blue", "unknown option"},
            {"nonsense", "expected user[,...], udp"},
        };
        for (String[] c : cases) {
            String m = assertThrows(Exception.class, () -> TestNets.backend(c[0]), c[0]).getMessage();
            assertTrue(m.contains(c[1]), m);
            assertFalse(m.contains("\n"));
        }
        String m = assertThrows(DeviceSpecException.class,
                () -> TestNets.backend("mcast:10.0.0.1:5000")).getMessage();
        assertTrue(m.contains("not an IPv4 multicast group"), m);
    }

    @Test
    void busyPortsAreOneLineErrors() throws Exception {
        try (DatagramSocket busy = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String m = assertThrows(DeviceSpecException.class, () -> TestNets.backend("udp:local=127.0.0.1:"
                    + busy.getLocalPort() + ",remote=127.0.0.1:9")).getMessage();
            assertTrue(m.contains("cannot bind") && m.contains("in use"), m);
        }
        NetBackend listening = TestNets.backend("socket:listen=127.0.0.1:0");
        try {
            int port = ((StreamBackend) listening).listenAddress().getPort();
            String m = assertThrows(DeviceSpecException.class,
                    () -> TestNets.backend("socket:listen=127.0.0.1:" + port)).getMessage();
            assertTrue(m.contains("cannot listen"), m);
        } finally {
            listening.close();
        }
        int closed = freeUdpPort();
        String m = assertThrows(DeviceSpecException.class,
                () -> TestNets.backend("socket:connect=127.0.0.1:" + closed)).getMessage();
        assertTrue(m.contains("cannot connect") && m.contains("refused"), m);
    }

    @Test
    void anEmptyHostMeansLoopbackNeverEveryInterface() throws Exception {
        java.net.InetSocketAddress a = jlguest.cli.HostPort.parse("--net", ":5555");
        assertTrue(a.getAddress().isLoopbackAddress(), a.toString());
        assertTrue(jlguest.cli.HostPort.parse("--net", "0.0.0.0:5555").getAddress().isAnyLocalAddress());
    }
}
