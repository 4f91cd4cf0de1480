package jlguest.usernet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The guest is untrusted: frames that lie about their lengths, checksums and options, fragment
 * games, SYN floods and a window that never opens. The NAT must not throw, must stay bounded, and
 * the guest's honest traffic must keep working throughout.
 */
@Timeout(180)
class UserNetHostileTest {
    private static final InetAddress LOOP = InetAddress.getLoopbackAddress();

    /** The NAT still answers: a ping to the gateway comes back. */
    static void stillAlive(TestGuest g) throws Exception {
        g.received.clear();
        g.send(UserNetTest.echoRequest(TestGuest.GW, 4242, new byte[8]));
        byte[] r = g.await(f -> TestGuest.isIpv4(f, Packets.PROTO_ICMP) && Packets.u16(f, 38) == 4242);
        assertNotNull(r, "the NAT stopped answering");
    }

    @Test
    void garbageFramesNeverThrowOrStopTheNat() throws Exception {
        Random rnd = new Random(14);
        try (TestGuest g = new TestGuest()) {
            byte[][] honest = {
                UserNetTest.arpRequest(TestGuest.GW),
                UserNetTest.echoRequest(TestGuest.GW, 1, new byte[40]),
                UserNetTest.dhcp(Dhcp.DISCOVER, 0),
                TestGuest.udp(TestGuest.IP, 1000, TestGuest.DNS, 53, UserNetTest.dnsQuery("x")),
                TestGuest.tcp(40000, TestGuest.GW, 9, 1, 0, TcpConnection.SYN, 1000,
                        new byte[] {2, 4, 5, (byte) 0xB4, 3, 3, 7, 0}, null, 0, 0),
            };
            for (int i = 0; i < 20000; i++) {
                byte[] base = honest[rnd.nextInt(honest.length)];
                byte[] f;
                switch (rnd.nextInt(5)) {
                    case 0 -> f = java.util.Arrays.copyOf(base, rnd.nextInt(base.length + 1));   // truncated
                    case 1 -> {   // a few bytes flipped anywhere (lengths, IHL, checksums, options)
                        f = base.clone();
                        for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
                            f[rnd.nextInt(f.length)] = (byte) rnd.nextInt(256);
                        }
                    }
                    case 2 -> {   // flipped, then the IP checksum fixed so the damage reaches the upper layers
                        f = base.clone();
                        f[14 + 20 + rnd.nextInt(f.length - 34)] = (byte) rnd.nextInt(256);
                        if (f.length >= 34 && Packets.u16(f, 12) == 0x0800) {
                            Packets.put16(f, 24, 0);
                            Packets.put16(f, 24, Packets.checksum(f, 14, 20));
                        }
                    }
                    case 3 -> {   // bad total length / IHL with a good IP checksum
                        f = base.clone();
                        if (f.length >= 34 && Packets.u16(f, 12) == 0x0800) {
                            f[14] = (byte) (0x40 | rnd.nextInt(16));
                            Packets.put16(f, 16, rnd.nextInt(65536));
                            Packets.put16(f, 24, 0);
                            Packets.put16(f, 24, Packets.checksum(f, 14, 20));
                        }
                    }
                    default -> {
                        f = new byte[rnd.nextInt(200)];
                        rnd.nextBytes(f);
                    }
                }
                g.send(f);
                if (i % 500 == 0) {
                    Thread.sleep(2);   // let the NAT keep up (its inbox drops beyond 1,024 frames)
                }
            }
            stillAlive(g);
            assertTrue(g.net.badFrames > 1000, "bad frames counted: " + g.net.badFrames);
        }
    }

    @Test
    void bogusTcpOptionsAreSurvived() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOP); TestGuest g = new TestGuest()) {
            byte[][] opts = {
                {2, 0, 0, 0},              // MSS of length 0
                {2, 4, 0, 0},              // MSS 0
                {3, 3, (byte) 200, 0},     // window scale 200
                {5, (byte) 255, 0, 0},     // SACK running past the header
                {1, 1, 1, 8},              // NOPs then a truncated timestamp
                {(byte) 254, 1, 0, 0},     // length 1
            };
            for (int i = 0; i < opts.length; i++) {
                g.send(TestGuest.tcp(41000 + i, TestGuest.GW, server.getLocalPort(), 7, 0, TcpConnection.SYN, 4096,
                        opts[i], null, 0, 0));
            }
            for (int i = 0; i < opts.length; i++) {
                int port = 41000 + i;
                byte[] synAck = g.await(f -> TestGuest.isTcp(f, port));
                assertNotNull(synAck, "SYN-ACK for bogus options " + i);
                assertEquals(TcpConnection.SYN | TcpConnection.ACK, TestGuest.tcpFlags(synAck));
            }
            stillAlive(g);
        }
    }

    @Test
    void overlappingFragmentsAreDroppedAndReassemblyStaysBounded() throws Exception {
        try (TestGuest g = new TestGuest()) {
            byte[] payload = new byte[64];
            // Two fragments of one datagram that overlap: the datagram is dropped.
            g.send(fragment(1, 0, true, payload));
            g.send(fragment(1, 32, false, payload));
            // Thousands of first fragments that never complete.
            for (int id = 2; id < 3000; id++) {
                g.send(fragment(id, 0, true, payload));
                if (id % 500 == 0) {
                    Thread.sleep(5);
                }
            }
            stillAlive(g);
            assertTrue(g.net.reassembly.inProgress() <= Reassembly.MAX_DATAGRAMS);
            assertTrue(g.net.reassembly.dropped > 100, "dropped " + g.net.reassembly.dropped);
        }
    }

    static byte[] fragment(int id, int offset, boolean more, byte[] data) {
        byte[] f = TestGuest.ipv4(TestGuest.IP, TestGuest.GW, Packets.PROTO_UDP, data);
        Packets.ipv4Header(f, 14, TestGuest.IP, TestGuest.GW, Packets.PROTO_UDP, 20 + data.length, id,
                (more ? 0x2000 : 0) | offset / 8);
        return f;
    }

    @Test
    void aSynFloodIsBoundedAndAnEstablishedConnectionKeepsWorking() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1000, LOOP); TestGuest g = new TestGuest()) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = server.accept();
                        s.setSoLinger(true, 0);
                    }
                } catch (Exception e) {
                    // server closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            GuestTcp honest = new GuestTcp(g, 50000, TestGuest.GW, server.getLocalPort());
            assertTrue(honest.connect());
            for (int i = 0; i < 3000; i++) {
                g.send(TestGuest.tcp(1024 + i, TestGuest.GW, server.getLocalPort(), i, 0, TcpConnection.SYN, 1000));
                if (i % 500 == 0) {
                    Thread.sleep(5);
                }
            }
            Thread.sleep(300);
            assertTrue(g.net.tcp.size() <= TcpNat.MAX_CONNECTIONS, "table " + g.net.tcp.size());
            stillAlive(g);
            // the honest connection still works (the host closes it right after: linger 0)
            honest.q.clear();
            honest.ack();
            stillAlive(g);
        }
    }

    @Test
    void aWindowThatStaysShutCostsBoundedMemoryAndRecovers() throws Exception {
        byte[] big = UserNetTest.random(32 << 20, 5);
        try (ServerSocket server = new ServerSocket(0, 5, LOOP); TestGuest g = new TestGuest()) {
            Thread writer = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.getOutputStream().write(big);   // blocks once every buffer is full
                } catch (Exception e) {
                    // the test reports what arrived
                }
            });
            writer.start();
            GuestTcp c = new GuestTcp(g, 50001, TestGuest.GW, server.getLocalPort());
            c.window = 0;
            assertTrue(c.connect());
            // The guest's window stays shut for 3 s: the NAT buffers at most its ring and probes.
            Thread.sleep(3000);
            String t = g.net.table();
            assertTrue(t.contains("ESTABLISHED"), t);
            assertTrue(writer.isAlive(), "the host writer is held back, not drained into memory");
            stillAlive(g);
            // Another connection works meanwhile.
            try (ServerSocket other = new ServerSocket(0, 5, LOOP)) {
                Thread o = new Thread(() -> {
                    try (Socket s = other.accept()) {
                        s.getOutputStream().write(s.getInputStream().readAllBytes());
                    } catch (Exception e) {
                        // short
                    }
                });
                o.start();
                GuestTcp d = new GuestTcp(g, 50002, TestGuest.GW, other.getLocalPort());
                assertTrue(d.connect());
                assertEquals("still here", new String(d.transfer("still here".getBytes(), 10000)));
            }
            // Open the window: every byte arrives, in order.
            c.window = 65535;
            c.ack();
            byte[] got = c.transfer(new byte[0], 60000);
            assertEquals(UserNetTest.md5(big), UserNetTest.md5(got));
        }
    }
}
