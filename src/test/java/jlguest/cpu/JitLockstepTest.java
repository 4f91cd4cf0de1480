package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;
import jlguest.cpu.jit.CompilerService;
import org.junit.jupiter.api.Test;

/**
 * The block compiler against the interpreter, side by side: the same random programs (the fuzzer's
 * junk bytes, in real mode, flat protected mode and with paging) run on a CPU that interprets and on
 * one that compiles every block at its first run, and after every slice of the run budget their
 * registers, EIP, EFLAGS, CR2, retired-instruction counts and all of RAM must be equal. Junk code
 * faults all the time (#UD, #PF, #GP...), usually in the middle of a compiled block, so this checks
 * that a fault in compiled code leaves the state exactly where the interpreter leaves it.
 */
class JitLockstepTest {
    static {
        jlguest.cpu.Cpu.useBlockCompiler(CompilerService.BACKEND);   // as the machine does
    }

    /** Builds something with the compiler in the given mode (read when a CPU is constructed). */
    static <T> T withJit(String mode, Supplier<T> make) {
        return withProperty("jlguest.jit", mode, make);
    }

    /** Builds something with a system property set (CPUs read theirs when constructed), then restores it. */
    static <T> T withProperty(String key, String value, Supplier<T> make) {
        String old = System.getProperty(key);
        System.setProperty(key, value);
        try {
            return make.get();
        } finally {
            if (old == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, old);
            }
        }
    }

    @Test
    void compiledCodeMatchesTheInterpreterOnRandomPrograms() {
        long compared = 0;
        long units = CompilerService.compiledUnits();
        long regions = CompilerService.compiledRegions();
        for (long seed = 1; seed <= 60; seed++) {
            compared += lockstep(seed, 8, 400);
        }
        units = CompilerService.compiledUnits() - units;
        regions = CompilerService.compiledRegions() - regions;
        System.out.printf("jit lockstep: %,d instructions compared, %,d units compiled (%,d of them regions)%n",
                compared, units, regions);
        assertTrue(compared > 5000, "compared " + compared + " instructions");
        assertTrue(units > 500, "compiled " + units + " units");
    }

    @Test
    void aHotLoopCompiledInTheBackgroundGivesTheSameResult() throws InterruptedException {
        // mov ecx, 5000000; l: add eax, ecx; xor ebx, eax; imul edx, ebx, 3; mov [0x300000], edx;
        // dec ecx; jnz l; hlt
        String code = "b9404b4c00" + "01c8" + "31c3" + "6bd303" + "891500003000" + "49" + "75f0" + "f4";
        TestMachine interp = withJit("off", () -> TestMachine.flat(code));
        // A low threshold, so the loop is still running when its unit arrives even when this is the
        // first compilation in the JVM (ASM and the hidden-class machinery load cold: ~0.2 s).
        // No warm-up: the loop is far shorter than the default's 250 M instructions.
        String oldThreshold = System.getProperty("jlguest.jit.threshold");
        String oldWarmup = System.getProperty("jlguest.jit.warmup");
        System.setProperty("jlguest.jit.threshold", "100");
        System.setProperty("jlguest.jit.warmup", "0");
        TestMachine compiled;
        try {
            compiled = withJit("on", () -> TestMachine.flat(code));
        } finally {
            restore("jlguest.jit.threshold", oldThreshold);
            restore("jlguest.jit.warmup", oldWarmup);
        }
        long unitsBefore = CompilerService.compiledUnits();
        assertEquals(Stop.HALT_FOREVER, interp.cpu.run(100_000_000));
        // The background compiler may take a while: run in slices until it halts.
        Stop s;
        do {
            s = compiled.cpu.run(50_000);
        } while (s == Stop.BUDGET);
        assertEquals(Stop.HALT_FOREVER, s);
        assertSame(interp, compiled, "hot loop");
        assertTrue(CompilerService.compiledUnits() > unitsBefore, "the loop was compiled while it ran");
    }

    @Test
    void invalidateCodeDropsDecodedAndCompiledBlocks() {
        // mov eax, 1; hlt, compiled at its first run; then the code changes behind the CPU's back
        // (straight into the RAM array, as a snapshot restore would): stale code runs until
        // invalidateCode(), the new code after it.
        TestMachine m = withJit("all", () -> TestMachine.flat("b801000000f4"));
        long units = CompilerService.compiledUnits();
        assertEquals(Stop.HALT_FOREVER, m.run());
        assertEquals(1, m.r(0));
        assertTrue(CompilerService.compiledUnits() > units, "the block was compiled");
        m.ram.bytes[0x1001] = 2;                 // mov eax, 2
        m.cpu.setEip(0x1000);
        assertEquals(Stop.HALT_FOREVER, m.run());
        assertEquals(1, m.r(0), "the write bypassed the bus: the old block still runs");
        m.cpu.invalidateCode();
        m.cpu.setEip(0x1000);
        assertEquals(Stop.HALT_FOREVER, m.run());
        assertEquals(2, m.r(0), "after invalidateCode the new code runs");
        m.ram.write8(0x1001, 3);                 // and a write through the bus is still seen
        m.cpu.setEip(0x1000);
        assertEquals(Stop.HALT_FOREVER, m.run());
        assertEquals(3, m.r(0));
    }

    @Test
    void nothingCompilesDuringTheWarmUp() {
        // A hot loop (mov ecx, 0x7fffffff; l: add eax, ecx; xor ebx, eax; dec ecx; jnz l) against a
        // warm-up of 1 M instructions: its blocks are far past the threshold at 900,000
        // instructions, yet nothing is compiled; past the warm-up it is.
        String code = "b9ffffff7f" + "01c8" + "31c3" + "49" + "75f9" + "f4";
        String oldWarmup = System.getProperty("jlguest.jit.warmup");
        String oldThreshold = System.getProperty("jlguest.jit.threshold");
        System.setProperty("jlguest.jit.warmup", "1000000");
        System.setProperty("jlguest.jit.threshold", "100");
        TestMachine m;
        try {
            m = withJit("on", () -> TestMachine.flat(code));
        } finally {
            restore("jlguest.jit.warmup", oldWarmup);
            restore("jlguest.jit.threshold", oldThreshold);
        }
        assertEquals(Stop.BUDGET, m.cpu.run(900_000));
        assertEquals(0, m.cpu.jitRequests(), "blocks sent to the compiler during the warm-up");
        assertFalse(m.cpu.hasCompiledCode(), "compiled during the warm-up");
        for (int slice = 0; slice < 2000 && !m.cpu.hasCompiledCode(); slice++) {
            assertEquals(Stop.BUDGET, m.cpu.run(1_000_000));     // the background compiler takes a while
        }
        assertTrue(m.cpu.hasCompiledCode(), "nothing compiled after the warm-up");
    }

    private static void restore(String key, String old) {
        if (old == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, old);
        }
    }

    /** Runs one random program on both CPUs; returns the instructions compared. */
    private static long lockstep(long seed, int rounds, int perRound) {
        TestMachine a = withJit("off", () -> new TestMachine(4 << 20));
        TestMachine b = withJit("all", () -> new TestMachine(4 << 20));
        Random rnd = new Random(seed);
        long total = 0;
        for (int round = 0; round < rounds; round++) {
            long roundSeed = rnd.nextLong();
            FuzzTest.randomProgram(a, new Random(roundSeed));
            FuzzTest.randomProgram(b, new Random(roundSeed));
            int budget = perRound;
            for (int tries = 0; tries < 50 && budget > 0; tries++) {
                int slice = 1 + rnd.nextInt(budget);
                Stop sa = a.cpu.run(slice);
                Stop sb = b.cpu.run(slice);
                String where = "seed " + seed + " round " + round + " try " + tries;
                assertEquals(sa, sb, where + ": stop; " + a.cpu.stopMessage() + " / " + b.cpu.stopMessage());
                assertSame(a, b, where);
                if (sa == Stop.TRIPLE_FAULT || sa == Stop.HALT_FOREVER || sa == Stop.UNIMPLEMENTED) {
                    break;
                }
                if (sa == Stop.HALT) {
                    a.cpu.setEip(a.cpu.eip());
                    b.cpu.setEip(b.cpu.eip());
                }
                budget -= slice;
            }
            total += a.cpu.instructions();
        }
        return total;
    }

    static void assertSame(TestMachine a, TestMachine b, String where) {
        for (int n = 0; n < 8; n++) {
            assertEquals(a.cpu.reg(n), b.cpu.reg(n), where + ": register " + n);
        }
        assertEquals(a.cpu.eip(), b.cpu.eip(), where + ": EIP");
        assertEquals(a.cpu.eflags(), b.cpu.eflags(), where + ": EFLAGS");
        assertEquals(a.cpu.cr(2), b.cpu.cr(2), where + ": CR2");
        assertEquals(a.cpu.instructions(), b.cpu.instructions(), where + ": instructions");
        byte[] ma = a.ram.bytes;
        byte[] mb = b.ram.bytes;
        if (!Arrays.equals(ma, mb)) {
            int at = Arrays.mismatch(ma, mb);
            throw new AssertionError(where + String.format(": RAM differs at %#x", at));
        }
    }
}
