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
 * launcher's JVM does (pom.xml's argLine: the flags and target/jlguest-boot.jar). Left to HotSpot's own
 * policy a new unit would be found interpreted (tier 0) or in C1's profiling tier (3) here.
 */
class JitWhiteBoxTest {
    static {
        Cpu.useBlockCompiler(CompilerService.BACKEND);
    }

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
                        () -> JitLockstepTest.withJit("on", () -> TestMachine.flat(JitTiersTest.LOOP))));
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
