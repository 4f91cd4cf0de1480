package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jlguest.cpu.jit.CompilerService;
import org.junit.jupiter.api.Test;

/**
 * Regions across pages (tour:jit:019) (tour:jit:046): a loop on one page calls a function on the
 * next, and the call, the function and the return run inside one compiled unit. Each program
 * runs on an interpreting CPU and on one that compiles every block at its first run, in random
 * slices, with the whole state compared after every slice (JitRegionTest.lockstep); the function's
 * page is written while the region runs, from the other page and from itself.
 */
class JitCrossPageTest {
    static {
        Cpu.useBlockCompiler(CompilerService.BACKEND);
    }

    // 0x1000: mov ecx, 3000; l (0x1005): mov eax, ecx; call 0x2000; add ebx, eax; PATCH; dec ecx;
    // jnz l; jmp $+2; hlt.
    private static String loop(String patch) {
        int back = -(2 + 5 + 2 + patch.length() / 2 + 1 + 2);
        return "b9b80b0000" + "89c8" + "e8f40f0000" + "01c3" + patch + "49" + "75" + String.format("%02x", back & 0xFF)
                + "eb00" + "f4";
    }

    // 0x2000: imul eax, eax, 3; xor eax, 0x55; ret.
    private static final String F = "6bc003" + "83f055" + "c3";

    private static TestMachine machine(String mode, String code, String f) {
        return JitLockstepTest.withJit(mode, () -> {
            TestMachine m = TestMachine.flat(code);
            m.load(0x2000, TestMachine.hex(f));
            return m;
        });
    }

    @Test
    void aCallIntoAnotherPageAndItsReturnStayInsideTheUnit() {
        TestMachine a = machine("off", loop(""), F);
        TestMachine b = machine("all", loop(""), F);
        assertEquals(Stop.HALT_FOREVER, JitRegionTest.lockstep(a, b, 4));
        assertEquals(a.r(3), b.r(3));
        int ebx = 0;
        for (int n = 3000; n > 0; n--) {
            ebx += (n * 3) ^ 0x55;
        }
        assertEquals(ebx, b.r(3), "EBX: the sum of f(3000..1)");
        // Interpreted, every iteration dispatches at least three blocks (l, f, the return point);
        // a region holding all three leaves to the loop only at the ends of the random slices.
        Cpu.Statistics si = a.cpu.statistics();
        Cpu.Statistics sc = b.cpu.statistics();
        long interpreted = si.blocksChained() + si.blockLookups();
        long compiled = sc.blocksChained() + sc.blockLookups();
        assertTrue(interpreted >= 9000, "interpreted dispatches: " + interpreted);
        assertTrue(compiled < 3000, "dispatches with cross-page regions: " + compiled + " (3000 iterations)");
    }

    @Test
    void aWriteToTheFunctionsPageFromTheLoopIsSeenAtTheNextCall() {
        // PATCH: cmp ecx, 1500; jne +7; mov byte [0x2005], 0x66 (f's XOR immediate, from 0x55).
        String patch = "81f9dc050000" + "7507" + "c6050520000066";
        TestMachine a = machine("off", loop(patch), F);
        TestMachine b = machine("all", loop(patch), F);
        assertEquals(Stop.HALT_FOREVER, JitRegionTest.lockstep(a, b, 5));
        int ebx = 0;
        for (int n = 3000; n > 0; n--) {
            ebx += (n * 3) ^ (n >= 1500 ? 0x55 : 0x66);
        }
        assertEquals(ebx, a.r(3), "EBX, interpreted");
        assertEquals(ebx, b.r(3), "EBX, compiled");
    }

    @Test
    void aFunctionRewritingItsOwnNextInstructionRunsTheNewOne() {
        // f: cmp ecx, 1500; jne +7; mov byte [0x2014], 0x66 (the immediate of the XOR below, from
        // 0x55; the write happens once, when the region holding f has long been compiled); imul;
        // xor eax, 0x55; ret. The write and the XOR are in one block: the XOR must run rewritten.
        String f = "81f9dc050000" + "7507" + "c6051420000066" + "6bc003" + "83f055" + "c3";
        TestMachine a = machine("off", loop(""), f);
        TestMachine b = machine("all", loop(""), f);
        assertEquals(Stop.HALT_FOREVER, JitRegionTest.lockstep(a, b, 6));
        int ebx = 0;
        for (int n = 3000; n > 0; n--) {
            ebx += (n * 3) ^ (n > 1500 ? 0x55 : 0x66);
        }
        assertEquals(ebx, a.r(3), "EBX, interpreted");
        assertEquals(ebx, b.r(3), "EBX, compiled");
    }
}
