package jlguest.usernet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The NAT against hand-built frames and real host sockets (all on 127.0.0.1): ARP, ICMP echo,
 * DHCP, DNS forwarding, UDP, TCP both ways, refusals, hostfwd, restrict.
 */
@Timeout(120)
class UserNetTest {
    private static final InetAddress LOOP = InetAddress.getLoopbackAddress();

    static byte[] arpRequest(int target) {
        byte[] f = new byte[42];
        System.arraycopy(Packets.BROADCAST, 0, f, 0, 6);
        System.arraycopy(TestGuest.MAC, 0, f, 6, 6);
        Packets.put16(f, 12, 0x0806);
        Packets.put16(f, 14, 1);
        Packets.put16(f, 16, 0x0800);
        f[18] = 6;
        f[19] = 4;
        Packets.put16(f, 20, 1);
        System.arraycopy(TestGuest.MAC, 0, f, 22, 6);
        Packets.put32(f, 28, TestGuest.IP);
        Packets.put32(f, 38, target);
        return f;
    }

    static byte[] echoRequest(int dst, int id, byte[] data) {
        byte[] p = new byte[8 + data.length];
        p[0] = 8;
        Packets.put16(p, 4, id);
        Packets.put16(p, 6, 1);
        System.arraycopy(data, 0, p, 8, data.length);
        Packets.put16(p, 2, Packets.checksum(p, 0, p.length));
        return TestGuest.ipv4(TestGuest.IP, dst, Packets.PROTO_ICMP, p);
    }

    static byte[] dhcp(int type, int requested) {
        byte[] d = new byte[300];
        d[0] = 1;
        d[1] = 1;
        d[2] = 6;
        Packets.put32(d, 4, 0x12345678);
        System.arraycopy(TestGuest.MAC, 0, d, 28, 6);
        Packets.put32(d, 236, 0x63825363);
        int o = 240;
        d[o++] = 53;
        d[o++] = 1;
        d[o++] = (byte) type;
        if (requested != 0) {
            d[o++] = 50;
            d[o++] = 4;
            Packets.put32(d, o, requested);
            o += 4;
        }
        d[o] = (byte) 255;
        byte[] f = TestGuest.udp(0, 68, -1, 67, d);
        System.arraycopy(Packets.BROADCAST, 0, f, 0, 6);
        return f;
    }

    /** DHCP option {@code code} of a reply frame as an int (1 or 4 bytes), or -1. */
    static long dhcpOption(byte[] f, int code) {
        int o = TestGuest.l4(f) + 8 + 240;
        while (o < f.length && (f[o] & 0xFF) != 255) {
            int c = f[o] & 0xFF;
            int len = f[o + 1] & 0xFF;
            if (c == code) {
                return len == 1 ? f[o + 2] & 0xFF : Packets.i32(f, o + 2) & 0xFFFFFFFFL;
            }
            o += 2 + len;
        }
        return -1;
    }

    @Test
    void arpReplyForTheGatewayAndDnsButNotForOthers() throws Exception {
        try (TestGuest g = new TestGuest()) {
            for (int target : new int[] {TestGuest.GW, TestGuest.DNS}) {
                g.send(arpRequest(target));
                byte[] r = g.await(f -> Packets.u16(f, 12) == 0x0806);
                assertNotNull(r, "ARP reply");
                assertEquals(2, Packets.u16(r, 20), "op = reply");
                assertEquals(target, Packets.i32(r, 28), "sender IP");
                assertArrayEquals(TestGuest.MAC, java.util.Arrays.copyOfRange(r, 0, 6));
                assertArrayEquals(Packets.GATEWAY_MAC, java.util.Arrays.copyOfRange(r, 22, 28));
            }
            g.send(arpRequest(0x0A000209));
            assertEquals(null, g.await(f -> Packets.u16(f, 12) == 0x0806, 300), "no answer for 10.0.2.9");
        }
    }

    @Test
    void pingTheGateway() throws Exception {
        try (TestGuest g = new TestGuest()) {
            byte[] data = "hello, gateway".getBytes();
            g.send(echoRequest(TestGuest.GW, 77, data));
            byte[] r = g.await(f -> TestGuest.isIpv4(f, Packets.PROTO_ICMP));
            assertNotNull(r);
            assertTrue(TestGuest.checksumsOk(r));
            assertEquals(0, r[34], "echo reply");
            assertEquals(77, Packets.u16(r, 38));
            assertEquals(TestGuest.GW, TestGuest.ipSrc(r));
            assertArrayEquals(data, java.util.Arrays.copyOfRange(r, 42, r.length));
        }
    }

