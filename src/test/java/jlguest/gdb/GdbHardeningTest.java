package jlguest.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import jlguest.fuzz.Fuzz;
import jlguest.fuzz.SpinningGuest;

/**
 * Issue 17 item 5: every packet a gdb client sends gets an answer (an E code for what we cannot
 * parse) or is dropped, and the stub keeps serving, over a real socket. Then random packets.
 */
class GdbHardeningTest {
    SpinningGuest guest;
    GdbStub stub;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        guest = new SpinningGuest();
        stub = GdbStub.listen("127.0.0.1", 0, guest.debugger, new PrintStream(log, true, StandardCharsets.UTF_8));
        stub.start();
    }

    @AfterEach
    void stop() throws Exception {
        stub.close();
        guest.close();
    }

    /** The stub logs "gdb stub: EXCEPTION" when one reaches its accept loop; none may. */
    private void assertNoEscape() {
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(!text.contains("gdb stub:"), text);
    }

    @Test
    void malformedPacketsFromTheIssueAnswerAnErrorAndTheStubKeepsServing() throws Exception {
        String[] packets = {"pzz", "P1", "Z0", "vCont;", "mzz,10", "pffffffff", "qXfer:features:read:target.xml:0",
            "M0,7fffffff:00", "M0,2:0", "m-1,4", "P-1=00000000", "G" + "zz".repeat(40), "z1", "m100000", "M100000"};
        try (GdbWire w = new GdbWire(stub.port())) {
            for (String p : packets) {
                String reply = w.exchange(p);
                assertTrue(reply.startsWith("E"), p + " -> " + reply);
                String stop = w.exchange("?");
                assertTrue(GdbWire.isStopReply(stop), "still serving after " + p + ": " + stop);
            }
            assertEquals(4, w.exchange("m100000,2").length(), "memory still reads");
        }
        assertNoEscape();
    }

    @Test
    void anOverlongPacketIsDroppedNotKept() throws Exception {
        try (GdbWire w = new GdbWire(stub.port())) {
            assertEquals("E01", w.exchange("M0,100000:" + "00".repeat(0x100000)));
            assertTrue(GdbWire.isStopReply(w.exchange("?")));
        }
    }

    @Test
    void aClientThatVanishesMidPacketLeavesTheStubForTheNext() throws Exception {
        try (GdbWire w = new GdbWire(stub.port())) {
            w.out.write("$m100000,".getBytes(StandardCharsets.US_ASCII));
            w.out.flush();
            w.socket.setSoLinger(true, 0);   // reset, not a polite close
        }
        try (GdbWire w = new GdbWire(stub.port())) {
            assertTrue(GdbWire.isStopReply(w.exchange("?")));
        }
    }

    private static final String[] SHAPES = {"?", "g", "G", "p", "P", "m", "M", "c", "s", "Z0,", "z0,", "Z1,", "Z2,",
        "H", "T", "vCont;", "vCont?", "vCont;c", "vCont;s", "vCont;t", "qSupported", "qXfer:features:read:target.xml:",
        "qC", "qAttached", "qfThreadInfo", "qsThreadInfo", "qSymbol", "X", "D", "q", "v", ""};

    private static String randomPacket(SplittableRandom r) {
        StringBuilder s = new StringBuilder(SHAPES[r.nextInt(SHAPES.length)]);
        int fields = r.nextInt(4);
        for (int f = 0; f < fields; f++) {
            switch (r.nextInt(6)) {
                case 0 -> s.append(Long.toHexString(r.nextLong()));
                case 1 -> s.append(Integer.toHexString(r.nextInt(0x110000)));
                case 2 -> s.append("zz");
                case 3 -> s.append('-').append(r.nextInt(100));
                case 4 -> {
                    int n = r.nextInt(64);
                    for (int i = 0; i < n; i++) {
                        s.append((char) (0x20 + r.nextInt(0x5F)));
                    }
                }
                default -> s.append("100000");
            }
            s.append(r.nextBoolean() ? ',' : r.nextBoolean() ? ':' : r.nextBoolean() ? '=' : ';');
        }
        String p = s.toString().replace("#", "").replace("$", "");
        return r.nextInt(4) == 0 ? p.substring(0, r.nextInt(p.length() + 1)) : p;
    }

    private void fuzz(String name, long base, int cases) {
        SplittableRandom seeds = new SplittableRandom(base);
        Fuzz.run(name, base, cases, seed -> {
            if (!guest.running()) {   // a k packet quit the machine: a new one
                stub.close();
                guest.close();
                start();
            }
            SplittableRandom r = seeds.split();
            try (GdbWire w = new GdbWire(stub.port())) {
                int n = 1 + r.nextInt(20);
                for (int i = 0; i < n; i++) {
                    String p = randomPacket(r);
                    if (p.startsWith("k") || p.startsWith("D")) {
                        continue;   // they end the session; tested by GdbProtocolTest
                    }
                    w.send(p);
                }
                w.sync();   // the stub still answers
            }
        });
        assertNoEscape();
    }

    @Test
    void randomPackets() {
        fuzz("gdb packets", 3_000_000, Fuzz.cases("gdb", 300));
    }

    @Test
    @Tag("long")
    void randomPacketsLong() {
        fuzz("gdb packets long", 30_000_000, 20_000);
    }
}
