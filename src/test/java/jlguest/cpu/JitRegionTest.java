package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import jlguest.bus.MmioDevice;
import jlguest.cpu.jit.CompilerService;
import org.junit.jupiter.api.Test;

/**
 * Regions: a hot block compiled together with the blocks it reaches on its page, one JVM method
 * with jumps between them. Each program here loops through several blocks of one region, and runs
 * on an interpreting CPU and on one that compiles every block at its first run, in random slices
 * of the budget, with the whole state compared after every slice (as in {@link JitLockstepTest}).
 */
class JitRegionTest {
    static {
        Cpu.useBlockCompiler(CompilerService.BACKEND);
    }

    // l: add eax, ecx; test cl, 1; jz even; add ebx, eax; jmp next;
    // even: sub ebx, ecx; next: (the rest)
    private static final String BRANCHES = "01c8" + "f6c101" + "7404" + "01c3" + "eb02" + "29cb";

    @Test
    void aLoopOfThreeBlocksRunsAsOneRegion() {
        // mov ecx, 1000; l: BRANCHES; next: mov [0x300000], ebx; dec ecx; jnz l; jmp $+2; hlt.
        // The blocks at l, even and next form one region (even's jnz l and next's jnz l).
        String code = "b9e8030000" + BRANCHES + "891d00003000" + "49" + "75ea" + "eb00" + "f4";
        TestMachine a = JitLockstepTest.withJit("off", () -> TestMachine.flat(code));
        TestMachine b = JitLockstepTest.withJit("all", () -> TestMachine.flat(code));
        long regions = CompilerService.compiledRegions();
        assertEquals(Stop.HALT_FOREVER, lockstep(a, b, 1));
        assertTrue(CompilerService.compiledRegions() > regions, "no region was compiled");
        assertTrue(b.cpu.compiledBlocks(0x1010) >= 3, "blocks in the region at even: " + b.cpu.compiledBlocks(0x1010));
        assertEquals(a.r(0), b.r(0));
        assertEquals(500500, a.r(0), "the sum of 1..1000");
    }

    @Test
    void aFaultInTheMiddleOfARegionIsPrecise() {
        // mov ax, 0x38; mov es, ax (a 64 KiB data segment); xor edi, edi; mov ecx, 100;
        // l: mov [es:edi], eax; BRANCHES; next: add edi, 0x400; dec ecx; jnz l; jmp $+2; hlt.
        // The 65th store is beyond ES's limit: #GP(0) in block l, entered from block even or next
        // of the region that began at even, many iterations in.
        String code = "66b83800" + "8ec0" + "31ff" + "b964000000" + "268907" + BRANCHES + "81c700040000" + "49"
                + "75e7" + "eb00" + "f4";
        TestMachine a = JitLockstepTest.withJit("off", () -> tables(TestMachine.flat(code)));
        TestMachine b = JitLockstepTest.withJit("all", () -> tables(TestMachine.flat(code)));
        assertEquals(Stop.TRIPLE_FAULT, lockstep(a, b, 2));
        assertTrue(b.cpu.compiledBlocks(0x101B) >= 3, "blocks in the region at even: " + b.cpu.compiledBlocks(0x101B));
        assertArrayEquals(new int[] {13, 0, 0x100D}, b.exceptions.get(0), "#GP(0) at the store");
        assertArrayEquals(a.exceptions.get(0), b.exceptions.get(0));
        assertEquals(0x10000, b.r(7), "EDI at the fault");
        assertEquals(100 - 64, b.r(1), "ECX at the fault");
    }

