package jlguest.cpu;

import jlguest.cpu.fpu.FpuBus;

/**
 * The FPU's door to guest memory: segment-relative accesses with the CPU's checks and faults.
 * {@link SimdPort} adds the SIMD unit's other needs to it.
 */
class FpuPort implements FpuBus {
    private final Segments cpu;

    FpuPort(Segments cpu) {
        this.cpu = cpu;
    }

    @Override
    public int read8(int seg, int off) {
        return cpu.rdS8(seg, off);
    }

    @Override
    public int read16(int seg, int off) {
        return cpu.rdS16(seg, off);
    }

    @Override
    public int read32(int seg, int off) {
        return cpu.rdS32(seg, off);
    }

    @Override
    public void write8(int seg, int off, int v) {
        cpu.wrS8(seg, off, v);
    }

    @Override
    public void write16(int seg, int off, int v) {
        cpu.wrS16(seg, off, v);
    }

    @Override
    public void write32(int seg, int off, int v) {
        cpu.wrS32(seg, off, v);
    }
}
