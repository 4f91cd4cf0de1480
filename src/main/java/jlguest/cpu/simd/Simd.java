package jlguest.cpu.simd;

import jlguest.cpu.fpu.Fpu;
import jlguest.cpu.fpu.MmxAlias;

/**
 * The SIMD unit: eight XMM registers, MXCSR, and every MMX, SSE and SSE2 instruction.
 *
 * <p>tour:simd:100 The CPU decodes an MMX or SSE instruction like any other, from its row in the
 * opcode table (jlguest.cpu.SimdTable), and hands it here with the ModRM byte, the memory
 * operand's segment and offset, and the immediate. First come the checks that decide whether the
 * instruction may run at all: with CR0.EM set, or (for SSE) with CR4.OSFXSR clear because the
 * kernel never promised to save XMM state with FXSAVE, it is #UD; with CR0.TS it is #NM, so a
 * kernel can switch the registers lazily as it does the x87's. An MMX instruction then claims the
 * x87 registers (see MmxAlias). The rest is a switch on (mandatory prefix, opcode).
 *
 * <p>An XMM register is two longs, low quadword first: {@code xmm[2*i]} and {@code xmm[2*i+1]}.
 * A floating-point instruction computes all its elements with {@link Fp}, which collects the
 * exception flags; {@link #commit} then either writes the result and ORs the flags into MXCSR,
 * or, when a flag is unmasked, raises #XM (vector 19; #UD if CR4.OSXMMEXCPT is clear) and leaves
 * the destination alone, as the hardware does.
 */
public final class Simd {
    /** CR0 and CR4 bits we look at. */
    static final int CR0_EM = 4, CR0_TS = 8, CR4_OSFXSR = 0x200, CR4_OSXMMEXCPT = 0x400;
    static final int UD = 6, NM = 7, GP = 13, XM = 19;
    /** MXCSR bits that exist (MXCSR_MASK as FXSAVE reports it). */
    public static final int MXCSR_MASK = 0xFFFF;

    public final long[] xmm = new long[16];
    final Fp fp = new Fp();

    public int mxcsr() {
        return fp.mxcsr;
    }

    public void setMxcsr(int v) {
        fp.mxcsr = v & MXCSR_MASK;
    }

    public void reset() {
        java.util.Arrays.fill(xmm, 0);
        fp.mxcsr = 0x1F80;
    }

    // ---- the instruction in progress ----------------------------------------------------------
    private SimdBus bus;
    private Fpu fpu;
    private int reg, rm, seg, off, imm;
    private boolean mem, a32, mmxTransition;
    private final long[] t = new long[4];

    /**
     * Executes one instruction of {@code row} (attrs MMX, SSE or SIMD). seg/off locate the memory
     * operand when the ModRM byte names one; a32 is the address size (MASKMOVQ's EDI or DI).
     */
    /**
     * The opcode table row as the SIMD unit needs it (the CPU's Opcode rows live a layer above):
     * the opcode, its mandatory prefix (0, 0x66, 0xF2, 0xF3), and whether it is an MMX instruction
     * (touches the x87 registers) and an SSE one (needs CR4.OSFXSR).
     */
    public record Form(int code, int prefix, boolean mmx, boolean sse) {
    }

    public void exec(SimdBus bus, Fpu fpu, Form row, int modrm, int seg, int off, int imm, boolean a32) {
        this.bus = bus;
        this.fpu = fpu;
        this.reg = (modrm >>> 3) & 7;
        this.rm = modrm & 7;
        this.mem = modrm < 0xC0;
        this.seg = seg;
        this.off = off;
        this.imm = imm & 0xFF;
        this.a32 = a32;
        fp.exc = 0;
        int cr0 = bus.cr0();
        int code = row.code() & 0xFF;
        mmxTransition = row.mmx() && !(mem && code == 0x2A);
        if (row.sse()) {
            if ((cr0 & CR0_EM) != 0 || (bus.cr4() & CR4_OSFXSR) == 0) {
                throw bus.fault(UD, -1);
            }
            if ((cr0 & CR0_TS) != 0) {
                throw bus.fault(NM, -1);
            }
        }
        if (row.mmx()) {
            if ((cr0 & CR0_EM) != 0) {
                throw bus.fault(UD, -1);
            }
            if ((cr0 & CR0_TS) != 0) {
                throw bus.fault(NM, -1);
            }
            if (fpu.errorPending()) {
                bus.x87Error();
            }
            if (code == 0x77) {
                MmxAlias.emms(fpu);
                return;
            }
        }
        int p = row.prefix();
        int key = (p == 0x66 ? 0x100 : p == 0xF3 ? 0x200 : p == 0xF2 ? 0x300 : 0) | code;
        if (!Integers.exec(this, key) && !Floats.exec(this, key) && !Moves.exec(this, key)) {
            throw bus.fault(UD, -1);
        }
        enterMmx();
    }