    @Test
    void anInterruptRaisedInsideARegionIsTakenAtTheNextBlockBoundary() {
        // sti; mov ecx, 256; l: mov [0xD0000000], ebx; BRANCHES; next: dec ecx; jnz l; jmp $+2; hlt.
        // Every third store to the MMIO window raises INTR; the handler at 0x1100 logs the EIP it
        // interrupted at 0x2004 + 4n (n at 0x2000): push eax; push ebx; mov ebx, [0x2000];
        // mov eax, [esp+8]; mov [ebx*4+0x2004], eax; inc ebx; mov [0x2000], ebx; pop ebx; pop eax; iret.
        String code = "fb" + "b900010000" + "891d000000d0" + BRANCHES + "49" + "75ea" + "eb00" + "f4";
        String handler = "50" + "53" + "8b1d00200000" + "8b442408" + "89049d04200000" + "43" + "891d00200000"
                + "5b" + "58" + "cf";
        TestMachine a = JitLockstepTest.withJit("off", () -> interrupting(TestMachine.flat(code), handler));
        TestMachine b = JitLockstepTest.withJit("all", () -> interrupting(TestMachine.flat(code), handler));
        assertEquals(Stop.HALT, lockstep(a, b, 3));
        assertTrue(b.cpu.compiledBlocks(0x1006) >= 3, "blocks in the region at l: " + b.cpu.compiledBlocks(0x1006));
        int taken = b.read32(0x2000);
        assertEquals(256 / 3, taken, "interrupts taken");
        Set<Integer> where = new HashSet<>();
        for (int n = 0; n < taken; n++) {
            where.add(b.read32(0x2004 + 4 * n));
        }
        // The store is in block l: the interrupt waits for l's end, which is even (0x1017) or next
        // (0x1019), both inside the region (or for the end of a slice that ended inside l).
        assertTrue(where.containsAll(Set.of(0x1017, 0x1019)), "interrupted EIPs " + where);
    }

    @Test
    void aRegionThatWritesItsOwnCodeRunsTheNewCode() {
        // mov ecx, 16; l: mov [0x100e], ecx; jmp m; m: add eax, 0 (its immediate at 0x100e);
        // dec ecx; jnz l; jmp $+2; hlt. Each turn writes the immediate the next block adds.
        String code = "b910000000" + "890d0e100000" + "eb00" + "0500000000" + "49" + "75f0" + "eb00" + "f4";
        TestMachine a = JitLockstepTest.withJit("off", () -> TestMachine.flat(code));
        TestMachine b = JitLockstepTest.withJit("all", () -> TestMachine.flat(code));
        assertEquals(Stop.HALT_FOREVER, lockstep(a, b, 4));
        assertEquals(136, b.r(0), "the sum of 16..1, each added by freshly written code");
    }

    @Test
    void wordOperandsInA32BitLoopAreCompiled() {
        // mov ecx, 1000; l: add [0x300000], cx; shl ax, 1; add ax, cx; mov dx, ax; dec ecx; jnz l;
        // jmp $+2; hlt. The block at l (16-bit operands, 0x66) compiles whole, its jnz a jump inside.
        String code = "b9e8030000" + "66010d00003000" + "66d1e0" + "6601c8" + "6689c2" + "49" + "75ed" + "eb00" + "f4";
        TestMachine a = JitLockstepTest.withJit("off", () -> TestMachine.flat(code));
        TestMachine b = JitLockstepTest.withJit("all", () -> TestMachine.flat(code));
        a.ram.write32(0x300000, 0xABCD0000);
        b.ram.write32(0x300000, 0xABCD0000);
        assertEquals(Stop.HALT_FOREVER, lockstep(a, b, 5));
        assertEquals(1, b.cpu.compiledBlocks(0x1005), "the block at l is compiled");
        assertEquals(0xABCD0000 | (500500 & 0xFFFF), b.read32(0x300000), "a 16-bit sum, the high half untouched");
    }

