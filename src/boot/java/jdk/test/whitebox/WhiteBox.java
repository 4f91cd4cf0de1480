package jdk.test.whitebox;

import java.lang.reflect.Executable;

/**
 * HotSpot's WhiteBox testing interface, the calls of it the block compiler (and JitWhiteBoxTest) make
 * (jlguest.cpu.jit.WhiteBoxTier says why). HotSpot binds these natives itself when this class is loaded
 * from the boot class path of a JVM started with {@code -XX:+UnlockDiagnosticVMOptions
 * -XX:+WhiteBoxAPI} (the launcher adds both, and target/jlguest-boot.jar, this class alone);
 * anywhere else {@code registerNatives} binds nothing and every call throws
 * UnsatisfiedLinkError, which jlguest.cpu.jit.WhiteBoxTier takes as "not available".
 *
 * <p>HotSpot's table has some two hundred more natives; for each one this class does not declare it
 * prints a warning on the VM's output, which {@code -XX:-DisplayVMOutput} keeps off the guest's
 * console. The class and method names are HotSpot's (JDK 17 and later); only the natives' names
 * and signatures matter to it.
 */
public final class WhiteBox {
    private WhiteBox() {
    }

    /** The one instance; the natives are instance methods, as HotSpot declares them. */
    public static final WhiteBox WB = new WhiteBox();

    private static native void registerNatives();

    static {
        registerNatives();
    }

    /** Queues {@code method} for HotSpot's compiler at {@code compLevel} (1: C1 without profiling, 4: C2). */
    public native boolean enqueueMethodForCompilation0(Executable method, int compLevel, int entryBci);

    /** True once {@code method} has compiled code installed. */
    public native boolean isMethodCompiled0(Executable method, boolean isOsr);

    /** The tier of {@code method}'s installed code (0: none, interpreted); for JitWhiteBoxTest. */
    public native int getMethodCompilationLevel0(Executable method, boolean isOsr);
}
