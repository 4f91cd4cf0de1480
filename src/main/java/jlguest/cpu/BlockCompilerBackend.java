package jlguest.cpu;

/**
 * The block compiler as the CPU sees it. The compiler (jlguest.cpu.jit) needs the CPU, so the CPU
 * must not need it back: whoever builds machines installs it once with
 * {@link Cpu#useBlockCompiler} (the machine does, and tests that run compiled code), and the CPU
 * talks to it only through this interface. With none installed every block is interpreted.
 */
public interface BlockCompilerBackend {
    /**
     * What the CPU side gives the compiler: the hot block and the blocks it reaches (on its page, or on others the TLB maps)
     * (the hot block first: the candidates for one region), and a way to install the result.
     */
    interface Request {
        GuestBlock[] region();

        int version();

        /**
         * A second compile of a unit that proved hot (see {@code JitPort}): compiled the same way,
         * but as a class HotSpot's optimising compiler (C2) may take, where a first compile is left
         * to the quick one (C1).
         */
        boolean hot();

        /**
         * Defines the class (in the CPU's package) and returns the unit; {@code callOuts}: the
         * {@link GuestInsn#source} of each instruction it hands to the interpreter, in the order
         * of its class data (tour:jit:016).
         */
        CompiledUnit define(byte[] classBytes, int version, int length, int blocks, Object[] callOuts);

        /** Sets the unit on the block (any thread; the version check makes a late one harmless). */
        void install(CompiledUnit unit);

        /**
         * Instructions the guest has interpreted in this block since it asked: what waiting for
         * the compiler has cost so far (0 for a hot request, whose block runs compiled already).
         */
        default long waste() {
            return 0;
        }

        /** The block was decoded again since it asked: a unit made now would never run. */
        default boolean stale() {
            return false;
        }

        /** Takes the unit off the block again (a code-cache flush) and lets it count anew. */
        void uninstall();
    }

    /** Queues a hot block for the background thread; false when the queue is full. */
    boolean submit(Request r);

    /** Compiles now, on the caller's thread, and installs (the compile-everything test mode). */
    void compileNow(Request r);

    /** With -Djlguest.jit.stats=true: one unit run of {@code n} instructions (a prefix: the loop went on). */
    void counted(int n, boolean prefix);

    /** One line of counts, for -Djlguest.jit.stats=true. */
    String statistics();
}
