package jlguest.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jlguest.debug.symbols.Symbols;
import jlguest.fuzz.Fuzz;
import jlguest.fuzz.SpinningGuest;

/**
 * Issue 17 item 7: file-writing monitor commands never clobber a file unless told to ({@code -f});
 * and random monitor lines never reach the monitor's last-resort handler (which prints
 * "error: java...." for a bug of ours).
 */
class MonitorHardeningTest {
    @TempDir
    Path dir;
    SpinningGuest guest;
    final StringWriter text = new StringWriter();
    Monitor monitor;

    @BeforeEach
    void start() throws Exception {
        guest = new SpinningGuest();
        monitor = new Monitor(guest.debugger, Symbols.NONE, new PrintWriter(text, true));
    }

    @AfterEach
    void stop() throws Exception {
        guest.close();
    }

    @Test
    void traceRefusesToOverwriteAFileUnlessForced() throws Exception {
        Path precious = dir.resolve("precious.txt");
        Files.writeString(precious, "keep me\n");
        monitor.execute("trace io on " + precious);
        assertTrue(text.toString().contains("error: " + precious + " exists: trace io on -f " + precious), text.toString());
        assertEquals("keep me\n", Files.readString(precious));
        monitor.execute("info trace");
        assertTrue(text.toString().contains("io off"), "no trace was started: " + text);
        monitor.execute("trace io on -f " + precious);
        assertEquals("", Files.readString(precious), "-f truncates it");
        monitor.execute("trace io off");
        Path fresh = dir.resolve("new.txt");
        monitor.execute("trace io on " + fresh);
        assertTrue(Files.exists(fresh));
        monitor.execute("trace io off");
    }

    /** Found by the long fuzz: a count too large for an int was a NumberFormatException. */
    @Test
    void aHugeCountIsAUserError() {
        monitor.execute("x/99999999999999999999 0x100000");
        assertEquals("error: count 99999999999999999999 is too large\n", text.toString().replace("\r", ""));
    }

    private static final String[] WORDS = {"help", "info", "x", "xp", "disas", "break", "delete", "step", "continue",
        "stop", "pagewalk", "trace", "stats", "print", "registers", "gdt", "idt", "tss", "devices", "pic", "pit", "uart",
        "rtc", "virtio", "counters", "break", "symbols", "on", "off", "all", "$eip", "$esp", "$cr3", "$eax", "0x100000",
        "0xffffffff", "-1", "4294967296", "99999999999999999999", "+", "-", "*", "(", ")", "/", "x/", "/1000000xw",
        "/5i", "/s", "/0x", "/-5", "start_kernel", "insn", "int", "exc", "hypercall", "io", "mmio", "-f", "", "\t"};

    private String randomLine(SplittableRandom r) {
        StringBuilder s = new StringBuilder();
        int n = 1 + r.nextInt(5);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(8)) {
                case 0 -> s.append(Integer.toHexString(r.nextInt()));
                case 1 -> {
                    int k = r.nextInt(12);
                    for (int j = 0; j < k; j++) {
                        s.append((char) (0x20 + r.nextInt(0x5F)));
                    }
                }
                default -> s.append(WORDS[r.nextInt(WORDS.length)]);
            }
            s.append(r.nextInt(4) == 0 ? "" : " ");
        }
        String line = s.toString();
        if (line.contains("trace")) {   // trace files only in our temporary directory
            line = line.replaceAll("(trace\\s+\\S+\\s+on)\\s+(-f\\s+)?\\S+", "$1 $2" + dir.resolve("t" + r.nextInt(4)));
        }
        return line;
    }

    private void fuzz(String name, long base, int cases) {
        SplittableRandom lines = new SplittableRandom(base);
        Fuzz.run(name, base, cases, seed -> {
            String line = randomLine(lines.split());
            if (line.trim().startsWith("q") || line.contains("system_reset")) {
                return;
            }
            int before = text.getBuffer().length();
            monitor.execute(line);
            String said = text.getBuffer().substring(before);
            if (said.contains("error: java.")) {
                throw new AssertionError("'" + line + "' -> " + said);
            }
            if (text.getBuffer().length() > 1 << 20) {
                text.getBuffer().setLength(0);
            }
        });
        monitor.execute("trace insn off");
    }

    @Test
    void randomLines() {
        fuzz("monitor lines", 4_000_000, Fuzz.cases("monitor", 3000));
    }

    @Test
    @Tag("long")
    void randomLinesLong() {
        fuzz("monitor lines long", 40_000_000, 200_000);
    }
}