    @Test
    void aRegionReachingBeyondTheCsLimitDeclines() {
        // jmp far 0x48:l0 (a code segment whose limit, 0x1018, ends with block l); l0: mov ecx, 9;
        // jmp l; l: BRANCHES-like (add eax, ecx; test cl, 1; jz even; add ebx, eax; jmp next);
        // even: sub ebx, ecx; next: dec ecx; jnz l; jmp $+2; hlt. The region at l holds even and
        // next, beyond the limit: it must decline, so that jmp next raises #GP(0) as interpreted.
        String code = "ea071000004800" + "b909000000" + "eb00" + BRANCHES + "49" + "75f0" + "eb00" + "f4";
        TestMachine a = JitLockstepTest.withJit("off", () -> shortCode(TestMachine.flat(code)));
        TestMachine b = JitLockstepTest.withJit("all", () -> shortCode(TestMachine.flat(code)));
        assertEquals(Stop.TRIPLE_FAULT, lockstep(a, b, 6));
        assertTrue(b.cpu.compiledBlocks(0x100E) >= 3, "blocks in the region at l: " + b.cpu.compiledBlocks(0x100E));
        assertArrayEquals(new int[] {13, 0, 0x101B}, b.exceptions.get(0), "#GP(0) at next, beyond the limit");
    }

    @Test
    void aRegionCompiledInTheBackgroundHoldsOnlyBlocksThatHaveRun() throws InterruptedException {
        // mov ecx, 2000000; l: add eax, ecx; test ecx, 0x80000000; jnz rare; jmp next;
        // rare: add ebx, eax; next: dec ecx; jnz l; jmp $+2; hlt. When l turns hot (its 50th
        // run) next has run and rare never has: l's region is l and next (tour:jit:013), where
        // the compile-everything mode takes rare too.
        String code = "b980841e00" + "01c8" + "f7c100000080" + "7502" + "eb02" + "01c3" + "49" + "75ef" + "eb00" + "f4";
        TestMachine m = JitLockstepTest.withProperty("jlguest.jit.warmup", "0",
                () -> JitLockstepTest.withProperty("jlguest.jit.threshold", "50",
                        () -> JitLockstepTest.withJit("on", () -> TestMachine.flat(code))));
        long deadline = System.nanoTime() + 20_000_000_000L;
        Stop s;
        do {
            s = m.cpu.run(20_000);
            if (m.cpu.compiledBlocks(0x1005) == 0 && s == Stop.BUDGET) {
                Thread.sleep(1);    // the unit is on its way from the compiler thread
            }
        } while (s == Stop.BUDGET && m.cpu.compiledBlocks(0x1005) == 0 && System.nanoTime() < deadline);
        assertEquals(2, m.cpu.compiledBlocks(0x1005), "blocks in the region at l");
        while (s == Stop.BUDGET) {
            s = m.cpu.run(1_000_000);
        }
        assertEquals(Stop.HALT_FOREVER, s);
        assertEquals((int) (2_000_000L * 2_000_001L / 2), m.r(0), "the sum of 1..2000000, modulo 2^32");
        assertEquals(0, m.r(3), "rare never ran");
    }

    /** The standard tables plus selector 0x48: 32-bit ring-0 code, base 0, limit 0x1018 (bytes). */
    private static TestMachine shortCode(TestMachine m) {
        m.standardTables();
        m.descriptor(TestMachine.GDT, 9, 0, 0x1018, 0x9B, 0x4);
        m.cpu.setGdtr(TestMachine.GDT, 10 * 8 - 1);
        return m;
    }

    @Test
    void aCallAndItsReturnStayInsideTheRegion() {
        // mov ecx, 1000; l: call f; dec ecx; jnz l; jmp $+2; hlt; f: add eax, ecx; ret.
        // The region at the entry holds f and the return point after the call: the RET goes back
        // into the region, so the run loop sees the loop only when a slice ends.
        String code = "b9e8030000" + "e806000000" + "49" + "75f8" + "eb00" + "f4" + "01c8" + "c3";
        TestMachine a = JitLockstepTest.withJit("off", () -> TestMachine.flat(code));
        TestMachine b = JitLockstepTest.withJit("all", () -> TestMachine.flat(code));
        assertEquals(Stop.HALT_FOREVER, lockstep(a, b, 7));
        assertEquals(500500, b.r(0), "the sum of 1..1000");
        assertTrue(b.cpu.compiledBlocks(0x1000) >= 4, "blocks in the region: " + b.cpu.compiledBlocks(0x1000));
        long interpreted = a.cpu.statistics().blocksChained() + a.cpu.statistics().blockLookups();
        long compiled = b.cpu.statistics().blocksChained() + b.cpu.statistics().blockLookups();
        assertTrue(interpreted >= 3000, "blocks the loop ran interpreted: " + interpreted);
        assertTrue(compiled < interpreted / 10, "blocks the loop ran compiled: " + compiled);
    }

