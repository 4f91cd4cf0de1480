package jlguest.cpu.jit;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Executable;

import jlguest.cpu.CompiledUnit;
import jlguest.cpu.Cpu;

/**
 * tour:jit:056 A first-tier unit straight to C1's final tier, and in place only once it is there.
 * Left to HotSpot's own policy (tour:jit:055) a new unit ran first in HotSpot's bytecode
 * interpreter (200 calls, and as long again as C1's queue took), then in C1's profiling tier (code
 * full of counters, compiled once for that alone), and reached the tier it ends in only when C2
 * was asked for it and refused. A profile of a first userland run found 8% of the guest's thread
 * in units still interpreted by HotSpot, and C1 compiled every unit twice (2.8 s of a core).
 *
 * <p>HotSpot's WhiteBox interface (its testing API, in every HotSpot JVM, unlocked by two
 * diagnostic flags the launcher adds; see src/boot/java) can queue a method for a given tier. So
 * the compiler thread defines the unit's class, has its {@code run} compiled at tier 1 (C1, no
 * profiling: the code a first-tier unit ends up with anyway) as a blocking task, which HotSpot
 * takes before its others (JvmTiers' directive), and sets the unit on its block once that code is
 * installed; until then the guest interprets the block as before. A JVM without the interface
 * (another JVM, or started without the flags) gets HotSpot's policy as before, and
 * {@code -Djlguest.jit.whitebox=false} chooses that too. Hot units (C2's) keep HotSpot's policy:
 * queued for C2 at once they would lack the profile C2 compiles from (measured no faster).
 */
final class WhiteBoxTier {
    private WhiteBoxTier() {
    }

    /** C1 without profiling: HotSpot's CompLevel_simple. */
    static final int TIER_SIMPLE = 1;

    private static final Object WB;
    private static final MethodHandle ENQUEUE, COMPILED;

    static {
        Object wb = null;
        MethodHandle enqueue = null, compiled = null;
        if (!"false".equals(System.getProperty("jlguest.jit.whitebox"))) {
            try {
                // Loaded by name: the class is on the boot class path only when the launcher put it there.
                Class<?> c = Class.forName("jdk.test.whitebox.WhiteBox");
                MethodHandles.Lookup l = MethodHandles.publicLookup();
                Object instance = c.getField("WB").get(null);
                enqueue = l.findVirtual(c, "enqueueMethodForCompilation0",
                        MethodType.methodType(boolean.class, Executable.class, int.class, int.class));
                compiled = l.findVirtual(c, "isMethodCompiled0",
                        MethodType.methodType(boolean.class, Executable.class, boolean.class));
                // A call that works only if HotSpot bound the natives (boot class path, -XX:+WhiteBoxAPI).
                compiled.invoke(instance, (Executable) WhiteBoxTier.class.getDeclaredMethod("available"), false);
                wb = instance;
            } catch (Throwable e) {
                wb = null;      // not there, or not bound: HotSpot's own policy
            }
        }
        WB = wb;
        ENQUEUE = enqueue;
        COMPILED = compiled;
    }

    /** True when units can be queued for a tier (HotSpot with the WhiteBox interface bound). */
    static boolean available() {
        return WB != null;
    }

    /**
     * Compiles a first-tier unit's {@code run} at tier 1 and returns true when its code is there.
     * The compile is a blocking task (JvmTiers' directive), so this returns when C1 is done; false
     * without the interface, or when HotSpot refused or failed (HotSpot's policy then has the unit).
     */
    static boolean compile(CompiledUnit unit) {
        if (WB == null) {
            return false;
        }
        try {
            Executable run = unit.getClass().getDeclaredMethod("run", Cpu.class);
            return (boolean) ENQUEUE.invoke(WB, run, TIER_SIMPLE, -1) && (boolean) COMPILED.invoke(WB, run, false);
        } catch (Throwable e) {
            return false;
        }
    }
}
