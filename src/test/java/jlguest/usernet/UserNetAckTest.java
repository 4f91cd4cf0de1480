package jlguest.usernet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * How the NAT acknowledges the guest's bytes: delayed to the end of the CPU's slice for a lone
 * small segment or two, at once for a burst (48 KiB, or half the window), and out-of-order segments kept
 * until the hole before them fills (with a duplicate ACK at once).
 */
class UserNetAckTest {
    private static final InetAddress LOOP = InetAddress.getLoopbackAddress();

    /** A guest frame handed over as the device does within one transmit batch, with no slice end. */
    private static void batch(TestGuest g, byte[]... frames) {
        for (byte[] f : frames) {
            g.net.send(f, 0, f.length);
        }
        g.net.endOfBatch();
    }

    private static byte[] data(GuestTcp c, int offset, byte[] b, int from, int n, int flags) {
        return TestGuest.tcp(c.port, c.dst, c.dport, c.iss + 1 + offset, c.rcvNxt, TcpConnection.ACK | flags,
                c.window, null, b, from, n);
    }

    private static byte[] nextAck(GuestTcp c, long millis) throws InterruptedException {
        byte[] f;
        while ((f = c.next(millis)) != null) {
            if ((TestGuest.tcpFlags(f) & TcpConnection.ACK) != 0) {
                return f;
            }
        }
        return null;
    }

    @Test
    void aLoneSmallSegmentIsAcknowledgedAtTheEndOfTheSlice() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, LOOP); TestGuest g = new TestGuest()) {
            GuestTcp c = new GuestTcp(g, 34000, TestGuest.GW, server.getLocalPort());
            assertTrue(c.connect());
            try (Socket s = server.accept()) {
                byte[] hello = "hello".getBytes();
                batch(g, data(c, 0, hello, 0, hello.length, TcpConnection.PSH));
                assertNull(nextAck(c, 300), "a lone small segment waits for the slice's end");
                g.net.tick();
                byte[] ack = nextAck(c, 5000);
                assertNotNull(ack, "the slice ended: the held ACK goes");
                assertEquals(c.iss + 1 + hello.length, TestGuest.tcpAck(ack));
                assertArrayEquals(hello, s.getInputStream().readNBytes(hello.length));
            }
        }
    }

    @Test
    void twoFullSegmentsWaitForTheSliceEndAsOneAck() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, LOOP); TestGuest g = new TestGuest()) {
            GuestTcp c = new GuestTcp(g, 34001, TestGuest.GW, server.getLocalPort());
            assertTrue(c.connect());
            try (Socket s = server.accept()) {
                byte[] b = new byte[2 * 1460];
                new Random(1).nextBytes(b);
                batch(g, data(c, 0, b, 0, 1460, 0), data(c, 1460, b, 1460, 1460, TcpConnection.PSH));
                assertNull(nextAck(c, 300), "two segments are less than a burst: the ACK waits");
                g.net.tick();
                byte[] ack = nextAck(c, 5000);
                assertNotNull(ack, "the slice ended");
                assertEquals(c.iss + 1 + b.length, TestGuest.tcpAck(ack));
                assertNull(nextAck(c, 200), "one ACK for both");
                assertArrayEquals(b, s.getInputStream().readNBytes(b.length));
            }
        }
    }

    @Test
    void aBurstIsAcknowledgedAtOnce() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, LOOP); TestGuest g = new TestGuest()) {
            GuestTcp c = new GuestTcp(g, 34003, TestGuest.GW, server.getLocalPort());
            assertTrue(c.connect());
            try (Socket s = server.accept()) {
                int pieces = TcpConnection.ACK_AT_ONCE / 1460 + 1;
                byte[] b = new byte[pieces * 1460];
                new Random(3).nextBytes(b);
                byte[][] frames = new byte[pieces][];
                for (int i = 0; i < pieces; i++) {
                    frames[i] = data(c, i * 1460, b, i * 1460, 1460, i == pieces - 1 ? TcpConnection.PSH : 0);
                }
                batch(g, frames);
                byte[] ack = nextAck(c, 5000);
                assertNotNull(ack, "a burst's worth: no slice end needed");
                assertEquals(c.iss + 1 + b.length, TestGuest.tcpAck(ack));
                assertNull(nextAck(c, 200), "one ACK for the batch");
                assertArrayEquals(b, s.getInputStream().readNBytes(b.length));
            }
        }
    }

    @Test
    void halfAnUnscaledWindowIsAcknowledgedAtOnce() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, LOOP); TestGuest g = new TestGuest()) {
            GuestTcp c = new GuestTcp(g, 34004, TestGuest.GW, server.getLocalPort());
            c.scales = false;   // the NAT offers 65,535 bytes at most: half of it is less than ACK_AT_ONCE
            assertTrue(c.connect());
            try (Socket s = server.accept()) {
                int pieces = 65535 / 2 / 1460 + 1;
                assertTrue(pieces * 1460 < TcpConnection.ACK_AT_ONCE);
                byte[] b = new byte[pieces * 1460];
                new Random(4).nextBytes(b);
                byte[][] frames = new byte[pieces][];
                for (int i = 0; i < pieces; i++) {
                    frames[i] = data(c, i * 1460, b, i * 1460, 1460, 0);
                }
                batch(g, frames);
                byte[] ack = nextAck(c, 5000);
                assertNotNull(ack, "half the window is out: the guest must not wait for the slice's end");
                assertEquals(c.iss + 1 + b.length, TestGuest.tcpAck(ack));
                assertArrayEquals(b, s.getInputStream().readNBytes(b.length));
            }
        }
    }

    @Test
    void outOfOrderSegmentsAreKeptUntilTheHoleFills() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, LOOP); TestGuest g = new TestGuest()) {
            GuestTcp c = new GuestTcp(g, 34002, TestGuest.GW, server.getLocalPort());
            assertTrue(c.connect());
            try (Socket s = server.accept()) {
                byte[] b = new byte[3000];
                new Random(2).nextBytes(b);
                // the third and second pieces first, the third twice: each is answered with a duplicate ACK
                batch(g, data(c, 2000, b, 2000, 1000, TcpConnection.PSH));
                byte[] dup = nextAck(c, 5000);
                assertNotNull(dup);
                assertEquals(c.iss + 1, TestGuest.tcpAck(dup), "a duplicate ACK: the hole is at the start");
                batch(g, data(c, 1000, b, 1000, 1000, 0), data(c, 2000, b, 2000, 1000, TcpConnection.PSH));
                assertEquals(c.iss + 1, TestGuest.tcpAck(nextAck(c, 5000)));
                // the first piece fills the hole: everything is acknowledged at once and reaches the host in order
                batch(g, data(c, 0, b, 0, 1000, 0));
                byte[] ack = nextAck(c, 5000);
                assertNotNull(ack);
                assertEquals(c.iss + 1 + b.length, TestGuest.tcpAck(ack));
                InputStream in = s.getInputStream();
                assertArrayEquals(b, in.readNBytes(b.length));
            }
        }
    }
}
