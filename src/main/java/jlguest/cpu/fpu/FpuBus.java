package jlguest.cpu.fpu;

/**
 * How the FPU reaches guest memory: segment-relative reads and writes that may throw the CPU's
 * page or segment faults. The CPU passes one of these to {@link Fpu#exec}; the FPU never sees
 * linear addresses, descriptors or TLBs.
 *
 * <p>tour:fpu:020 The FPU is a coprocessor with its own registers but no memory of its own: every
 * memory operand goes through this small door, so the FPU can be tested with a byte array.
 */
public interface FpuBus {
    int read8(int seg, int off);

    int read16(int seg, int off);

    int read32(int seg, int off);

    void write8(int seg, int off, int v);

    void write16(int seg, int off, int v);

    void write32(int seg, int off, int v);
}