    @Test
    void dhcpOffersAndAcksTheQemuAddresses() throws Exception {
        try (TestGuest g = new TestGuest()) {
            g.send(dhcp(Dhcp.DISCOVER, 0));
            byte[] offer = g.await(f -> TestGuest.isIpv4(f, Packets.PROTO_UDP));
            assertNotNull(offer);
            assertTrue(TestGuest.checksumsOk(offer));
            int d = TestGuest.l4(offer) + 8;
            assertEquals(2, offer[d], "BOOTREPLY");
            assertEquals(0x12345678, Packets.i32(offer, d + 4), "xid");
            assertEquals(TestGuest.IP, Packets.i32(offer, d + 16), "yiaddr 10.0.2.15");
            assertEquals(Dhcp.OFFER, dhcpOption(offer, 53));
            g.send(dhcp(Dhcp.REQUEST, TestGuest.IP));
            byte[] ack = g.await(f -> TestGuest.isIpv4(f, Packets.PROTO_UDP));
            assertNotNull(ack);
            assertEquals(Dhcp.ACK, dhcpOption(ack, 53));
            assertEquals(0xFFFFFF00L, dhcpOption(ack, 1), "subnet mask");
            assertEquals(TestGuest.GW, (int) dhcpOption(ack, 3), "router");
            assertEquals(TestGuest.DNS, (int) dhcpOption(ack, 6), "DNS");
            assertEquals(86400, dhcpOption(ack, 51), "lease");
            assertEquals(TestGuest.GW, (int) dhcpOption(ack, 54), "server id");
            g.send(dhcp(Dhcp.REQUEST, 0x0A000263));
            byte[] nak = g.await(f -> TestGuest.isIpv4(f, Packets.PROTO_UDP));
            assertEquals(Dhcp.NAK, dhcpOption(nak, 53), "a request for another address");
        }
    }

