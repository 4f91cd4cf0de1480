package jlguest.cpu.jit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * The first tier's compiler directive (tour:jit:055) is really in HotSpot's directive stack: what
 * {@code jcmd PID Compiler.directives_print} prints names our first-tier classes with C2 excluded,
 * and not the hot ones; C1 compiling them as blocking tasks, for WhiteBoxTier; and C2 excluded for
 * the code that makes units (ASM and jlguest.cpu.jit).
 */
class JvmTiersTest {
    @Test
    void theDirectiveKeepsC2FromFirstTierUnitsAndTheCodeThatMakesThem() throws Exception {
        assertTrue(JvmTiers.install(), "the directive was not added");
        assertTrue(JvmTiers.install(), "a second call must report the first one's success");
        String printed = String.valueOf(ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesPrint",
                new Object[] {new String[0]}, new String[] {String[].class.getName()}));
        int at = printed.indexOf("matching: " + BlockCompiler.CLASS_NAME + "*.*");
        assertTrue(at >= 0, printed);
        String c2 = printed.substring(printed.indexOf("c2 directives:", at));
        c2 = c2.substring(0, c2.indexOf('\n', c2.indexOf("Exclude:")));
        assertTrue(c2.contains("Exclude:true"), c2);
        // With WhiteBox (the build's test JVM has it, as the launcher's does) C1 compiles units as
        // blocking tasks, which HotSpot takes first (tour:jit:056).
        assertTrue(WhiteBoxTier.available(), "no WhiteBox interface: pom.xml's argLine gives the test JVM one");
        String c1 = printed.substring(printed.indexOf("c1 directives:", at));
        c1 = c1.substring(0, c1.indexOf('\n', c1.indexOf("BackgroundCompilation:")));
        assertTrue(c1.contains("BackgroundCompilation:false"), c1);
        assertTrue(!printed.contains(BlockCompiler.HOT_CLASS_NAME), "the hot tier must stay C2's");
        // The code that makes units stays C1's too (our compiler thread: ASM and this package).
        int makers = printed.indexOf("matching: jlguest/cpu/jit/*.*, org/objectweb/asm/*.*");
        assertTrue(makers >= 0, printed);
        String c2m = printed.substring(printed.indexOf("c2 directives:", makers));
        c2m = c2m.substring(0, c2m.indexOf('\n', c2m.indexOf("Exclude:")));
        assertTrue(c2m.contains("Exclude:true"), c2m);
        assertTrue(!BlockCompiler.HOT_CLASS_NAME.startsWith(BlockCompiler.CLASS_NAME), "the pattern would match both");
    }
}
