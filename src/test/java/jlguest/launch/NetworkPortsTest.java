package jlguest.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jlguest.boot.BootException;
import jlguest.cli.DebugOption;
import jlguest.cli.UsageException;
import jlguest.fuzz.SpinningGuest;

/**
 * Issue 17 items 6 and 7, over real sockets through the launcher's DebugSession: the TCP monitor
 * outlives clients that reset with output unread; monitor and gdb warn when bound beyond
 * loopback; the monitor then wants a secret (a printed token, or a file's first line).
 */
class NetworkPortsTest {
    static final Path KERNEL = Path.of("guest-images/hello/hello.elf");
    final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
    SpinningGuest guest;

    @AfterEach
    void stop() throws Exception {
        if (guest != null) {
            guest.close();
        }
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private int start(String monitor, String gdb) throws Exception {
        DebugSession s = DebugSession.start(DebugOption.parse(monitor, gdb, false, null, null), KERNEL, err);
        guest = new SpinningGuest(s.debugger());
        Matcher m = Pattern.compile("(monitor|gdb stub) listening on [^ ]*:(\\d+)").matcher(err());
        assertTrue(m.find(), err());
        return Integer.parseInt(m.group(2));
    }

    /** Reads until {@code text} appeared (or the connection ended); returns what was read. */
    private static String readUntil(InputStream in, String text) throws IOException {
        StringBuilder s = new StringBuilder();
        int c;
        while (s.indexOf(text) < 0 && (c = in.read()) >= 0) {
            s.append((char) c);
        }
        return s.toString();
    }

    private static Socket client(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        return s;
    }

    @Test
    void aClientThatResetsWithOutputUnreadLeavesTheMonitorForTheNext() throws Exception {
        int port = start("tcp:127.0.0.1:0", null);
        for (int round = 0; round < 3; round++) {
            try (Socket s = client(port)) {
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < 20; i++) {   // some 400 KB of answers, more than the socket buffers hold
                    out.write("x/1024xw 0x100000\nhelp\ninfo registers\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                Thread.sleep(200);
                s.setSoLinger(true, 0);   // close with a reset, everything unread
            }
        }
        try (Socket s = client(port)) {
            s.setSoTimeout(120_000);   // the monitor may still be finishing the last client's lines
            InputStream in = s.getInputStream();
            assertTrue(readUntil(in, "(jlguest) ").endsWith("(jlguest) "));
            s.getOutputStream().write("info registers\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(readUntil(in, "EFL=").contains("EFL="));
        }
        assertTrue(guest.running());
    }

    @Test
    void loopbackNeedsNoSecretAndGetsNoWarning() throws Exception {
        start("tcp:127.0.0.1:0", null);
        assertFalse(err().contains("warning"), err());
        assertFalse(err().contains("token"), err());
    }

    @Test
    void anyAddressWarnsAndRequiresThePrintedToken() throws Exception {
        int port = start("tcp:0.0.0.0:0", null);
        assertTrue(err().contains("warning: the monitor on 0.0.0.0:" + port + " is reachable from other hosts"), err());
        Matcher m = Pattern.compile("monitor token \\(a client types it first\\): ([0-9a-f]{32})").matcher(err());
        assertTrue(m.find(), err());
        String token = m.group(1);
        try (Socket s = client(port)) {
            InputStream in = s.getInputStream();
            assertEquals("jlguest monitor: secret? ", readUntil(in, "secret? "));
            s.getOutputStream().write("quit\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("wrong secret\n", readUntil(in, "\n"));
            assertEquals(-1, in.read(), "disconnected");
        }
        assertTrue(guest.running(), "a wrong secret quits nothing");
        try (Socket s = client(port)) {
            InputStream in = s.getInputStream();
            readUntil(in, "secret? ");
            s.getOutputStream().write((token + "\r\ninfo registers\n").getBytes(StandardCharsets.US_ASCII));
            assertTrue(readUntil(in, "EFL=").contains("EFL="));
        }
    }

    @Test
    void aSecretFromAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("secret");
        Files.writeString(file, "open sesame\nignored\n");
        int port = start("tcp:127.0.0.1:0,secret=" + file, null);
        assertFalse(err().contains("token"), "a secret from a file is never printed: " + err());
        try (Socket s = client(port)) {
            InputStream in = s.getInputStream();
            readUntil(in, "secret? ");
            s.getOutputStream().write("open sesame\ninfo registers\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(readUntil(in, "EFL=").contains("EFL="));
        }
    }

    @Test
    void badSecretOptionsAreOneLine(@TempDir Path dir) throws Exception {
        UsageException u = assertThrows(UsageException.class,
                () -> DebugOption.parse("tcp:127.0.0.1:0,password=x", null, false, null, null));
        assertEquals("--monitor tcp:127.0.0.1:0,password=x: unknown option 'password=x' (secret, secret=FILE)", u.getMessage());
        DebugOptions o = DebugOption.parse("tcp:127.0.0.1:0,secret=" + dir, null, false, null, null);
        BootException e = assertThrows(BootException.class, () -> DebugSession.start(o, KERNEL, err));
        assertEquals("--monitor secret file " + dir + ": not a regular file", e.getMessage());
    }

    @Test
    void gdbOnAnyAddressWarns() throws Exception {
        int port = start(null, "tcp:0.0.0.0:0");
        assertTrue(err().contains("warning: the gdb stub on 0.0.0.0:" + port + " is reachable from other hosts"), err());
    }
}
