package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jlguest.cpu.jit.CompilerService;
import org.junit.jupiter.api.Test;

/**
 * The compiler's two tiers (tour:jit:055): a unit is first compiled for HotSpot's C1 only, and
 * compiled again, as a hot unit C2 may take, once it has run {@code jlguest.jit.hot} instructions.
 * The hot unit must do exactly what the interpreter does, like the first.
 */
class JitTiersTest {
    static {
        Cpu.useBlockCompiler(CompilerService.BACKEND);
    }

    // mov ecx, 3000; l: add eax, ecx; test cl, 1; jz even; add ebx, eax; jmp next; even: sub ebx, ecx;
    // next: mov [0x300000], ebx; dec ecx; jnz l; jmp $+2; hlt. (A region of three blocks.)
    static final String LOOP = "b9b80b0000" + "01c8" + "f6c101" + "7404" + "01c3" + "eb02" + "29cb"
            + "891d00003000" + "49" + "75ea" + "eb00" + "f4";

    @Test
    void aUnitThatKeepsRunningIsCompiledAgainAsHotAndStaysExact() {
        TestMachine interp = JitLockstepTest.withJit("off", () -> TestMachine.flat(LOOP));
        TestMachine tiered = JitLockstepTest.withProperty("jlguest.jit.hot", "2000",
                () -> JitLockstepTest.withJit("all", () -> TestMachine.flat(LOOP)));
        long hot = CompilerService.compiledHot();
        Stop s;
        int slices = 0;
        do {
            s = interp.cpu.run(97);
            assertEquals(s, tiered.cpu.run(97));
            JitLockstepTest.assertSame(interp, tiered, "slice " + slices++);
        } while (s == Stop.BUDGET);
        assertEquals(Stop.HALT_FOREVER, s);
        assertTrue(CompilerService.compiledHot() > hot, "no unit was compiled again as hot");
        // Each hot unit is its region again (found from the entry's EIP), not just the block: every
        // block of this loop heads a region of all three.
        java.util.List<Integer> sizes = tiered.cpu.hotRegionSizes();
        assertTrue(!sizes.isEmpty() && sizes.stream().allMatch(n -> n >= 3), "blocks in the hot units: " + sizes);
        assertEquals(interp.r(0), tiered.r(0));
        assertEquals(3000 * 3001 / 2, tiered.r(0), "the sum of 1..3000");
    }

    @Test
    void aUnitThatRanLittleStaysInTheFirstTier() {
        TestMachine tiered = JitLockstepTest.withProperty("jlguest.jit.hot", "100000000",
                () -> JitLockstepTest.withJit("all", () -> TestMachine.flat(LOOP)));
        assertEquals(Stop.HALT_FOREVER, tiered.cpu.run(1_000_000));
        assertTrue(tiered.cpu.hasCompiledCode(), "nothing was compiled");
        assertEquals(java.util.List.of(), tiered.cpu.hotRegionSizes(), "a unit of 20,000 instructions went to the hot tier");
    }
}
