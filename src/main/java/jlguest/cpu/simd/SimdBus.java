package jlguest.cpu.simd;

import jlguest.cpu.fpu.FpuBus;

/**
 * What the SIMD unit needs from the CPU: segment-relative memory (with the CPU's checks and
 * faults, from {@link FpuBus}), the general registers, EFLAGS, the control registers and a way to
 * raise an exception. Implemented by the CPU; a test can implement it with plain arrays.
 */
public interface SimdBus extends FpuBus {
    /** The linear address of seg:off (for the 16-byte alignment checks). */
    int linear(int seg, int off);

    int gpr(int n);

    void setGpr(int n, int v);

    /** Writes the six arithmetic flags (OF SF ZF AF PF CF) of EFLAGS from {@code oszapc}. */
    void setArithFlags(int oszapc);

    int cr0();

    int cr4();

    /** An exception to throw: vector, error code (-1 for none). */
    RuntimeException fault(int vector, int errorCode);

    /** A pending unmasked x87 error seen by an MMX instruction: #MF, or FERR# and go on. */
    void x87Error();
}
