package jlguest.monitor;

import jlguest.debug.Debugger;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jlguest.console.ConsoleOutput;
import jlguest.launch.Launcher;
import jlguest.machine.Machine;
import jlguest.machine.MachineConfig;
import jlguest.debug.symbols.Symbols;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The monitor on the bundled kernel, stopped at start_kernel: one boot for the whole class, the
 * commands run against it in order.
 */
class MonitorTest {
    static Debugger debugger;
    static Monitor monitor;
    static StringWriter text;
    static Symbols symbols;
    static CompletableFuture<Machine.Outcome> run;

    @BeforeAll
    static void bootToStartKernel() throws Exception {
        MachineConfig config = new MachineConfig(64 << 20, Path.of("guest-images/vmlinux"),
                Path.of("guest-images/initrd.img"), List.of(), List.of(), true, false, true, List.of());
        Launcher.Prepared guest = Launcher.prepare(config);
        symbols = Symbols.fromElf(Files.readAllBytes(Path.of("guest-images/vmlinux")));
        debugger = new Debugger(true);
        text = new StringWriter();
        monitor = new Monitor(debugger, symbols, new PrintWriter(text, true));
        CompletableFuture<Machine> made = new CompletableFuture<>();
        run = CompletableFuture.supplyAsync(() -> {
            Machine m = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(new ByteArrayOutputStream()));
            debugger.attach(m);
            made.complete(m);
            return m.run();
        });
        made.get(10, TimeUnit.SECONDS);
        assertTrue(debugger.awaitPause(10_000), "-S pauses before the first instruction");
        run("break start_kernel");
        run("continue");
        Thread.sleep(50);
        assertTrue(debugger.awaitPause(30_000), "stopped at start_kernel");
    }

    @AfterAll
    static void quit() throws Exception {
        run("quit");
        assertEquals(Machine.Ending.QUIT, run.get(10, TimeUnit.SECONDS).ending());
    }

    static String run(String line) {
        text.getBuffer().setLength(0);
        monitor.execute(line);
        return text.toString();
    }

    @Test
    void printShowsAddressesUnsigned() {
        String p = run("print start_kernel");
        long start = symbols.lookup("start_kernel");
        assertTrue(p.startsWith(String.format("0x%08x (%d) <start_kernel>", start, start & 0xFFFFFFFFL)), p);
        assertFalse(p.contains("(-"), p);
    }

    @Test
    void aFreshMonitorsFirstStatsMeasuresFromTheMachinesStart() {
        // A monitor opened long after boot (Ctrl-A c) must not divide the whole boot by a moment.
        StringWriter fresh = new StringWriter();
        new Monitor(debugger, symbols, new PrintWriter(fresh, true)).execute("stats");
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("since the last stats\\s+([0-9,]+) in ([0-9.]+) s").matcher(fresh.toString());
        assertTrue(m.find(), fresh.toString());
        assertEquals(debugger.machine().cpu().instructions(), Long.parseLong(m.group(1).replace(",", "")));
        assertTrue(Double.parseDouble(m.group(2)) >= 0.05, "the boot to start_kernel took at least the test's sleep: "
                + fresh);
    }

    @Test
    void registersShowEipAsASymbolAndDecodeFlagsAndControlRegisters() {
        String r = run("info registers");
        long start = symbols.lookup("start_kernel");
        assertTrue(r.contains(String.format("EIP=0x%08x <start_kernel>", start)), r);
        assertTrue(r.contains("CR0=") && r.contains("PG") && r.contains("EFL="), r);
        assertTrue(r.contains("CS =0060"), r);
    }

    @Test
    void registersShowXmmMxcsrAndTheMmxRegisters() {
        // The guest is paused and quits after these tests: give the SIMD state values to show.
        jlguest.cpu.Cpu cpu = debugger.machine().cpu();
        cpu.simd().xmm[6] = 0x0123456789ABCDEFL;
        cpu.simd().xmm[7] = 0xFEDCBA9876543210L;
        cpu.simd().setMxcsr(0x1F80 | 0x6000 | 0x8000 | 0x21);
        jlguest.cpu.fpu.MmxAlias.enter(cpu.fpu());
        jlguest.cpu.fpu.MmxAlias.write(cpu.fpu(), 5, 0x1122334455667788L);
        String r = run("info registers");
        assertTrue(r.contains("XMM3=fedcba9876543210 0123456789abcdef"), r);
        assertTrue(r.contains("XMM0=") && r.contains("XMM7="), r);
        assertTrue(r.contains("MXCSR=0000ffa1 [ IE PE IM DM ZM OM UM PM FTZ RC=zero ]"), r);
        assertTrue(r.contains("FPR5=1122334455667788 ffff"), "MM5 is FPR5's significand:\n" + r);
        assertTrue(r.contains("[ TOP=0 ]"), r);
    }

    @Test
    void pagewalkShowsBothLevelsAndThePhysicalAddress() {
        String w = run("pagewalk start_kernel");
        long start = symbols.lookup("start_kernel");
        assertTrue(w.contains("PDE["), w);
        assertTrue(w.contains(String.format("physical 0x%08x", start - 0xC0000000L)), w);
        String unmapped = run("pagewalk 0x40000000");
        assertTrue(unmapped.contains("not present") && unmapped.contains("#PF"), unmapped);
    }

    @Test
    void examineMemoryStringsAndInstructions() {
        String s = run("x/s linux_banner");
        assertTrue(s.contains("Linux version 6.1"), s);
        String w = run("x/4xw $esp");
        assertTrue(w.matches("(?s).*: 0x[0-9a-f]{8} 0x[0-9a-f]{8} 0x[0-9a-f]{8} 0x[0-9a-f]{8}\\s*"), w);
        String i = run("x/3i $eip");
        assertTrue(i.contains("=> ") && i.contains("push") && i.contains("ebp"), i);
        String p = run("xp/2xb 0x100000");
        assertTrue(p.startsWith("00100000: 0x"), p);
        String d = run("disas start_kernel 5");
        assertTrue(d.contains("start_kernel:") && d.lines().count() >= 6, d);
    }

    @Test
    void mistakesAreOneLineAndHarmless() {
        assertEquals("error: unknown symbol 'no_such_symbol'\n", run("x no_such_symbol"));
        String unmapped = run("x 0x40000000");
        assertTrue(unmapped.startsWith("error: 0x40000000: not mapped"), unmapped);
        assertTrue(run("frobnicate").startsWith("error: unknown command"));
        assertTrue(run("x/4q $esp").startsWith("error: unknown format letter"));
        assertTrue(debugger.isPaused());
    }

    @Test
    void descriptorTablesAndCounters() {
        String g = run("info gdt");
        assertTrue(g.contains("code r-x 32-bit dpl=0"), g);
        String i = run("info idt");
        assertTrue(i.contains("interrupt gate"), i);
        assertTrue(run("info counters").contains("interrupts"));
        assertTrue(run("info virtio").contains("no virtio devices"));
        assertTrue(run("info pit").contains("pit:"));
    }

    @Test
    void stepAndBreakpointBookkeeping() {
        String s = run("step 3");
        assertTrue(s.contains("=>"), s);
        assertTrue(run("info break").contains("1: 0x"));
        String h = run("help");
        for (String c : List.of("info", "x", "xp", "disas", "break", "delete", "step", "continue", "stop", "pagewalk",
                "trace", "stats", "system_reset", "quit")) {
            assertTrue(h.contains("\n" + c + " ") || h.startsWith(c + " "), "help lists " + c);
        }
        String stats = run("stats");
        assertTrue(stats.contains("instructions executed"), stats);
        java.util.regex.Matcher hit = java.util.regex.Pattern.compile("block cache hit rate\\s+([0-9.]+)%").matcher(stats);
        assertTrue(hit.find(), stats);
        double rate = Double.parseDouble(hit.group(1));
        assertTrue(rate > 50 && rate < 100, "a booted kernel reuses most of its decoded blocks: " + stats);
        assertTrue(stats.matches("(?s).*TLB misses \\(walks\\)\\s+[1-9][0-9,]*, .*"), stats);
    }
}
