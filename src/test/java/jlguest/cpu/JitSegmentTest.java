package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jlguest.cpu.jit.CompilerService;
import org.junit.jupiter.api.Test;

/**
 * A compiled unit checks its segments once, at its entry (tour:jit:022), and forms linear addresses
 * itself. Each program runs on an interpreting CPU and on one that compiles every block at its
 * first run, in random slices, with the whole state compared after every slice: a data segment
 * with a base (the unit must add it) and one with a limit (the unit must decline, so that the write
 * past the limit faults exactly where the interpreter's does).
 */
class JitSegmentTest {
    static {
        Cpu.useBlockCompiler(CompilerService.BACKEND);
    }

    // 0x1000: mov ecx, N; xor ebx, ebx; xor edx, edx; l: add edx, [ebx]; mov [ebx + 0x8000], edx;
    // add ebx, 4; dec ecx; jnz l; hlt.
    private static String sum(int n) {
        return "b9" + String.format("%02x%02x0000", n & 0xFF, n >>> 8) + "31db" + "31d2"
                + "0313" + "899300800000" + "83c304" + "49" + "75f2" + "f4";
    }

    private static TestMachine machine(String mode, String code, int dsBase, int dsLimit) {
        return JitLockstepTest.withJit(mode, () -> {
            TestMachine m = TestMachine.flat(code);
            for (int a = 0; a < 0x20000; a += 4) {
                m.load(0x10000 + a, new byte[] {(byte) a, (byte) (a >>> 8), 0x5A, 0});
            }
            m.cpu.setSeg(CpuState.DS, 0x18, dsBase, dsLimit, 0x4093);
            return m;
        });
    }

    @Test
    void aSegmentsBaseIsAddedInCompiledCode() {
        TestMachine a = machine("off", sum(3000), 0x10000, -1);
        TestMachine b = machine("all", sum(3000), 0x10000, -1);
        long units = CompilerService.compiledUnits();
        assertEquals(Stop.HALT_FOREVER, JitRegionTest.lockstep(a, b, 6));
        int edx = 0;
        for (int n = 0; n < 3000; n++) {
            edx += (n * 4 & 0xFFFF) | 0x5A0000;
        }
        assertEquals(edx, b.r(2), "EDX: the sum read through DS's base");
        assertEquals(edx, b.read32(0x10000 + 0x8000 + 2999 * 4), "the last sum, written through DS's base");
        assertTrue(CompilerService.compiledUnits() > units, "the loop was compiled");
        long dispatches = b.cpu.statistics().blocksChained() + b.cpu.statistics().blockLookups();
        assertTrue(dispatches < 1500, "the loop ran in its unit: " + dispatches + " dispatches for 3000 iterations");
    }

    @Test
    void aUnitDeclinesASegmentWithALimitAndTheWritePastItFaultsAsInterpreted() {
        // DS ends at 0xAFFF: the write at 0x3000 + 0x8000 (iteration 3073) raises #GP(0), with no
        // IDT to deliver it (the stop and every register must match the interpreter's).
        TestMachine a = machine("off", sum(4000), 0x10000, 0xAFFF);
        TestMachine b = machine("all", sum(4000), 0x10000, 0xAFFF);
        Stop s = JitRegionTest.lockstep(a, b, 7);
        assertTrue(s != Stop.HALT_FOREVER, "the loop never got past DS's limit: " + s);
        assertEquals(0x3000, b.r(3), "EBX at the fault");
        assertEquals(a.cpu.eip(), b.cpu.eip(), "EIP at the fault");
    }
}