    static byte[] dnsQuery(String name) {
        java.io.ByteArrayOutputStream q = new java.io.ByteArrayOutputStream();
        q.writeBytes(new byte[] {0x42, 0x42, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            q.write(label.length());
            q.writeBytes(label.getBytes());
        }
        q.writeBytes(new byte[] {0, 0, 1, 0, 1});
        return q.toByteArray();
    }

    @Test
    void dnsQueriesGoToTheHostResolver() throws Exception {
        try (TinyDns dns = new TinyDns();
             TestGuest g = new TestGuest(UserNetConfig.parse(List.of("dns-forward=127.0.0.1:" + dns.port())))) {
            g.send(TestGuest.udp(TestGuest.IP, 5353, TestGuest.DNS, 53, dnsQuery("localhost")));
            byte[] r = g.await(f -> TestGuest.isIpv4(f, Packets.PROTO_UDP));
            assertNotNull(r, "DNS answer");
            assertTrue(TestGuest.checksumsOk(r));
            int u = TestGuest.l4(r);
            assertEquals(53, Packets.u16(r, u), "from port 53");
            assertEquals(TestGuest.DNS, TestGuest.ipSrc(r), "from 10.0.2.3");
            assertEquals(0x4242, Packets.u16(r, u + 8), "query id");
            assertEquals(1, Packets.u16(r, u + 8 + 6), "one answer");
            byte[] a = java.util.Arrays.copyOfRange(r, r.length - 4, r.length);
            assertArrayEquals(new byte[] {127, 0, 0, 1}, a);
        }
    }

    @Test
    void systemResolverComesFromResolvConf(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path rc = dir.resolve("resolv.conf");
        java.nio.file.Files.writeString(rc, "# comment\nsearch example\nnameserver 127.0.0.53\nnameserver 127.0.0.9\n");
        assertEquals("127.0.0.53", UserNetConfig.systemResolver(rc).getHostAddress());
        assertEquals("127.0.0.1", UserNetConfig.systemResolver(dir.resolve("none")).getHostAddress());
    }

    @Test
    void udpToTheGatewayReachesHostLoopbackAndFragmentsAreReassembled() throws Exception {
        try (DatagramSocket echo = new DatagramSocket(0, LOOP); TestGuest g = new TestGuest()) {
            byte[] big = new byte[3000];
            new Random(1).nextBytes(big);
            // One 3,008-byte UDP datagram cut into three IPv4 fragments by hand.
            byte[] whole = TestGuest.udp(TestGuest.IP, 7777, TestGuest.GW, echo.getLocalPort(), big);
            byte[] udp = java.util.Arrays.copyOfRange(whole, 34, whole.length);
            int[][] cuts = {{0, 1480}, {1480, 2960}, {2960, udp.length}};
            for (int i = cuts.length - 1; i >= 0; i--) {   // out of order, too
                int[] c = cuts[i];
                byte[] frag = TestGuest.ipv4(TestGuest.IP, TestGuest.GW, Packets.PROTO_UDP,
                        java.util.Arrays.copyOfRange(udp, c[0], c[1]));
                Packets.ipv4Header(frag, 14, TestGuest.IP, TestGuest.GW, Packets.PROTO_UDP, 20 + c[1] - c[0], 99,
                        (i < cuts.length - 1 ? 0x2000 : 0) | c[0] / 8);
                g.send(frag);
            }
            echo.setSoTimeout(5000);
            DatagramPacket p = new DatagramPacket(new byte[4000], 4000);
            echo.receive(p);
            assertArrayEquals(big, java.util.Arrays.copyOf(p.getData(), p.getLength()));
            // The reply (as big) comes back fragmented to fit the MTU.
            echo.send(new DatagramPacket(big, big.length, p.getSocketAddress()));
            byte[] f1 = g.await(f -> TestGuest.isIpv4(f, Packets.PROTO_UDP));
            assertNotNull(f1);
            assertEquals(0x2000, Packets.u16(f1, 20) & 0x2000, "more fragments");
            assertTrue(f1.length <= 1514);
        }
    }

    @Test
    void tcpToTheGatewayIsAConnectionToHostLoopback() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOP); TestGuest g = new TestGuest()) {
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    byte[] b = s.getInputStream().readAllBytes();
                    s.getOutputStream().write(("echo:" + new String(b)).getBytes());
                } catch (Exception e) {
                    // the test fails on what it does not get
                }
            });
            t.start();
            GuestTcp c = new GuestTcp(g, 33000, TestGuest.GW, server.getLocalPort());
            assertTrue(c.connect(), "SYN-ACK");
            assertEquals("echo:ping", new String(c.transfer("ping".getBytes(), 10000)));
            t.join(5000);
        }
    }

    @Test
    void aPulledCableResetsTheHostSideOfEveryConnection() throws Exception {
        // What a loadvm does to the NAT: the restored guest knows nothing of the connections.
        try (ServerSocket server = new ServerSocket(0, 50, LOOP); TestGuest g = new TestGuest()) {
            GuestTcp c = new GuestTcp(g, 33001, TestGuest.GW, server.getLocalPort());
            assertTrue(c.connect(), "SYN-ACK");
            try (Socket s = server.accept()) {
                s.setSoTimeout(10_000);
                assertTrue(g.net.table().contains(":" + server.getLocalPort()), g.net.table());
                g.net.cablePulled();
                int end;
                try {
                    end = s.getInputStream().read();
                } catch (java.net.SocketException reset) {
                    end = -1;   // a reset: as good as an end
                }
                assertEquals(-1, end, "the host side sees the connection end");
                assertFalse(g.net.table().contains(":" + server.getLocalPort()), g.net.table());
            }
        }
    }

    @Test
    void aClosedPortIsRefusedAtOnce() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, LOOP)) {
            port = s.getLocalPort();
        }
        try (TestGuest g = new TestGuest()) {
            GuestTcp c = new GuestTcp(g, 33001, TestGuest.GW, port);
            assertFalse(c.connect(), "a RST, not a SYN-ACK");
            // ... and other addresses of our network are refused too
            GuestTcp d = new GuestTcp(g, 33002, 0x0A000209, 80);
            assertFalse(d.connect());
        }
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String md5(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    @Test
    void aMegabyteEachWayArrivesIntact() throws Exception {
        byte[] down = random(1 << 20, 2);
        byte[] up = random(1 << 20, 3);
        try (ServerSocket server = new ServerSocket(0, 50, LOOP); TestGuest g = new TestGuest()) {
            String[] hostGot = new String[1];
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    Thread w = new Thread(() -> {
                        try {
                            s.getOutputStream().write(down);
                            s.shutdownOutput();
                        } catch (Exception e) {
                            // seen as a short transfer
                        }
                    });
                    w.start();
                    hostGot[0] = md5(s.getInputStream().readAllBytes());
                    w.join();
                } catch (Exception e) {
                    hostGot[0] = e.toString();
                }
            });
            t.start();
            GuestTcp c = new GuestTcp(g, 33003, TestGuest.GW, server.getLocalPort());
            assertTrue(c.connect());
            byte[] got = c.transfer(up, 60000);
            t.join(10000);
            assertEquals(md5(down), md5(got), "host -> guest");
            assertEquals(md5(up), hostGot[0], "guest -> host");
        }
    }

    /**
     * A guest that takes receive offloads gets the host's bytes in segments of up to 44 pieces of
     * its MSS (64,240 bytes), each with a checksum that verifies and the MSS as gso size; one
     * that does not gets MTU-sized frames. Both get every byte.
     */
    @Test
    void largeSegmentsToAGuestThatTakesThem() throws Exception {
        for (boolean large : new boolean[] {true, false}) {
            byte[] down = random(1 << 20, 4);
            try (ServerSocket server = new ServerSocket(0, 50, LOOP); TestGuest g = new TestGuest()) {
                g.largeSegments = large;
                Thread t = new Thread(() -> {
                    try (Socket s = server.accept()) {
                        s.getOutputStream().write(down);
                        s.shutdownOutput();
                        s.getInputStream().readAllBytes();
                    } catch (Exception e) {
                        // seen as a short transfer
                    }
                });
                t.start();
                GuestTcp c = new GuestTcp(g, 33004, TestGuest.GW, server.getLocalPort());
                assertTrue(c.connect());
                byte[] got = c.transfer(new byte[0], 60000);
                t.join(10000);
                assertEquals(md5(down), md5(got), "host -> guest, large " + large);
                int biggest = g.segments.stream().mapToInt(x -> x[0]).max().orElse(0);
                assertTrue(g.segments.stream().allMatch(x -> x[1] == 1460), "gso size is the MSS");
                if (large) {
                    assertTrue(biggest > 1514 && biggest <= 14 + 40 + 64240, "largest segment " + biggest);
                } else {
                    assertEquals(14 + 40 + 1460, biggest, "one MSS at a time");
                }
            }
        }
    }

    @Test
    void aHundredConcurrentConnections() throws Exception {
        int n = 100;
        try (ServerSocket server = new ServerSocket(0, 200, LOOP); TestGuest g = new TestGuest()) {
            Thread t = new Thread(() -> {
                for (int i = 0; i < n; i++) {
                    try {
                        Socket s = server.accept();
                        Thread h = new Thread(() -> {
                            try (s) {
                                byte[] b = s.getInputStream().readAllBytes();
                                s.getOutputStream().write(b);
                                s.getOutputStream().write(b);
                            } catch (Exception e) {
                                // short reply
                            }
                        });
                        h.start();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            t.start();
            GuestTcp[] cs = new GuestTcp[n];
            for (int i = 0; i < n; i++) {
                cs[i] = new GuestTcp(g, 34000 + i, TestGuest.GW, server.getLocalPort());
                cs[i].sendSyn();
            }
            for (int i = 0; i < n; i++) {
                assertTrue(cs[i].finishConnect(5000), "connection " + i);
            }
            assertTrue(g.net.table().split("ESTABLISHED", -1).length - 1 >= n, g.net.table());
            for (int i = 0; i < n; i++) {
                byte[] msg = ("connection " + i).getBytes();
                byte[] got = cs[i].transfer(msg, 10000);
                assertEquals("connection " + i + "connection " + i, new String(got));
            }
        }
    }

    @Test
    void hostForwardReachesTheGuest() throws Exception {
        UserNetConfig cfg = UserNetConfig.parse(List.of("hostfwd=tcp:127.0.0.1:0-:8080", "restrict=on"));
        try (TestGuest g = new TestGuest(cfg)) {
            int port = g.net.forwardPort(0);
            try (Socket s = new Socket(LOOP, port)) {
                byte[] syn = g.await(f -> TestGuest.isTcp(f, 8080));
                assertNotNull(syn, "a SYN to the guest's port 8080");
                assertEquals(TcpConnection.SYN, TestGuest.tcpFlags(syn));
                assertTrue(TestGuest.checksumsOk(syn), "SYN checksums");
                assertEquals(TestGuest.IP, TestGuest.ipDst(syn));
                assertEquals(TestGuest.GW, TestGuest.ipSrc(syn));
                int farPort = Packets.u16(syn, TestGuest.l4(syn));
                int seq = TestGuest.tcpSeq(syn);
                // The guest accepts: SYN-ACK, then answers "hi" and closes.
                g.send(TestGuest.tcp(8080, TestGuest.GW, farPort, 5000, seq + 1, TcpConnection.SYN | TcpConnection.ACK,
                        65535));
                byte[] ack = g.await(f -> TestGuest.isTcp(f, 8080));
                assertEquals(TcpConnection.ACK, TestGuest.tcpFlags(ack));
                byte[] hi = "hi".getBytes();
                g.send(TestGuest.tcp(8080, TestGuest.GW, farPort, 5001, seq + 1,
                        TcpConnection.ACK | TcpConnection.PSH | TcpConnection.FIN, 65535, null, hi, 0, 2));
                s.setSoTimeout(5000);
                assertEquals("hi", new String(s.getInputStream().readAllBytes()));
            }
            // restrict=on: the guest reaches nothing itself
            try (ServerSocket server = new ServerSocket(0, 1, LOOP)) {
                GuestTcp c = new GuestTcp(g, 33010, TestGuest.GW, server.getLocalPort());
                assertFalse(c.connect(), "restricted: refused");
            }
        }
    }

    @Test
    void aBusyForwardPortIsOneLine() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, LOOP)) {
            UserNetConfig cfg = UserNetConfig.parse(List.of("hostfwd=tcp:127.0.0.1:" + busy.getLocalPort() + "-:22"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new UserNet(cfg, TestGuest.MAC, 1500));
            assertTrue(e.getMessage().startsWith("hostfwd: cannot listen on tcp 127.0.0.1:"), e.getMessage());
        }
    }

    @Test
    void optionMistakesAreOneLine() {
        String[][] bad = {
            {"net=10.0.2"}, {"net=10.0.2.0/33"}, {"host=10.0.3.2"}, {"dns=10.0.2.2"}, {"restrict=maybe"},
            {"hostfwd=sctp::1-:2"}, {"hostfwd=tcp::99999-:22"}, {"hostfwd=tcp::22"}, {"hostfwd=tcp::2222-10.9.9.9:22"},
            {"colour=blue"}, {"noequals"}, {"net=10.0.2.0/24", "net=10.0.3.0/24"},
        };
        for (String[] words : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> UserNetConfig.parse(List.of(words)), String.join(",", words));
            assertFalse(e.getMessage().contains("\n"));
        }
        UserNetConfig c = UserNetConfig.parse(List.of("net=192.168.76.0/24", "hostfwd=udp::5555-:53"));
        assertEquals(0xC0A84C02, c.host());
        assertEquals(0xC0A84C03, c.dns());
        assertEquals(0xC0A84C0F, c.dhcpStart());
        assertEquals(0xC0A84C0F, c.forwards().get(0).guestAddr());
        assertEquals("127.0.0.1", c.forwards().get(0).hostSide().getAddress().getHostAddress());
    }

    @Test
    void infoUsernetListsConnectionsAndForwards() throws Exception {
        UserNetConfig cfg = UserNetConfig.parse(List.of("hostfwd=tcp:127.0.0.1:0-:80"));
        try (ServerSocket server = new ServerSocket(0, 5, LOOP); TestGuest g = new TestGuest(cfg)) {
            GuestTcp c = new GuestTcp(g, 33020, TestGuest.GW, server.getLocalPort());
            assertTrue(c.connect());
            String t = g.net.table();
            assertTrue(t.contains("HOST_FORWARD"), t);
            assertTrue(t.contains("10.0.2.15:33020"), t);
            assertTrue(t.contains("127.0.0.1:" + server.getLocalPort()), t);
            assertTrue(t.contains("ESTABLISHED"), t);
        }
    }

    static void drainAndCheck(InputStream in, OutputStream ignored) {
    }
}
