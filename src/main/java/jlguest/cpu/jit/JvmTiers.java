package jlguest.cpu.jit;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.management.JMException;
import javax.management.ObjectName;

/**
 * tour:jit:055 Two tiers, as QEMU and every JIT have them: compile quickly first, optimise only
 * what proves hot. Our units are bytecode, and HotSpot compiles bytecode twice more: C1 soon (a
 * quick compiler, fair code) and C2 once a method ran some thousands of times (the best code, but
 * its time grows faster than the method). Left to itself HotSpot sends nearly every unit to C2,
 * and on the userland benchmark C2 spent 12 of the run's 26 CPU-seconds on units, on the core the
 * guest's devices and our own compiler thread need, while every unit waited for it in slower
 * code. So a first compile is a class named {@code CompiledBlock}, which a compiler directive keeps
 * from C2: HotSpot then settles it at C1's optimised, unprofiled tier, or puts it there at once
 * where the WhiteBox interface lets us ask (tour:jit:056). A unit that keeps running (JitPort
 * counts its entries) is compiled once more as a {@code HotRegion}, which C2 may take.
 *
 * <p>The directive is added at run time through HotSpot's diagnostic command (what {@code jcmd PID
 * Compiler.directives_add} does), so it works in any JVM that runs us, with no launcher flag; the
 * compiler thread does it before its first compile (about 150 ms, off the guest's thread). A JVM
 * without the command (not HotSpot) runs every unit as its own JIT decides, as before;
 * {@code -Djlguest.jit.tiers=false} leaves it out.
 */
final class JvmTiers {
    private JvmTiers() {
    }

    static final boolean ENABLED = !"false".equals(System.getProperty("jlguest.jit.tiers"));
    /**
     * For first-tier units: C2 never; and where they are queued for C1 through WhiteBox
     * (tour:jit:056), C1 compiles them as blocking tasks: the queueing call returns once the code is there, and HotSpot takes
     * blocking WhiteBox tasks before the others (a unit that has not run yet would otherwise come
     * last: C1 takes the methods whose counters run fastest first).
     */
    private static final String UNITS = "{ match: \"" + BlockCompiler.CLASS_NAME + "*.*\", c2: { Exclude: true }"
            + (WhiteBoxTier.available() ? ", c1: { BackgroundCompilation: false }" : "") + " }";
    /**
     * And C2 never for the code that makes units (ASM and this package), which runs on our compiler
     * thread: C2 spent 1.3 s of a userland run's CPU on it (71 ASM and 40 of our methods, JFR), on
     * the core the C1 compiles of units wait for; C1's code is fast enough for a thread that
     * compiles a unit in about a millisecond. First runs measured 3-5% faster (docs/performance.md).
     */
    private static final String MAKERS =
            "{ match: [\"org/objectweb/asm/*.*\", \"" + JvmTiers.class.getPackageName().replace('.', '/')
            + "/*.*\"], c2: { Exclude: true } }";
    private static final String DIRECTIVE = "[ " + UNITS + ", " + MAKERS + " ]\n";
    private static boolean tried;
    private static boolean installed;

    /** Adds the directive once per JVM (later calls return at once); true if it is in force. */
    static synchronized boolean install() {
        if (tried) {
            return installed;
        }
        tried = true;
        if (!ENABLED) {
            return false;
        }
        Path file = null;
        try {
            file = Files.createTempFile("jlguest-jit", ".json");
            Files.writeString(file, DIRECTIVE, StandardCharsets.US_ASCII);
            Object added = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            installed = String.valueOf(added).contains("2 compiler directives added");
        } catch (IOException | JMException | RuntimeException | LinkageError e) {
            installed = false;      // not HotSpot, or no management: one tier, HotSpot's choice
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
        return installed;
    }
}
