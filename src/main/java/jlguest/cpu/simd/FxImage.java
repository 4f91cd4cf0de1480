package jlguest.cpu.simd;

import jlguest.cpu.fpu.MmxAlias;

/**
 * FXSAVE and FXRSTOR: the 512-byte image of the x87, MMX and SSE state.
 *
 * <p>tour:simd:400 Layout (32-bit form): FCW at 0, FSW at 2, the abridged tag byte at 4 (one bit
 * per physical register: 1 = not empty), FOP at 6, FIP at 8, FCS at 12, FDP at 16, FDS at 20,
 * MXCSR at 24, MXCSR_MASK at 28 (which MXCSR bits exist), ST(0)..ST(7) in 16-byte slots from 32
 * (ten bytes each, the rest zero), XMM0..XMM7 from 160; bytes 288..511 are left alone. Linux uses
 * this pair for every task switch once CPUID says FXSR and it sets CR4.OSFXSR.
 */
final class FxImage {
    private FxImage() {
    }

    static void save(Simd s, SimdBus bus, int seg, int off) {
        var f = s.fpu();
        bus.write8(seg, off + 287, (int) (s.xmm[15] >>> 56));   // the last byte first: a fault writes nothing
        int[] h = MmxAlias.header(f);
        bus.write16(seg, off, h[0]);
        bus.write16(seg, off + 2, h[1]);
        bus.write8(seg, off + 4, h[2]);
        bus.write8(seg, off + 5, 0);
        bus.write16(seg, off + 6, h[3]);
        bus.write32(seg, off + 8, h[4]);
        bus.write32(seg, off + 12, h[5] & 0xFFFF);
        bus.write32(seg, off + 16, h[6]);
        bus.write32(seg, off + 20, h[7] & 0xFFFF);
        bus.write32(seg, off + 24, s.mxcsr());
        bus.write32(seg, off + 28, Simd.MXCSR_MASK);
        for (int i = 0; i < 8; i++) {
            int a = off + 32 + 16 * i;
            long m = MmxAlias.stSig(f, i);
            bus.write32(seg, a, (int) m);
            bus.write32(seg, a + 4, (int) (m >>> 32));
            bus.write32(seg, a + 8, MmxAlias.stSe(f, i) & 0xFFFF);
            bus.write32(seg, a + 12, 0);
        }
        for (int i = 0; i < 16; i++) {
            long v = s.xmm[i];
            bus.write32(seg, off + 160 + 8 * i, (int) v);
            bus.write32(seg, off + 164 + 8 * i, (int) (v >>> 32));
        }
    }

    static void restore(Simd s, SimdBus bus, int seg, int off) {
        int mxcsr = bus.read32(seg, off + 24);
        if ((mxcsr & ~Simd.MXCSR_MASK) != 0) {
            throw bus.fault(Simd.GP, 0);
        }
        int[] h = {bus.read16(seg, off), bus.read16(seg, off + 2), bus.read8(seg, off + 4),
            bus.read16(seg, off + 6), bus.read32(seg, off + 8), bus.read16(seg, off + 12),
            bus.read32(seg, off + 16), bus.read16(seg, off + 20)};
        int[] se = new int[8];
        long[] sig = new long[8];
        for (int i = 0; i < 8; i++) {
            int a = off + 32 + 16 * i;
            sig[i] = (bus.read32(seg, a) & 0xFFFFFFFFL) | ((long) bus.read32(seg, a + 4) << 32);
            se[i] = bus.read16(seg, a + 8);
        }
        long[] x = new long[16];
        for (int i = 0; i < 16; i++) {
            x[i] = (bus.read32(seg, off + 160 + 8 * i) & 0xFFFFFFFFL)
                    | ((long) bus.read32(seg, off + 164 + 8 * i) << 32);
        }
        MmxAlias.restore(s.fpu(), h, se, sig);
        System.arraycopy(x, 0, s.xmm, 0, 16);
        s.setMxcsr(mxcsr);
    }
}
