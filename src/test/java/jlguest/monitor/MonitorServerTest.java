package jlguest.monitor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import jlguest.debug.symbols.Symbols;
import jlguest.fuzz.Fuzz;
import jlguest.fuzz.SpinningGuest;

/**
 * Issue 17: the monitor's TCP port against hostile clients, over a real socket. Each case is one
 * client doing something rude -- random command lines, raw binary with escape sequences and
 * NULs, a megabyte with no line end, a reset with output unread, a half-close, a connect and
 * vanish -- and after every case a polite client must get a prompt and an answer, and the guest
 * must still be running. A bug of ours that the server swallows (it serves the next client after
 * any exception) would still show: the rude client reads "error: java." or the polite one no
 * answer.
 */
class MonitorServerTest {
    SpinningGuest guest;
    MonitorServer server;
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        guest = new SpinningGuest();
        server = MonitorServer.listen("127.0.0.1", 0, false, null, guest.debugger,
                (d, out) -> new Monitor(d, Symbols.NONE, out), new PrintStream(err, true));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        guest.close();
    }

    /** Commands that would end the run, reset the guest or write files: a case never sends them. */
    private static boolean harmful(String line) {
        String first = line.strip().split("[\\s/]", 2)[0];
        return switch (first) {
            case "q", "quit", "system_reset", "savevm", "loadvm", "trace" -> true;
            default -> false;
        };
    }

    private static final String[] WORDS = {"help", "info", "registers", "x/16xw", "xp/8xb", "x/4i", "disas",
        "break", "delete", "all", "step", "s", "c", "stop", "pagewalk", "stats", "print", "p", "$eip", "$esp", "$cr3",
        "0x100000", "0xffffffff", "-1", "99999999999999999999", "gdt", "idt", "tss", "devices", "pic", "virtio",
        "+", "*", "(", ")", "/", "\t", "\u00e9", "\u001b[2J", "\u001b]0;title\u0007"};

    /** Lines from the monitor's words and random text, each ending in \n or \r\n. */
    private static byte[] randomLines(SplittableRandom r) {
        StringBuilder s = new StringBuilder();
        int lines = 1 + r.nextInt(8);
        for (int i = 0; i < lines; i++) {
            StringBuilder line = new StringBuilder();
            int words = 1 + r.nextInt(4);
            for (int w = 0; w < words; w++) {
                if (r.nextInt(5) == 0) {
                    line.append(Integer.toHexString(r.nextInt()));
                } else {
                    line.append(WORDS[r.nextInt(WORDS.length)]);
                }
                line.append(' ');
            }
            if (!harmful(line.toString())) {
                s.append(line).append(r.nextBoolean() ? "\n" : "\r\n");
            }
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Raw bytes: NUL, DEL, ESC, invalid UTF-8, control keys; harmful lines defused with a '#'. */
    private static byte[] randomBinary(SplittableRandom r) {
        byte[] b = new byte[1 + r.nextInt(2048)];
        r.nextBytes(b);
        StringBuilder check = new StringBuilder();
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                if (harmful(check.toString())) {
                    b[i] = '#';
                }
                check.setLength(0);
            } else {
                check.append((char) (b[i] & 0xFF));
            }
        }
        return b;
    }

    /** One rude client; returns what it read (if it read). */
    private String rudeClient(SplittableRandom r) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            switch (r.nextInt(6)) {
                case 0 -> {   // lines, then a half-close: read every answer up to the end
                    out.write(randomLines(r));
                    s.shutdownOutput();
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                case 1 -> {   // raw binary, then a half-close
                    out.write(randomBinary(r));
                    out.write('\n');
                    s.shutdownOutput();
                    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                }
                case 2 -> {   // a megabyte with no line end, then gone
                    byte[] junk = new byte[1 << 20];
                    java.util.Arrays.fill(junk, (byte) 'x');
                    out.write(junk);
                }
                case 3 -> {   // many answers asked for, none read, then a reset
                    for (int i = 0; i < 10; i++) {
                        out.write("x/64xw 0x100000\nhelp\ninfo registers\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    s.setSoLinger(true, 0);
                }
                case 4 -> s.setSoLinger(true, 0);   // connect and reset at once
                default -> {   // lines, a few answers read, then a plain close
                    out.write(randomLines(r));
                    byte[] some = new byte[r.nextInt(512) + 1];
                    try {
                        in.read(some);
                    } catch (SocketTimeoutException e) {
                        // nothing to read is fine too
                    }
                }
            }
            return "";
        }
    }

    /** A polite client: the prompt, then registers. False when the monitor does not answer. */
    private boolean answers() throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(30_000);
            InputStream in = s.getInputStream();
            if (!readUntil(in, "(jlguest) ")) {
                return false;
            }
            s.getOutputStream().write("info registers\n".getBytes(StandardCharsets.US_ASCII));
            return readUntil(in, "EFL=");
        }
    }

    private static boolean readUntil(InputStream in, String text) throws IOException {
        StringBuilder s = new StringBuilder();
        int c;
        while (s.indexOf(text) < 0 && (c = in.read()) >= 0) {
            s.append((char) c);
        }
        return s.indexOf(text) >= 0;
    }

    private void fuzz(String name, long base, int cases) {
        SplittableRandom clients = new SplittableRandom(base);
        Fuzz.run(name, base, cases, seed -> {
            SplittableRandom r = clients.split();
            String read = rudeClient(r);
            assertFalse(read.contains("error: java."), "a monitor bug showed: " + read);
            if (r.nextInt(4) == 0 || seed == base + cases - 1) {   // a polite client after every fourth case
                assertTrue(answers(), "the monitor stopped answering after seed " + seed);
            }
            assertTrue(guest.running(), "the guest ended after seed " + seed);
        });
    }

    @Test
    void rudeClientsNeverTakeTheMonitorDown() throws Exception {
        fuzz("monitor clients", 5_000_000, Fuzz.cases("monitorTcp", 80));
        assertTrue(answers());
        assertFalse(err.toString().contains("Exception"), err.toString());
    }

    @Test
    @Tag("long")
    void rudeClientsNeverTakeTheMonitorDownLong() throws Exception {
        fuzz("monitor clients long", 50_000_000, 5_000);
        assertTrue(answers());
        assertFalse(err.toString().contains("Exception"), err.toString());
    }
}
