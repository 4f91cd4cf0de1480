package jlguest.cpu.fpu;

/**
 * FLDCW/FNSTCW, FNSTSW, FNCLEX, FNSTENV/FLDENV and FNSAVE/FRSTOR: the FPU state as memory sees it.
 *
 * <p>tour:fpu:400 The environment is 14 bytes (16-bit operand size) or 28 bytes (32-bit): control
 * word, status word, tag word, then the instruction pointer, code selector and opcode, and the
 * data pointer and selector of the last non-control instruction. FNSAVE appends the eight
 * registers in stack order, ST(0) first, 10 bytes each, and then reinitializes the FPU; FNSTENV
 * masks all exceptions after storing (so a handler can run FP code). We write the protected-mode
 * layouts only; real-mode and virtual-8086 code (which use a different layout for the pointers)
 * get the protected-mode one.
 */
abstract class Environment extends Special {
    final void setControlWord(int v) {
        cw = (v & 0x1F3F) | 0x40;
        updateEs();
    }

    /** FNSTENV (without the masking) at seg:off. */
    final void storeEnv(FpuBus bus, int seg, int off, boolean o32) {
        int[] env = {cw, statusWord(), tagWord(), ip, cs, dp, ds};
        if (o32) {
            bus.write32(seg, off + 24, ds | 0xFFFF0000);
            bus.write32(seg, off, cw | 0xFFFF0000);
            bus.write32(seg, off + 4, env[1] | 0xFFFF0000);
            bus.write32(seg, off + 8, env[2] | 0xFFFF0000);
            bus.write32(seg, off + 12, ip);
            bus.write32(seg, off + 16, (cs & 0xFFFF) | (opcode << 16));
            bus.write32(seg, off + 20, dp);
        } else {
            bus.write16(seg, off + 12, ds);
            for (int k = 0; k < 6; k++) {
                bus.write16(seg, off + 2 * k, env[k]);
            }
        }
    }

    /** FLDENV at seg:off. */
    final void loadEnv(FpuBus bus, int seg, int off, boolean o32) {
        int[] env = new int[7];
        for (int k = 0; k < 7; k++) {
            env[k] = o32 ? bus.read32(seg, off + 4 * k) : bus.read16(seg, off + 2 * k);
        }
        commitEnv(env, o32);
    }

    private void commitEnv(int[] env, boolean o32) {
        cw = (env[0] & 0x1F3F) | 0x40;
        setStatusWord(env[1] & 0xFFFF);
        setTagWord(env[2] & 0xFFFF);
        ip = env[3];
        cs = env[4] & 0xFFFF;
        opcode = o32 ? (env[4] >>> 16) & 0x7FF : 0;
        dp = env[5];
        ds = env[6] & 0xFFFF;
        if (!o32) {
            ip &= 0xFFFF;
            dp &= 0xFFFF;
        }
        updateEs();
    }

    final void fnsave(FpuBus bus, int seg, int off, boolean o32) {
        int regs = o32 ? 28 : 14;
        // The last byte first: a fault leaves the FPU as it was (the restart writes everything).
        bus.write8(seg, off + regs + 79, stSe(7) >>> 8);
        storeEnv(bus, seg, off, o32);
        for (int i = 0; i < 8; i++) {
            int a = off + regs + 10 * i;
            long m = stSig(i);
            bus.write32(seg, a, (int) m);
            bus.write32(seg, a + 4, (int) (m >>> 32));
            bus.write16(seg, a + 8, stSe(i));
        }
        init();
    }

    final void frstor(FpuBus bus, int seg, int off, boolean o32) {
        int regs = o32 ? 28 : 14;
        int[] env = new int[7];
        for (int k = 0; k < 7; k++) {
            env[k] = o32 ? bus.read32(seg, off + 4 * k) : bus.read16(seg, off + 2 * k);
        }
        long[] m = new long[8];
        int[] s = new int[8];
        for (int i = 0; i < 8; i++) {
            int a = off + regs + 10 * i;
            m[i] = (bus.read32(seg, a) & 0xFFFFFFFFL) | ((long) bus.read32(seg, a + 4) << 32);
            s[i] = bus.read16(seg, a + 8) & 0xFFFF;
        }
        commitEnv(env, o32);
        for (int i = 0; i < 8; i++) {
            int p = phys(i);
            se[p] = s[i];
            sig[p] = m[i];
        }
    }
}
