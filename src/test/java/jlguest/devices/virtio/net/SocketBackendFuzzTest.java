package jlguest.devices.virtio.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import jlguest.bus.Ram;
import jlguest.devices.virtio.DeviceSpecException;
import jlguest.devices.virtio.FakeDriver;
import jlguest.devices.virtio.FakeDriver.Buf;
import jlguest.devices.virtio.FakeDriver.Used;
import jlguest.devices.virtio.VirtioMmio;
import jlguest.fuzz.Fuzz;

/**
 * Issue 17: random frames on the socket backends. A peer on the network is as hostile as a
 * guest: it sends datagrams of any length and content to a udp or multicast backend, and on a
 * TCP stream any length prefix, truncated frames and plain noise, connection after connection.
 * A case passes when nothing escapes on any thread (the backends' reader threads included: an
 * uncaught exception there would silently end the device's reception) and, at the end, the
 * device still delivers a well-formed frame to the guest and its driver sees no NEEDS_RESET.
 */
class SocketBackendFuzzTest {
    private static final byte[] MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x70};
    private final List<Throwable> escaped = new CopyOnWriteArrayList<>();
    private Thread.UncaughtExceptionHandler previous;

    @BeforeEach
    void watchThreads() {
        previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> escaped.add(e));
    }

    @AfterEach
    void restore() {
        Thread.setDefaultUncaughtExceptionHandler(previous);
    }

    /** A device with a driver that keeps a fixed pool of receive buffers posted. */
    private static final class Receiver {
        final Ram ram = new Ram(2 << 20);
        final VirtioNet net;
        final FakeDriver drv;
        final List<Integer> pool = new ArrayList<>();
        final List<Integer> posted = new ArrayList<>();

        Receiver(String spec) throws Exception {
            net = TestNets.device(spec + ",mac=52:54:00:12:34:70");
            drv = new FakeDriver(ram, new FakeDriver.Line(), new VirtioMmio(ram, new FakeDriver.Line(), net)).start(2);
            for (int i = 0; i < 16; i++) {
                pool.add(drv.alloc(12 + 1518, 4));
            }
            post(pool);
        }

        private void post(List<Integer> addrs) {
            for (int a : addrs) {
                drv.add(drv.q(0), new Buf(a, 12 + 1518, true));
                posted.add(a);
            }
            drv.kick(drv.q(0));
        }

        /** Moves queued frames in and posts the used buffers again; returns the frames seen. */
        List<byte[]> pump() {
            drv.dev.poll();
            List<byte[]> got = new ArrayList<>();
            List<Integer> again = new ArrayList<>();
            for (Used u : drv.used(drv.q(0))) {
                int a = posted.remove(0);
                got.add(Arrays.copyOfRange(ram.bytes, a + 12, a + Math.max(12, u.len())));
                again.add(a);
            }
            if (!again.isEmpty()) {
                post(again);
            }
            return got;
        }

        /**
         * Until the marker frame arrives (ten seconds at most): true when it did. A datagram
         * medium may drop a frame while the device's inbox is still full of noise, so the marker
         * is sent again every 100 ms, as a peer's protocol would retry.
         */
        boolean receives(byte[] marker, Runnable send) {
            long end = System.nanoTime() + 10_000_000_000L;
            long nextSend = 0;
            while (System.nanoTime() < end) {
                if (System.nanoTime() >= nextSend) {
                    send.run();
                    nextSend = System.nanoTime() + 100_000_000L;
                }
                for (byte[] f : pump()) {
                    if (Arrays.equals(f, marker)) {
                        return true;
                    }
                }
                LockSupport.parkNanos(1_000_000);
            }
            return false;
        }
    }

    private static byte[] marker() {
        byte[] f = new byte[100];
        System.arraycopy(MAC, 0, f, 0, 6);
        f[6] = 0x02;
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xB5;
        byte[] text = "still alive".getBytes();
        System.arraycopy(text, 0, f, 14, text.length);
        return f;
    }

    /** A random frame: noise of any length, or one addressed to us with a believable header. */
    private static byte[] randomFrame(SplittableRandom r) {
        int len = switch (r.nextInt(6)) {
            case 0 -> r.nextInt(14);
            case 1 -> r.nextInt(9000);
            case 2 -> 60_000 + r.nextInt(5_500);
            default -> 14 + r.nextInt(1505);
        };
        byte[] f = new byte[len];
        r.nextBytes(f);
        if (len >= 14 && r.nextBoolean()) {
            System.arraycopy(r.nextInt(4) == 0 ? new byte[] {-1, -1, -1, -1, -1, -1} : MAC, 0, f, 0, 6);
            if (r.nextBoolean()) {
                System.arraycopy(MAC, 0, f, 6, 6);   // pretending to be our own frame
            }
        }
        return f;
    }

    private void datagrams(String name, Receiver rx, InetSocketAddress to, int n) throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Fuzz.run(name, 17_000, n, seed -> {
                byte[] f = randomFrame(new SplittableRandom(seed));
                s.send(new DatagramPacket(f, f.length, to));
                if (seed % 16 == 0) {
                    rx.pump();
                }
            });
            byte[] m = marker();
            assertTrue(rx.receives(m, () -> {
                try {
                    s.send(new DatagramPacket(m, m.length, to));
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            }), "a good frame still arrives after the noise");
        }
        assertFalse(rx.drv.needsReset());
        assertEquals(List.of(), escaped, "nothing escaped on any thread");
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void udp() throws Exception {
        int port = freeUdpPort();
        Receiver rx = new Receiver("udp:local=127.0.0.1:" + port + ",remote=127.0.0.1:" + freeUdpPort());
        try {
            datagrams("udp-frames", rx, new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                    Fuzz.cases("udpFrames", 3000));
        } finally {
            rx.net.close();
        }
    }

    @Test
    void multicast() throws Exception {
        int port = freeUdpPort();
        Receiver rx;
        try {
            rx = new Receiver("mcast:239.255.74.77:" + port + ",localaddr=127.0.0.1");
        } catch (DeviceSpecException e) {
            Assumptions.abort("no multicast on loopback here: " + e.getMessage());
            return;
        }
        try {
            datagrams("mcast-frames", rx, new InetSocketAddress(InetAddress.getByName("239.255.74.77"), port),
                    Fuzz.cases("mcastFrames", 1000));
        } finally {
            rx.net.close();
        }
    }

    /** One hostile TCP peer: a burst of length-prefixed frames, wrong prefixes, truncations and noise. */
    private static void streamCase(InetSocketAddress at, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        try (Socket s = new Socket()) {
            s.connect(at, 2000);
            OutputStream out = s.getOutputStream();
            for (int k = 0, n = 1 + r.nextInt(8); k < n; k++) {
                byte[] f = randomFrame(r);
                int prefix = switch (r.nextInt(6)) {
                    case 0 -> r.nextInt();                        // any length at all
                    case 1 -> f.length + 1 + r.nextInt(100);      // more than follows: a truncated frame
                    default -> f.length;
                };
                out.write(ByteBuffer.allocate(4).putInt(prefix).array());
                out.write(f);
            }
            if (r.nextInt(4) == 0) {
                s.setSoLinger(true, 0);   // and sometimes a reset instead of a close
            }
        } catch (java.net.SocketException e) {
            // the backend hung up on a bad length while we were still writing: its right
        }
    }

    @Test
    void tcpStream() throws Exception {
        Receiver rx = new Receiver("socket:listen=127.0.0.1:0");
        InetSocketAddress at = ((StreamBackend) rx.net.backend()).listenAddress();
        try {
            Fuzz.run("stream-frames", 17_100, Fuzz.cases("streamFrames", 30), seed -> {
                streamCase(at, seed);
                // one peer at a time (a backlog of 1): the next connects once this one is gone
                for (long end = System.nanoTime() + 2_000_000_000L; rx.net.backend().linkUp() && System.nanoTime() < end; ) {
                    rx.pump();
                    LockSupport.parkNanos(200_000);
                }
                rx.pump();
            });
            byte[] m = marker();
            try (Socket s = new Socket()) {
                assertTrue(rx.receives(m, () -> {
                    try {
                        if (!s.isConnected()) {
                            s.connect(at, 2000);
                        }
                        s.getOutputStream().write(ByteBuffer.allocate(4).putInt(m.length).array());
                        s.getOutputStream().write(m);
                    } catch (java.io.IOException e) {
                        throw new AssertionError(e);
                    }
                }), "a new peer's good frame still arrives");
            }
            assertFalse(rx.drv.needsReset());
            assertEquals(List.of(), escaped, "nothing escaped on any thread");
        } finally {
            rx.net.close();
        }
    }

    @Test
    @Tag("long")
    void longRuns() throws Exception {
        System.setProperty("fuzz.udpFrames", "200000");
        System.setProperty("fuzz.streamFrames", "2000");
        try {
            udp();
            tcpStream();
        } finally {
            System.clearProperty("fuzz.udpFrames");
            System.clearProperty("fuzz.streamFrames");
        }
    }
}
