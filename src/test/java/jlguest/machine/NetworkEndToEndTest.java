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

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two jlguest processes on one virtio_net link (the udp backend over 127.0.0.1): each configures
 * its address with busybox, they ping both ways, and one sends the other 4 MiB over TCP with nc.
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

    @Test
    void twoGuestsPingAndCopyAFile(@TempDir Path dir) throws Exception {
        int pa = freeUdpPort();
        int pb = freeUdpPort();
        String up = "ifconfig eth0 %s netmask 255.255.0.0 up; ";
        String a = String.format(up, A_IP) + "nc -l -p 5000 > /tmp/f; echo got-$(md5sum /tmp/f | cut -c1-32); "
                + "ping -c 2 " + B_IP + " | grep -o '[0-9]* packets received'";
        String b = String.format(up, B_IP) + "sleep 1; ping -c 2 " + A_IP + " | grep -o '[0-9]* packets received'; "
                + "dd if=/dev/urandom of=/tmp/f bs=1024 count=4096 2>/dev/null; echo sent-$(md5sum /tmp/f | cut -c1-32); "
                + "nc " + A_IP + " 5000 < /tmp/f; sleep 15";
        Process pA = launch(dir.resolve("a.log"), "udp:local=127.0.0.1:" + pa + ",remote=127.0.0.1:" + pb, a);
        Process pB = launch(dir.resolve("b.log"), "udp:local=127.0.0.1:" + pb + ",remote=127.0.0.1:" + pa, b);
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
