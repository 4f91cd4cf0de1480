package jlguest.cpu;


/**
 * A guest block compiled to JVM bytecode: one instance of one hidden class (see {@link BlockCompiler}).
 *
 * <p>{@link #run} executes the block's first {@link #length} instructions with the CPU's state and
 * returns how they ended: {@code k >= 0} means k instructions ran and the block goes on in the
 * interpreter from instruction k (k = 0: the unit declined, e.g. a 16-bit stack); {@code ~k < 0}
 * means k instructions ran and the block ends there (a taken branch, or a write to the running
 * code page). A guest fault propagates as the CPU's own exception, with the state written back as
 * the interpreter would leave it and the count of completed instructions in {@code Cpu.jitRetired}.
 */
public abstract class CompiledUnit {
    /** The block's decode version this unit was compiled from: it runs only while they match. */
    public final int version;
    /** How many of the block's instructions it covers. */
    public final int length;

    protected CompiledUnit(int version, int length) {
        this.version = version;
        this.length = length;
    }

    public abstract int run(Cpu cpu);
}
