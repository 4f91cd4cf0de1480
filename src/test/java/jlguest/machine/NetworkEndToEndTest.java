package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two jlguest processes on one virtio_net link, over each backend (udp, a TCP stream, multicast;
 * all on 127.0.0.1): each configures its address with busybox, they ping both ways, and one sends
 * the other 4 MiB over TCP with nc.
 */
class NetworkEndToEndTest {
    private static final String A_IP = "169.254.10.1";
    private static final String B_IP = "169.254.10.2";

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Process launch(Path log, String net, String script) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), "jlguest.cli.Main",
                "64m", "guest-images/vmlinux", "--initrd=guest-images/initrd.img", "--net=" + net,
                "jlguest.run=" + script));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "socket", "mcast"})
    void twoGuestsPingAndCopyAFile(String backend, @TempDir Path dir) throws Exception {
        int pa = freeUdpPort();
        int pb = freeUdpPort();
        String netA = switch (backend) {
            case "udp" -> "udp:local=127.0.0.1:" + pa + ",remote=127.0.0.1:" + pb;
            case "socket" -> "socket:listen=127.0.0.1:" + pa;
            default -> "mcast:239.255.74.80:" + pa + ",localaddr=127.0.0.1";
        };
        String netB = switch (backend) {
            case "udp" -> "udp:local=127.0.0.1:" + pb + ",remote=127.0.0.1:" + pa;
            case "socket" -> "socket:connect=127.0.0.1:" + pa;
            default -> netA;
        } + ",mac=52:54:00:12:34:99";   // every jlguest NIC starts at 52:54:00:12:34:56, as QEMU's do
        String up = "ifconfig eth0 %s netmask 255.255.0.0 up; ";
        String a = String.format(up, A_IP) + "nc -l -p 5000 > /tmp/f; echo got-$(md5sum /tmp/f | cut -c1-32); "
                + "ping -c 2 " + B_IP + " | grep -o '[0-9]* packets received'";
        String b = String.format(up, B_IP) + "sleep 1; ping -c 2 " + A_IP + " | grep -o '[0-9]* packets received'; "
                + "dd if=/dev/urandom of=/tmp/f bs=1024 count=4096 2>/dev/null; echo sent-$(md5sum /tmp/f | cut -c1-32); "
                + "nc " + A_IP + " 5000 < /tmp/f; sleep 15";
        Process pA = launch(dir.resolve("a.log"), netA, a);
        // B may connect to A's listening socket only once A is up: wait for A's kernel to speak.
        for (int i = 0; i < 300 && !java.nio.file.Files.readString(dir.resolve("a.log")).contains("Linux version"); i++) {
            Thread.sleep(100);
        }
        Process pB = launch(dir.resolve("b.log"), netB, b);
        try {
            assertTrue(pA.waitFor(240, TimeUnit.SECONDS), "guest A did not finish");
            pB.destroy();
            String outA = java.nio.file.Files.readString(dir.resolve("a.log"), StandardCharsets.UTF_8);
            String outB = java.nio.file.Files.readString(dir.resolve("b.log"), StandardCharsets.UTF_8);
            assertTrue(outB.contains("2 packets received"), "B pings A:\n" + outB);
            assertTrue(outA.contains("2 packets received"), "A pings B:\n" + outA);
            Matcher sent = Pattern.compile("sent-([0-9a-f]{32})").matcher(outB);
            Matcher got = Pattern.compile("got-([0-9a-f]{32})").matcher(outA);
            assertTrue(sent.find(), outB);
            assertTrue(got.find(), outA);
            assertEquals(sent.group(1), got.group(1), "the 4 MiB file arrived intact");
            assertEquals(0, pA.exitValue(), outA);
        } finally {
            pA.destroyForcibly();
            pB.destroyForcibly();
        }
    }
}
