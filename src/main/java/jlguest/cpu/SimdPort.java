package jlguest.cpu;

import jlguest.cpu.simd.SimdBus;

/** The SIMD unit's door to the CPU: the FPU's door to memory, plus registers, flags, faults. */
final class SimdPort extends FpuPort implements SimdBus {
    private final Executor cpu;

    SimdPort(Executor cpu) {
        super(cpu);
        this.cpu = cpu;
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
