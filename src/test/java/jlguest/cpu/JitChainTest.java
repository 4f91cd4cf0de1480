package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jlguest.cpu.jit.CompilerService;
import org.junit.jupiter.api.Test;

/**
 * Units that hand the guest straight on to the next block's unit (tour:jit:065), against the
 * interpreter. A loop calls two functions on other pages through a register; the second divides by zero every eighth
 * round (the #DE handler fixes the divisor, and the DIV runs again), so faults come out of units
 * entered from another unit's exit. Both CPUs run in slices of random length, and after every
 * slice their registers, EIP, flags, instruction counts and RAM must be equal.
 */
class JitChainTest {
    static {
        Cpu.useBlockCompiler(CompilerService.BACKEND);
    }

    // 0x1000: mov ecx, 20000; top: mov ebx, ecx; and ebx, 7; mov ebp, 0x2000; call ebp;
    // mov ebp, 0x4000; call ebp; dec ecx; jnz top; hlt (calls through a register: a region never
    // follows them, so every call and every return leaves a unit)
    private static final String LOOP = "b9204e0000" + "89cb" + "83e307" + "bd00200000" + "ffd5" + "bd00400000" + "ffd5"
            + "49" + "75ea" + "f4";

    private static TestMachine machine() {
        TestMachine m = TestMachine.flat(LOOP);
        m.standardTables();
        m.gate(TestMachine.IDT, 0, 0x10, 0x1800, 0xE, 0);
        m.load(0x1800, TestMachine.hex("bb03000000cf"));                // #DE: mov ebx, 3; iret
        // 0x2000: add esi, ecx; xor esi, 0x5a5a; mov [0x100000], esi; ret
        m.load(0x2000, TestMachine.hex("01ce81f65a5a0000893500001000c3"));
        // 0x4000: push eax; push edx; mov eax, esi; xor edx, edx; div ebx; add edi, eax; pop edx; pop eax; ret
        m.load(0x4000, TestMachine.hex("505289f031d2f7f301c75a58c3"));
        return m;
    }

    @Test
    void chainedUnitsMatchTheInterpreterSliceBySlice() {
        TestMachine a = JitLockstepTest.withJit("off", JitChainTest::machine);
        TestMachine b = JitLockstepTest.withJit("all", JitChainTest::machine);
        Random rnd = new Random(12);
        Stop sa;
        int slices = 0;
        do {
            int slice = 1 + rnd.nextInt(3000);
            sa = a.cpu.run(slice);
            Stop sb = b.cpu.run(slice);
            assertEquals(sa, sb, "slice " + slices);
            JitLockstepTest.assertSame(a, b, "slice " + slices);
            slices++;
        } while (sa == Stop.BUDGET);
        assertEquals(Stop.HALT_FOREVER, sa);
        assertEquals(20000 / 8, a.exceptions.size());
        assertEquals(a.exceptions.size(), b.exceptions.size());
        assertTrue(b.cpu.unitsChained > 10_000, "units entered from a unit's exit: " + b.cpu.unitsChained);
    }
}
