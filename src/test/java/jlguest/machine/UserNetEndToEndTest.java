package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;

import jlguest.usernet.TinyDns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled guest on {@code --net=user}, against real servers on the host's loopback (and
 * nothing else): DHCP gives 10.0.2.15; a 1 MiB file from an HTTP server on 127.0.0.1 arrives
 * intact through 10.0.2.2; 100 concurrent connections all complete; a name resolves through
 * 10.0.2.3; a closed host port is refused at once; and a host connection to a hostfwd port
 * reaches the guest's busybox httpd.
 */
class UserNetEndToEndTest {
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void theBundledGuestReachesTheHostAndTheHostReachesTheGuest(@TempDir Path dir) throws Exception {
        byte[] file = new byte[1 << 20];
        new Random(14).nextBytes(file);
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(file));
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        http.setExecutor(Executors.newFixedThreadPool(16));
        http.createContext("/file", ex -> {
            ex.sendResponseHeaders(200, file.length);
            try (var out = ex.getResponseBody()) {
                out.write(file);
            }
        });
        http.createContext("/small", ex -> {
            byte[] b = "small\n".getBytes();
            ex.sendResponseHeaders(200, b.length);
            try (var out = ex.getResponseBody()) {
                out.write(b);
            }
        });
        http.start();
        int closed = freePort();
        int fwdHttp = freePort();
        int fwdDone = freePort();
        Path log = dir.resolve("guest.log");
        String fetched = null;
        try (TinyDns dns = new TinyDns()) {
            int port = http.getAddress().getPort();
            String script = String.join("; ",
                    "ip -4 addr show eth0 | grep -o 'inet [0-9.]*'",
                    "wget -q -O - http://10.0.2.2:" + port + "/file | md5sum | sed 's/^/got-/'",
                    "for i in $(seq 100); do (wget -q -O - http://10.0.2.2:" + port + "/small > /tmp/r$i 2>&1) & done; wait",
                    "echo concurrent-$(cat /tmp/r* | grep -c small)",
                    "nslookup localhost 10.0.2.3 | grep -A1 localhost | grep -o 'Address[ 0-9:]*127.0.0.1' | sed 's/^/dns-/'",
                    "wget -q -O - http://10.0.2.2:" + closed + "/ 2>&1 | grep -o 'refused' | sed 's/^/closed-/'",
                    "mkdir /www; echo hello-from-the-guest > /www/hello.txt; httpd -p 8080 -h /www",
                    // the marker only once nc listens: the host connects to it as soon as it sees the marker
                    "(while ! netstat -ltn | grep -q ':9000 '; do sleep 0.1; done; echo httpd-ready | tr a-z A-Z) &"
                            + " nc -l -p 9000 > /dev/null; echo all-done | tr a-z A-Z");
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", System.getProperty("java.class.path"), "jlguest.cli.Main",
                    "128m", "guest-images/vmlinux", "--initrd=guest-images/initrd.img",
                    "--net=user,dns-forward=127.0.0.1:" + dns.port() + ",hostfwd=tcp::" + fwdHttp + "-:8080,hostfwd=tcp::"
                            + fwdDone + "-:9000",
                    "jlguest.run=" + script);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            try {
                long end = System.currentTimeMillis() + 240_000;
                // (the markers are upper-cased in the guest: the kernel echoes its command line, script and all)
                while (!Files.readString(log).contains("HTTPD-READY") && p.isAlive() && System.currentTimeMillis() < end) {
                    Thread.sleep(200);
                }
                if (Files.readString(log).contains("HTTPD-READY")) {
                    fetched = get(fwdHttp, "/hello.txt");
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), fwdDone)) {
                        s.getOutputStream().write("bye\n".getBytes());
                    }
                }
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the guest did not finish");
            } finally {
                p.destroyForcibly();
                http.stop(0);
            }
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(out.contains("jlguest: eth0 10.0.2.15 by DHCP"), out);
        assertTrue(out.contains("inet 10.0.2.15"), out);
        Matcher got = Pattern.compile("got-([0-9a-f]{32})").matcher(out);
        assertTrue(got.find(), out);
        assertEquals(md5, got.group(1), "the 1 MiB file arrived intact");
        assertTrue(out.contains("concurrent-100"), "100 concurrent connections:\n" + out);
        assertTrue(out.contains("dns-Address"), "localhost resolved through 10.0.2.3:\n" + out);
        assertTrue(out.contains("closed-refused"), "a closed port refused:\n" + out);
        assertTrue(fetched != null && fetched.contains("hello-from-the-guest"), "hostfwd to httpd: " + fetched + "\n" + out);
        assertTrue(out.contains("ALL-DONE"), out);
    }

    /** A plain HTTP/1.0 GET to 127.0.0.1:port, the whole answer as text. */
    private static String get(int port, String path) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes());
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
