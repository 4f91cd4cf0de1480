package jlguest.cpu.simd;

/**
 * Data movement and the rest: MOVUPS/MOVAPS and their kin, MOVSS/MOVSD, the half-register
 * moves, unpacks and shuffles of floats, the bitwise logic, sign masks, MOVQ forms, MOVNT*,
 * prefetch, fences, CLFLUSH, LDMXCSR/STMXCSR and FXSAVE/FXRSTOR.
 */
final class Moves {
    private Moves() {
    }

    static boolean exec(Simd s, int key) {
        int code = key & 0xFF;
        int pidx = key >>> 8;
        int d = 2 * s.reg();
        long[] x = s.xmm;
        switch (key) {
            case 0x010: case 0x110: case 0x028: case 0x128: case 0x26F: {
                long[] w = s.w128(code != 0x10 && code != 0x6F);
                x[d] = w[0];
                x[d + 1] = w[1];
                return true;
            }
            case 0x011: case 0x111: case 0x029: case 0x129: case 0x02B: case 0x12B: case 0x27F:
                if (s.mem() || code != 0x2B) {
                    s.putW128(x[d], x[d + 1], code == 0x29 || code == 0x2B);
                    return true;
                }
                return false;
            case 0x210:
                if (s.mem()) {
                    x[d] = s.w32();
                    x[d + 1] = 0;
                } else {
                    x[d] = x[d] & 0xFFFFFFFF00000000L | x[2 * s.rm()] & 0xFFFFFFFFL;
                }
                return true;
            case 0x310:
                if (s.mem()) {
                    x[d] = s.w64();
                    x[d + 1] = 0;
                } else {
                    x[d] = x[2 * s.rm()];
                }
                return true;
            case 0x211:
                if (s.mem()) {
                    s.bus().write32(s.seg(), s.off(), (int) x[d]);
                } else {
                    int r = 2 * s.rm();
                    x[r] = x[r] & 0xFFFFFFFF00000000L | x[d] & 0xFFFFFFFFL;
                }
                return true;
            case 0x311:
                if (s.mem()) {
                    s.write64(s.off(), x[d]);
                } else {
                    x[2 * s.rm()] = x[d];
                }
                return true;
            case 0x012: case 0x112:
                x[d] = s.mem() ? s.read64(s.off()) : x[2 * s.rm() + 1];
                return true;
            case 0x016: case 0x116:
                x[d + 1] = s.mem() ? s.read64(s.off()) : x[2 * s.rm()];
                return true;
            case 0x013: case 0x113:
                s.write64(s.off(), x[d]);
                return true;
            case 0x017: case 0x117:
                s.write64(s.off(), x[d + 1]);
                return true;
            case 0x014: case 0x015: {
                long[] w = s.w128(true);
                long a = code == 0x14 ? x[d] : x[d + 1], b = code == 0x14 ? w[0] : w[1];
                x[d] = a & 0xFFFFFFFFL | b << 32;
                x[d + 1] = a >>> 32 | b & 0xFFFFFFFF00000000L;
                return true;
            }
            case 0x114: case 0x115: {
                long[] w = s.w128(true);
                if (code == 0x14) {
                    x[d + 1] = w[0];
                } else {
                    x[d] = x[d + 1];
                    x[d + 1] = w[1];
                }
                return true;
            }
            case 0x018:
                return true;   // PREFETCHh: a hint; never faults
            case 0x050: case 0x150: {
                int r = 2 * s.rm();
                int m = pidx == 0
                        ? (int) (x[r] >>> 31 & 1 | x[r] >>> 62 & 2 | (x[r + 1] >>> 29) & 4 | (x[r + 1] >>> 60) & 8)
                        : (int) (x[r] >>> 63 | (x[r + 1] >>> 63) << 1);
                s.bus().setGpr(s.reg(), m);
                return true;
            }
            case 0x054: case 0x154: case 0x055: case 0x155: case 0x056: case 0x156: case 0x057: case 0x157: {
                long[] w = s.w128(true);
                for (int k = 0; k < 2; k++) {
                    long a = x[d + k], b = w[k];
                    x[d + k] = code == 0x54 ? a & b : code == 0x55 ? ~a & b : code == 0x56 ? a | b : a ^ b;
                }
                return true;
            }
            case 0x0C6: case 0x1C6: {
                long[] w = s.w128(true);
                int o = s.imm();
                if (pidx == 0) {
                    long a0 = Floats.single(x[d], x[d + 1], o & 3), a1 = Floats.single(x[d], x[d + 1], o >> 2 & 3);
                    long b0 = Floats.single(w[0], w[1], o >> 4 & 3), b1 = Floats.single(w[0], w[1], o >> 6 & 3);
                    x[d] = a0 | a1 << 32;
                    x[d + 1] = b0 | b1 << 32;
                } else {
                    long a = x[d + (o & 1)], b = w[o >> 1 & 1];
                    x[d] = a;
                    x[d + 1] = b;
                }
                return true;
            }
            case 0x270: case 0x370: {
                long[] w = s.w128(true);
                boolean high = pidx == 2;
                x[d] = high ? w[0] : Integers.shuffleWords(w[0], s.imm());
                x[d + 1] = high ? Integers.shuffleWords(w[1], s.imm()) : w[1];
                return true;
            }
            case 0x27E:
                x[d] = s.w64();
                x[d + 1] = 0;
                return true;
            case 0x2D6:
                x[d] = s.mm(s.rm());
                x[d + 1] = 0;
                return true;
            case 0x3D6:
                s.setMm(s.reg(), x[2 * s.rm()]);
                return true;
            case 0x0C3:
                s.bus().write32(s.seg(), s.off(), s.bus().gpr(s.reg()));
                return true;
            case 0x0AE:
                return group15(s);
            default:
                return false;
        }
    }

    /** 0F AE: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, the fences and CLFLUSH. */
    private static boolean group15(Simd s) {
        SimdBus bus = s.bus();
        switch (s.reg()) {
            case 0, 1 -> {
                if ((bus.cr0() & (Simd.CR0_EM | Simd.CR0_TS)) != 0) {
                    throw bus.fault(Simd.NM, -1);
                }
                s.checkAligned();
                if (s.reg() == 0) {
                    FxImage.save(s, bus, s.seg(), s.off());
                } else {
                    FxImage.restore(s, bus, s.seg(), s.off());
                }
            }
            case 2 -> {
                int v = bus.read32(s.seg(), s.off());
                if ((v & ~Simd.MXCSR_MASK) != 0) {
                    throw bus.fault(Simd.GP, 0);
                }
                s.setMxcsr(v);
            }
            case 3 -> bus.write32(s.seg(), s.off(), s.mxcsr());
            case 7 -> {
                if (s.mem()) {
                    bus.read8(s.seg(), s.off());   // CLFLUSH: faults as a read would; no caches to flush
                }
            }
            default -> { }   // LFENCE, MFENCE, SFENCE: one CPU, in order, nothing to wait for
        }
        return true;
    }
}
