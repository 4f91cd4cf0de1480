package jlguest.cpu;


/**
 * A guest block, or a region of blocks, compiled to JVM bytecode: one instance of one
 * hidden class (see jlguest.cpu.jit.BlockCompiler).
 *
 * <p>{@link #run} executes the entry block's first {@link #length} instructions with the CPU's
 * state, and, in a region, goes on into the region's other blocks while the run loop would (see
 * {@link Cpu#regionMayGoOn}). It returns how it ended: {@code k >= 0} means k instructions of the
 * entry block ran (after {@code Cpu.jitRetired} instructions in the region's other blocks, if it
 * came back to its entry) and the entry block goes on in the interpreter from instruction k (k = 0:
 * the unit declined, e.g. a 16-bit stack); {@code ~k < 0} means k instructions ran in
 * all and the block that ran last ends there (a branch out of the region, a write to the running
 * code page, an interrupt or the budget at a block boundary), EIP set. A guest fault propagates as the CPU's own exception, with the state written back as
 * the interpreter would leave it and the count of completed instructions in {@code Cpu.jitRetired}.
 */
public abstract class CompiledUnit {
    /** The block's decode version this unit was compiled from: it runs only while they match. */
    public final int version;
    /** How many of the entry block's instructions it covers. */
    public final int length;
    /** How many blocks the unit holds (1: a single block; more: a region). */
    public final int blocks;

    /** Instructions run so far, counted by JitPort: a unit that keeps running is compiled again, as hot. */
    int work;
    /** A second compile, for C2 (tour:jit:055). */
    boolean hot;
    /** Its second compile was asked for (or it is one): never promoted again. */
    boolean promoted;

    /**
     * The bits of the CPU's {@code segFast} a unit checks at its entry for each segment it reads
     * or writes through, in BlockCompiler (tour:jit:022).
     */
    public static final int SEG_FAST_R = CpuState.SEG_FAST_R, SEG_FAST_W = CpuState.SEG_FAST_W;

    protected CompiledUnit(int version, int length, int blocks) {
        this.version = version;
        this.length = length;
        this.blocks = blocks;
    }

    public abstract int run(Cpu cpu);
}
