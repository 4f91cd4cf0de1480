package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Executable;
import java.util.List;
import jlguest.cpu.jit.CompilerService;
import org.junit.jupiter.api.Test;

/**
 * A first-tier unit reaches its block only once HotSpot has compiled it at C1's final tier
 * (tour:jit:056), through HotSpot's WhiteBox interface, which the build's test JVM has as the
 * launcher's JVM does (pom.xml's argLine: the flags and target/boot-classes). Left to HotSpot's own
 * policy a new unit would be found interpreted (tier 0) or in C1's profiling tier (3) here.
 */
class JitWhiteBoxTest {
    static {
        Cpu.useBlockCompiler(CompilerService.BACKEND);
    }

    // mov ecx, 3000; l: add eax, ecx; test cl, 1; jz even; add ebx, eax; jmp next; even: sub ebx, ecx;
    // next: mov [0x300000], ebx; dec ecx; jnz l; jmp $+2; hlt. (A region of three blocks.)
    private static final String LOOP = "b9b80b0000" + "01c8" + "f6c101" + "7404" + "01c3" + "eb02" + "29cb"
            + "891d00003000" + "49" + "75ea" + "eb00" + "f4";

    /** HotSpot's tier of a method's code, asked through WhiteBox (on the boot class path, so by name). */
    private static int tier(Executable m) throws ReflectiveOperationException {
        Class<?> wb = Class.forName("jdk.test.whitebox.WhiteBox");
        return (int) wb.getMethod("getMethodCompilationLevel0", Executable.class, boolean.class)
                .invoke(wb.getField("WB").get(null), m, false);
    }

    @Test
    void aNewUnitIsInstalledOnlyOnceItIsC1Code() throws Exception {
        TestMachine m = JitLockstepTest.withProperty("jlguest.jit.warmup", "0",
                () -> JitLockstepTest.withProperty("jlguest.jit.threshold", "50",
                        () -> JitLockstepTest.withJit("on", () -> TestMachine.flat(LOOP))));
        assertEquals(Stop.HALT_FOREVER, m.cpu.run(1_000_000));
        // The blocks went to the compiler at their 50th run; their units arrive in the background.
        long deadline = System.nanoTime() + 20_000_000_000L;
        List<CompiledUnit> units = m.cpu.installedUnits();
        while (units.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
            units = m.cpu.installedUnits();
        }
        assertFalse(units.isEmpty(), "no unit was installed in 20 s");
        for (CompiledUnit u : units) {
            assertEquals(1, tier(u.getClass().getDeclaredMethod("run", Cpu.class)),
                    "a unit was installed before HotSpot compiled it at tier 1");
        }
        assertTrue(CompilerService.compiledUnits() > 0);
    }
}
