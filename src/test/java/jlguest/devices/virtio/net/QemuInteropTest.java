package jlguest.devices.virtio.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jlguest.bus.Ram;
import jlguest.devices.virtio.FakeDriver;
import jlguest.devices.virtio.FakeDriver.Buf;
import jlguest.devices.virtio.FakeDriver.Used;
import jlguest.devices.virtio.VirtioMmio;

/**
 * A QEMU guest (the bundled kernel and initrd in {@code qemu-system-i386 -M microvm}) pings
 * 10.0.9.1 through one of our virtio_net devices, whose fake driver answers ARP and ICMP echo.
 * Proves each backend's wire format against QEMU's, in both directions. Skipped without
 * qemu-system-i386; about 2 s each here. The TCP stream runs by default, UDP and multicast with
 * {@code -Plong}.
 */
class QemuInteropTest {
    static final byte[] OUR_IP = {10, 0, 9, 1};

    @TempDir
    Path dir;

    @Test
    void tcpStream() throws Exception {
        VirtioNet net = TestNets.device("socket:listen=127.0.0.1:0,mac=52:54:00:00:09:01");
        int port = ((StreamBackend) net.backend()).listenAddress().getPort();
        pingFromQemu(net, "socket,id=n0,connect=127.0.0.1:" + port);
    }

    @Test
    @Tag("long")
    void udpDatagrams() throws Exception {
        int ours = freePort();
        int theirs = freePort();
        VirtioNet net = TestNets.device("udp:local=127.0.0.1:" + ours + ",remote=127.0.0.1:" + theirs
                + ",mac=52:54:00:00:09:01");
        pingFromQemu(net, "dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=" + theirs
                + ",remote.type=inet,remote.host=127.0.0.1,remote.port=" + ours);
    }

    @Test
    @Tag("long")
    void multicastSegment() throws Exception {
        int port = freePort();
        VirtioNet net = TestNets.device("mcast:239.255.74.77:" + port + ",localaddr=127.0.0.1,mac=52:54:00:00:09:01");
        pingFromQemu(net, "socket,id=n0,mcast=239.255.74.77:" + port + ",localaddr=127.0.0.1");
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void pingFromQemu(VirtioNet net, String netdev) throws Exception {
        Path kernel = Path.of("guest-images/bzImage");
        Path initrd = Path.of("guest-images/initrd.img");
        boolean qemu = List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).stream()
                .anyMatch(d -> Files.isExecutable(Path.of(d, "qemu-system-i386")));
        if (!qemu || !Files.exists(kernel) || !Files.exists(initrd)) {
            net.close();
            Assumptions.abort("needs qemu-system-i386 and guest-images/");
        }
        Ram ram = new Ram(4 << 20);
        FakeDriver.Line line = new FakeDriver.Line();
        FakeDriver drv = new FakeDriver(ram, line, new VirtioMmio(ram, line, net)).start(2);
        Map<Integer, Integer> rxBufs = new HashMap<>();
        for (int i = 0; i < 32; i++) {
            int a = drv.alloc(12 + 1518, 4);
            rxBufs.put(drv.add(drv.q(0), new Buf(a, 12 + 1518, true)), a);
        }
        drv.kick(drv.q(0));
        Path log = dir.resolve("qemu.log");
        Process p = new ProcessBuilder("qemu-system-i386",
                "-M", "microvm,x-option-roms=off,rtc=on,pit=on,pic=on,isa-serial=on,acpi=off",
                "-accel", "tcg", "-cpu", "pentium3,-apic", "-nographic", "-no-reboot",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=1", "-m", "64",
                "-kernel", kernel.toString(), "-initrd", initrd.toString(),
                "-netdev", netdev,
                "-device", "virtio-net-device,netdev=n0,mac=52:54:00:00:09:02",
                "-append", "console=ttyS0 jlguest.run=\"ip link set eth0 up; ip addr add 10.0.9.2/24 dev eth0; "
                        + "ping -c 2 -W 5 10.0.9.1\"")
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        int answered = 0;
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (p.isAlive() && System.nanoTime() < end) {
                net.poll();
                for (Used u : drv.used(drv.q(0))) {
                    int a = rxBufs.get(u.head());
                    byte[] frame = java.util.Arrays.copyOfRange(ram.bytes, a + 12, a + u.len());
                    byte[] reply = answer(frame, net.mac());
                    if (reply != null) {
                        int h = drv.alloc(12, 4);
                        int f = drv.alloc(reply.length, 4);
                        ram.load(f, reply, 0, reply.length);
                        drv.add(drv.q(1), new Buf(h, 12, false), new Buf(f, reply.length, false));
                        drv.kick(drv.q(1));
                        drv.used(drv.q(1));
                        answered++;
                    }
                    rxBufs.put(drv.add(drv.q(0), new Buf(a, 12 + 1518, true)), a);
                    drv.kick(drv.q(0));
                }
                Thread.sleep(1);
            }
        } finally {
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
            net.close();
        }
        String out = Files.readString(log, StandardCharsets.ISO_8859_1);
        assertTrue(out.contains("2 packets received"), out);
        assertTrue(answered >= 3, "ARP + 2 echo replies, got " + answered);
        assertEquals(1, p.exitValue(), "isa-debug-exit: (0 << 1) | 1");
    }

    /** The smallest host there is: answers ARP for 10.0.9.1 and ICMP echo requests to it. */
    static byte[] answer(byte[] f, byte[] mac) {
        if (f.length < 42) {
            return null;
        }
        int type = (f[12] & 0xFF) << 8 | f[13] & 0xFF;
        if (type == 0x0806 && f[21] == 1 && java.util.Arrays.equals(f, 38, 42, OUR_IP, 0, 4)) {
            byte[] r = f.clone();
            System.arraycopy(f, 6, r, 0, 6);
            System.arraycopy(mac, 0, r, 6, 6);
            r[21] = 2;
            System.arraycopy(mac, 0, r, 22, 6);
            System.arraycopy(OUR_IP, 0, r, 28, 4);
            System.arraycopy(f, 22, r, 32, 10);   // their MAC and IP
            return r;
        }
        int ihl = (f[14] & 0x0F) * 4;
        if (type == 0x0800 && f[23] == 1 && java.util.Arrays.equals(f, 30, 34, OUR_IP, 0, 4) && f[14 + ihl] == 8) {
            int total = (f[16] & 0xFF) << 8 | f[17] & 0xFF;
            byte[] r = java.util.Arrays.copyOf(f, 14 + total);
            System.arraycopy(f, 6, r, 0, 6);
            System.arraycopy(mac, 0, r, 6, 6);
            System.arraycopy(f, 30, r, 26, 4);   // swapping addresses keeps the IP checksum
            System.arraycopy(f, 26, r, 30, 4);
            int icmp = 14 + ihl;
            r[icmp] = 0;
            r[icmp + 2] = 0;
            r[icmp + 3] = 0;
            int sum = 0;
            for (int i = icmp; i < r.length; i += 2) {
                sum += (r[i] & 0xFF) << 8 | (i + 1 < r.length ? r[i + 1] & 0xFF : 0);
            }
            while ((sum >>> 16) != 0) {
                sum = (sum & 0xFFFF) + (sum >>> 16);
            }
            sum = ~sum & 0xFFFF;
            r[icmp + 2] = (byte) (sum >>> 8);
            r[icmp + 3] = (byte) sum;
            return r;
        }
        return null;
    }
}
