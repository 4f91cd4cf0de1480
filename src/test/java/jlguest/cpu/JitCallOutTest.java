package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import jlguest.cpu.jit.CompilerService;
import org.junit.jupiter.api.Test;

/**
 * Instructions a compiled unit hands to the interpreter in place (tour:jit:016): string moves,
 * bit tests, the x87, XADD in the middle of compiled loops; a REP that pauses to let interrupts
 * in; a REP that faults half-way; a REP STOSB that rewrites the code right after it. Each program
 * runs interpreted and compiled (every block at its first run; and with hot units, compiled
 * again after one run, whose registers live in JVM locals), in random slices, the whole state
 * compared after every slice (JitRegionTest.lockstep).
 */
class JitCallOutTest {
    static {
        Cpu.useBlockCompiler(CompilerService.BACKEND);
    }

    private static TestMachine compiled(boolean hot, Supplier<TestMachine> make) {
        return JitLockstepTest.withJit("all",
                () -> JitLockstepTest.withProperty("jlguest.jit.hot", hot ? "1" : "2000000000", make));
    }

    // mov ecx, 300; l: mov esi, 0x200000; mov edi, 0x201000; push ecx; mov ecx, 64; rep movsd;
    // pop ecx; bt ecx, 3; adc eax, 0; fld1; fadd st0, st0; fstp dword [0x202000];
    // add ebx, [0x202000]; inc edx; xadd [0x203000], edx; dec ecx; jnz l; hlt
    private static final String MIXED = "b92c010000" + "be00002000" + "bf00102000" + "51" + "b940000000" + "f3a5"
            + "59" + "0fbae103" + "83d000" + "d9e8" + "d8c0" + "d91d00202000" + "031d00202000" + "42"
            + "0fc11500302000" + "49" + "75cb" + "f4";

    @Test
    void callOutsInACompiledLoopGiveTheInterpretersResult() {
        for (boolean hot : new boolean[] {false, true}) {
            long units = CompilerService.compiledUnits();
            TestMachine a = JitLockstepTest.withJit("off", () -> TestMachine.flat(MIXED));
            TestMachine b = compiled(hot, () -> TestMachine.flat(MIXED));
            for (int k = 0; k < 64; k++) {
                a.ram.write32(0x200000 + 4 * k, 0x01010101 * k);
                b.ram.write32(0x200000 + 4 * k, 0x01010101 * k);
            }
            assertEquals(Stop.HALT_FOREVER, JitRegionTest.lockstep(a, b, hot ? 11 : 10));
            assertTrue(CompilerService.compiledUnits() > units, "nothing compiled");
            assertEquals(0x01010101 * 63, b.read32(0x201000 + 4 * 63), "the last dword copied");
            int bit3 = 0;
            for (int n = 1; n <= 300; n++) {
                bit3 += n >>> 3 & 1;
            }
            assertEquals(bit3, b.r(0), "EAX: the loop counts with bit 3 set, by BT and ADC");
            assertEquals(300 * 0x40000000, b.r(3), "EBX: 300 times 2.0f's bits, modulo 2^32");
            assertTrue(b.cpu.compiledBlocks(0x1005) >= 1, "the loop is compiled");
        }
    }

    // mov ebx, 3; l: mov edi, 0x300000; mov ecx, 40000; mov eax, 0x11223344; rep stosd; add edx, 1;
    // dec ebx; jnz l; hlt. Each REP STOSD pauses twice (16,384 iterations at a time): the unit
    // leaves with EIP at the REP, as the interpreter does.
    private static final String PAUSING = "bb03000000" + "bf00003000" + "b9409c0000" + "b844332211" + "f3ab"
            + "83c201" + "4b" + "75e5" + "f4";

    @Test
    void aRepThatPausesLeavesTheUnitAtItself() {
        for (boolean hot : new boolean[] {false, true}) {
            TestMachine a = JitLockstepTest.withJit("off", () -> TestMachine.flat(PAUSING));
            TestMachine b = compiled(hot, () -> TestMachine.flat(PAUSING));
            assertEquals(Stop.HALT_FOREVER, JitRegionTest.lockstep(a, b, hot ? 21 : 20));
            assertEquals(3, b.r(2), "EDX: three rounds");
            assertEquals(0x11223344, b.read32(0x300000 + 4 * 39999), "the last dword stored");
        }
    }

    // mov ax, 0x38; mov es, ax (64 KiB at 0x100000); mov edi, 0x200; mov ebx, 100;
    // l: mov ecx, 0x100; mov eax, ebx; rep stosd; dec ebx; jnz l; hlt. The 64th REP STOSD runs
    // past ES's limit half-way: #GP(0) with ECX and EDI where the interpreter leaves them, in a
    // unit that wrote ECX itself just before (by then a hot unit, which keeps it in a local).
    private static final String FAULTING = "66b83800" + "8ec0" + "bf00020000" + "bb64000000" + "b900010000" + "89d8"
            + "f3ab" + "4b" + "75f4" + "f4";

    @Test
    void aRepFaultingHalfWayIsPrecise() {
        for (boolean hot : new boolean[] {false, true}) {
            TestMachine a = JitLockstepTest.withJit("off", () -> tables(TestMachine.flat(FAULTING)));
            TestMachine b = compiled(hot, () -> tables(TestMachine.flat(FAULTING)));
            long hotUnits = CompilerService.compiledHot();
            assertEquals(Stop.TRIPLE_FAULT, JitRegionTest.lockstep(a, b, hot ? 31 : 30));
            assertEquals(hot ? 1 : 0, CompilerService.compiledHot() - hotUnits, "hot units compiled");
            assertArrayEquals(new int[] {13, 0, 0x1017}, b.exceptions.get(0), "#GP(0) at the REP STOSD");
            assertArrayEquals(a.exceptions.get(0), b.exceptions.get(0));
            assertEquals(0x10000, b.r(7), "EDI at the fault");
            assertEquals(0x80, b.r(1), "ECX at the fault: half of the 64th round stored");
        }
    }

    // mov ebx, 200; l: mov edi, 0x1015 (the immediate of the ADD below); mov eax, ebx; mov ecx, 1;
    // rep stosb; add edx, 0 (its immediate just written: the low byte of EBX); dec ebx; jnz l; hlt.
    private static final String REWRITING = "bbc8000000" + "bf15100000" + "89d8" + "b901000000" + "f3aa" + "83c200"
            + "4b" + "75ec" + "f4";

    @Test
    void aRepStosbOverTheNextInstructionRunsTheNewCode() {
        for (boolean hot : new boolean[] {false, true}) {
            TestMachine a = JitLockstepTest.withJit("off", () -> TestMachine.flat(REWRITING));
            TestMachine b = compiled(hot, () -> TestMachine.flat(REWRITING));
            assertEquals(Stop.HALT_FOREVER, JitRegionTest.lockstep(a, b, hot ? 41 : 40));
            int sum = 0;
            for (int n = 200; n > 0; n--) {
                sum += (byte) n;
            }
            assertEquals(sum, b.r(2), "EDX: the sum of the immediates written, sign-extended");
        }
    }

    private static TestMachine tables(TestMachine m) {
        m.standardTables();
        return m;
    }
}
