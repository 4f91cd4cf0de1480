package jlguest.cpu;

import jlguest.cpu.simd.SimdBus;

/** The SIMD unit's door to the CPU: memory with the CPU's checks, registers, flags, faults. */
final class SimdPort implements SimdBus {
    private final Executor cpu;

    SimdPort(Executor cpu) {
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

    @Override
    public int linear(int seg, int off) {
        return cpu.segBase[seg] + off;
    }

    @Override
    public int gpr(int n) {
        return cpu.r[n];
    }

    @Override
    public void setGpr(int n, int v) {
        cpu.r[n] = v;
    }

    @Override
    public void setArithFlags(int oszapc) {
        cpu.setOszapc(oszapc);
    }

    @Override
    public int cr0() {
        return cpu.cr0;
    }

    @Override
    public int cr4() {
        return cpu.cr4;
    }

    @Override
    public RuntimeException fault(int vector, int errorCode) {
        return cpu.fault(vector, errorCode);
    }

    @Override
    public void x87Error() {
        cpu.fpuError();
    }
}