    @Test
    void aBlockCompiledOnlyInPartHeadsARegionAndHandsItsRestToTheLoop() {
        // mov ecx, 1000; l: call f; r: inc ebx; test bl, 15; jnz skip; cld; skip: dec ecx; jnz l;
        // jmp $+2; hlt; f: add eax, ecx; ret. Block r is translated only up to its jnz (CLD is
        // not): it heads the region r, skip, l, f, and the RET comes back to it; one turn in 16
        // falls through to the CLD, and the unit hands the loop r's rest, counting the
        // instructions it ran before.
        String code = "b9e8030000" + "e80d000000" + "43" + "f6c30f" + "7501" + "fc" + "49" + "75f1" + "eb00" + "f4"
                + "01c8" + "c3";
        TestMachine a = JitLockstepTest.withJit("off", () -> TestMachine.flat(code));
        TestMachine b = JitLockstepTest.withJit("all", () -> TestMachine.flat(code));
        assertEquals(Stop.HALT_FOREVER, lockstep(a, b, 8));
        assertEquals(500500, b.r(0), "the sum of 1..1000");
        assertEquals(1000, b.r(3));
        assertTrue(b.cpu.compiledBlocks(0x100A) >= 4, "blocks in the region at r: " + b.cpu.compiledBlocks(0x100A));
        long interpreted = a.cpu.statistics().blocksChained() + a.cpu.statistics().blockLookups();
        long compiled = b.cpu.statistics().blocksChained() + b.cpu.statistics().blockLookups();
        assertTrue(compiled < interpreted / 5, "blocks the loop ran: " + compiled + " compiled, " + interpreted
                + " interpreted");
    }

    /** The standard GDT and an empty IDT (so the first exception ends in a triple fault). */
    private static TestMachine tables(TestMachine m) {
        m.standardTables();
        return m;
    }

    /** An MMIO window at 0xD0000000 that raises INTR at every third write, and the handler for vector 0x20. */
    private static TestMachine interrupting(TestMachine m, String handler) {
        m.standardTables();
        m.load(0x1100, TestMachine.hex(handler));
        m.gate(TestMachine.IDT, 0x20, 0x10, 0x1100, 0xE, 0);
        m.bus.map(0xD0000000, 0x1000, new MmioDevice() {
            private int writes;

            @Override
            public int read(int offset, int size) {
                return 0;
            }

            @Override
            public void write(int offset, int size, int value) {
                if (++writes % 3 == 0) {
                    m.cpu.setIntrLine(true);
                }
            }
        });
        return m;
    }

    /** Runs both in the same random slices, comparing after each, until they stop for another reason. */
    static Stop lockstep(TestMachine a, TestMachine b, long seed) {
        Random rnd = new Random(seed);
        for (int slice = 0; slice < 100_000; slice++) {
            int n = 1 + rnd.nextInt(slice % 2 == 0 ? 40 : 400);
            Stop sa = a.cpu.run(n);
            Stop sb = b.cpu.run(n);
            assertEquals(sa, sb, "slice " + slice + ": " + a.cpu.stopMessage() + " / " + b.cpu.stopMessage());
            JitLockstepTest.assertSame(a, b, "slice " + slice);
            if (sa != Stop.BUDGET) {
                return sa;
            }
        }
        throw new AssertionError("still running");
    }
}