    /**
     * The x87 enters MMX mode once the instruction has got past its memory faults (an #XM still
     * comes after it); CVTPI2Px m64 reads no MMX register and leaves the x87 alone.
     */
    private void enterMmx() {
        if (mmxTransition) {
            mmxTransition = false;
            MmxAlias.enter(fpu);
        }
    }

    // ---- operands ------------------------------------------------------------------------------

    int reg() {
        return reg;
    }

    int rm() {
        return rm;
    }

    boolean mem() {
        return mem;
    }

    int imm() {
        return imm;
    }

    boolean a32() {
        return a32;
    }

    int seg() {
        return seg;
    }

    int off() {
        return off;
    }

    SimdBus bus() {
        return bus;
    }

    Fpu fpu() {
        return fpu;
    }

    Fp fp() {
        return fp;
    }

    long mm(int i) {
        return MmxAlias.read(fpu, i);
    }

    void setMm(int i, long v) {
        MmxAlias.write(fpu, i, v);
    }

    /** The MMX source operand (register or m64). */
    long q() {
        return mem ? read64(off) : mm(rm);
    }

    long read64(int o) {
        return (bus.read32(seg, o) & 0xFFFFFFFFL) | ((long) bus.read32(seg, o + 4) << 32);
    }

    void write64(int o, long v) {
        bus.write32(seg, o + 4, (int) (v >>> 32));   // the high half first: a fault there writes nothing
        bus.write32(seg, o, (int) v);
    }

    void checkAligned() {
        if ((bus.linear(seg, off) & 15) != 0) {
            throw bus.fault(GP, 0);
        }
    }

    /** The XMM source operand (register or m128) into t[0], t[1]; aligned memory unless told not. */
    long[] w128(boolean aligned) {
        if (mem) {
            if (aligned) {
                checkAligned();
            }
            t[0] = read64(off);
            t[1] = read64(off + 8);
        } else {
            t[0] = xmm[2 * rm];
            t[1] = xmm[2 * rm + 1];
        }
        return t;
    }

    /** The low quadword of an XMM source, or m64. */
    long w64() {
        return mem ? read64(off) : xmm[2 * rm];
    }

    /** The low dword of an XMM source, or m32. */
    long w32() {
        return mem ? bus.read32(seg, off) & 0xFFFFFFFFL : xmm[2 * rm] & 0xFFFFFFFFL;
    }

    /** Writes 128 bits to the r/m operand (register or memory). */
    void putW128(long lo, long hi, boolean aligned) {
        if (mem) {
            if (aligned) {
                checkAligned();
            }
            write64(off + 8, hi);
            write64(off, lo);
        } else {
            xmm[2 * rm] = lo;
            xmm[2 * rm + 1] = hi;
        }
    }

    /**
     * tour:simd:120 The end of every floating-point instruction: an unmasked exception among the
     * flags raised means #XM with the destination untouched. Invalid, denormal and divide-by-zero
     * are found before any result exists, so when one of them is unmasked the flags of overflow,
     * underflow and precision are never set; otherwise all raised flags go into MXCSR.
     */
    void commit() {
        int exc = fp.exc;
        fp.exc = 0;
        int unmasked = exc & ~(fp.mxcsr >>> 7) & 0x3F;
        if ((unmasked & (Fp.IE | Fp.DE | Fp.ZE)) != 0) {
            fp.mxcsr |= exc & (Fp.IE | Fp.DE | Fp.ZE);
            throw simdException();
        }
        fp.mxcsr |= exc;
        if (unmasked != 0) {
            throw simdException();
        }
    }

    private RuntimeException simdException() {
        enterMmx();
        return bus.fault((bus.cr4() & CR4_OSXMMEXCPT) != 0 ? XM : UD, -1);
    }
}
