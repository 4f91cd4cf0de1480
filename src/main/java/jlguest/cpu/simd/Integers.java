package jlguest.cpu.simd;

/**
 * MMX (0F xx) and SSE2 integer (66 0F xx) instructions: arithmetic, compares, logic, shifts,
 * packs and unpacks, shuffles, word inserts and extracts, MOVD/MOVQ/MOVDQA, byte masks.
 *
 * <p>tour:simd:210 The MMX and the SSE2 form of an integer instruction differ only in width,
 * so each case here loads the destination and the source as one or two 64-bit chunks, computes,
 * and stores back: {@code n} is 1 for MMX and 2 for XMM.
 */
final class Integers {
    private Integers() {
    }

    /** Runs key = prefix index << 8 | opcode, or returns false when it is not ours. */
    static boolean exec(Simd s, int key) {
        int code = key & 0xFF;
        int pidx = key >>> 8;
        if (pidx > 1 || code < 0x60) {
            return false;
        }
        boolean x = pidx == 1;
        switch (code) {
            case 0x64: case 0x65: case 0x66: case 0x74: case 0x75: case 0x76:
            case 0xD4: case 0xD5: case 0xD8: case 0xD9: case 0xDA: case 0xDB: case 0xDC: case 0xDD: case 0xDE:
            case 0xDF: case 0xE0: case 0xE3: case 0xE4: case 0xE5: case 0xE8: case 0xE9: case 0xEA: case 0xEB:
            case 0xEC: case 0xED: case 0xEE: case 0xEF: case 0xF4: case 0xF5: case 0xF6: case 0xF8: case 0xF9:
            case 0xFA: case 0xFB: case 0xFC: case 0xFD: case 0xFE: {
                if (x) {
                    long[] b = s.w128(true);
                    int d = 2 * s.reg();
                    long lo = Ints.lanewise(code, s.xmm[d], b[0]);
                    long hi = Ints.lanewise(code, s.xmm[d + 1], b[1]);
                    s.xmm[d] = lo;
                    s.xmm[d + 1] = hi;
                } else {
                    s.setMm(s.reg(), Ints.lanewise(code, s.mm(s.reg()), s.q()));
                }
                return true;
            }
            case 0xD1: case 0xD2: case 0xD3: case 0xE1: case 0xE2: case 0xF1: case 0xF2: case 0xF3: {
                int kind = code < 0xE0 ? 0 : code < 0xF0 ? 1 : 2;
                long count = x ? s.w128(true)[0] : s.q();
                shiftDest(s, x, Ints.shiftBits(code), kind, count);
                return true;
            }
            case 0x71: case 0x72: case 0x73: {
                int r = s.reg();
                int bits = Ints.shiftBits(code);
                long count = s.imm();
                if (x && code == 0x73 && (r == 3 || r == 7)) {
                    int d = 2 * s.rm();
                    long[] v = byteShift(s.xmm[d], s.xmm[d + 1], (int) Math.min(count, 16), r == 7);
                    s.xmm[d] = v[0];
                    s.xmm[d + 1] = v[1];
                    return true;
                }
                int kind = r == 2 ? 0 : r == 4 ? 1 : 2;
                if (x) {
                    int d = 2 * s.rm();
                    s.xmm[d] = Ints.shift(s.xmm[d], bits, kind, count);
                    s.xmm[d + 1] = Ints.shift(s.xmm[d + 1], bits, kind, count);
                } else {
                    s.setMm(s.rm(), Ints.shift(s.mm(s.rm()), bits, kind, count));
                }
                return true;
            }
            case 0x60: case 0x61: case 0x62: case 0x68: case 0x69: case 0x6A: case 0x6C: case 0x6D: {
                int bits = code == 0x6C || code == 0x6D ? 64 : 8 << (code & 3);
                boolean high = code >= 0x68 && code != 0x6C;
                if (x) {
                    long[] b = s.w128(true);
                    int d = 2 * s.reg();
                    long[] r = unpack128(s.xmm[d], s.xmm[d + 1], b[0], b[1], bits, high);
                    s.xmm[d] = r[0];
                    s.xmm[d + 1] = r[1];
                } else {
                    // MMX: the low forms read only 32 bits of memory, the high forms all 64
                    long a = s.mm(s.reg());
                    long b = s.mem() && !high ? s.bus().read32(s.seg(), s.off()) & 0xFFFFFFFFL : s.q();
                    s.setMm(s.reg(), unpack64(a, b, bits, high));
                }
                return true;
            }
            case 0x63: case 0x67: case 0x6B: {
                int from = code == 0x6B ? 32 : 16;
                boolean unsigned = code == 0x67;
                if (x) {
                    long[] b = s.w128(true);
                    int d = 2 * s.reg();
                    long lo = packPair(s.xmm[d], s.xmm[d + 1], from, unsigned);
                    long hi = packPair(b[0], b[1], from, unsigned);
                    s.xmm[d] = lo;
                    s.xmm[d + 1] = hi;
                } else {
                    long a = s.mm(s.reg());
                    long b = s.q();
                    long lo = packHalf(a, from, unsigned);
                    long hi = packHalf(b, from, unsigned);
                    s.setMm(s.reg(), lo | hi << 32);
                }
                return true;
            }
            case 0x6E: {
                long v = s.mem() ? s.bus().read32(s.seg(), s.off()) & 0xFFFFFFFFL : s.bus().gpr(s.rm()) & 0xFFFFFFFFL;
                if (x) {
                    s.xmm[2 * s.reg()] = v;
                    s.xmm[2 * s.reg() + 1] = 0;
                } else {
                    s.setMm(s.reg(), v);
                }
                return true;
            }
            case 0x7E: {
                int v = (int) (x ? s.xmm[2 * s.reg()] : s.mm(s.reg()));
                if (s.mem()) {
                    s.bus().write32(s.seg(), s.off(), v);
                } else {
                    s.bus().setGpr(s.rm(), v);
                }
                return true;
            }
            case 0x6F: {
                if (x) {
                    long[] b = s.w128(true);
                    s.xmm[2 * s.reg()] = b[0];
                    s.xmm[2 * s.reg() + 1] = b[1];
                } else {
                    s.setMm(s.reg(), s.q());
                }
                return true;
            }
            case 0x7F: case 0xE7: {
                if (x) {
                    int d = 2 * s.reg();
                    s.putW128(s.xmm[d], s.xmm[d + 1], true);
                } else if (s.mem()) {
                    s.write64(s.off(), s.mm(s.reg()));
                } else {
                    s.setMm(s.rm(), s.mm(s.reg()));
                }
                return true;
            }
            case 0x70: {
                int o = s.imm();
                if (x) {
                    long[] b = s.w128(true);
                    long lo = 0, hi = 0;
                    for (int k = 0; k < 4; k++) {
                        int sel = (o >>> (2 * k)) & 3;
                        long v = Ints.lane(sel < 2 ? b[0] : b[1], sel & 1, 32);
                        if (k < 2) {
                            lo |= v << (32 * k);
                        } else {
                            hi |= v << (32 * (k - 2));
                        }
                    }
                    s.xmm[2 * s.reg()] = lo;
                    s.xmm[2 * s.reg() + 1] = hi;
                } else {
                    s.setMm(s.reg(), shuffleWords(s.q(), o));
                }
                return true;
            }
            case 0xC4: {
                int w = s.mem() ? s.bus().read16(s.seg(), s.off()) & 0xFFFF : s.bus().gpr(s.rm()) & 0xFFFF;
                if (x) {
                    int k = s.imm() & 7;
                    int d = 2 * s.reg() + (k >> 2);
                    s.xmm[d] = insertWord(s.xmm[d], k & 3, w);
                } else {
                    s.setMm(s.reg(), insertWord(s.mm(s.reg()), s.imm() & 3, w));
                }
                return true;
            }
            case 0xC5: {
                long v;
                if (x) {
                    int k = s.imm() & 7;
                    v = Ints.lane(s.xmm[2 * s.rm() + (k >> 2)], k & 3, 16);
                } else {
                    v = Ints.lane(s.mm(s.rm()), s.imm() & 3, 16);
                }
                s.bus().setGpr(s.reg(), (int) v);
                return true;
            }
            case 0xD6:
                if (!x) {
                    return false;
                }
                if (s.mem()) {
                    s.write64(s.off(), s.xmm[2 * s.reg()]);
                } else {
                    s.xmm[2 * s.rm()] = s.xmm[2 * s.reg()];
                    s.xmm[2 * s.rm() + 1] = 0;
                }
                return true;
            case 0xD7: {
                int m = x ? byteMask(s.xmm[2 * s.rm()]) | byteMask(s.xmm[2 * s.rm() + 1]) << 8
                        : byteMask(s.mm(s.rm()));
                s.bus().setGpr(s.reg(), m);
                return true;
            }
            case 0xF7: {
                int n = x ? 16 : 8;
                int base = s.bus().gpr(7);
                if (!s.a32()) {
                    base &= 0xFFFF;
                }
                for (int k = 0; k < n; k++) {
                    long mask = x ? s.xmm[2 * s.rm() + (k >> 3)] : s.mm(s.rm());
                    long data = x ? s.xmm[2 * s.reg() + (k >> 3)] : s.mm(s.reg());
                    if ((Ints.lane(mask, k & 7, 8) & 0x80) != 0) {
                        int a = s.a32() ? base + k : (base + k) & 0xFFFF;
                        s.bus().write8(s.seg(), a, (int) Ints.lane(data, k & 7, 8));
                    }
                }
                return true;
            }
            default:
                return false;
        }
    }

    private static void shiftDest(Simd s, boolean x, int bits, int kind, long count) {
        if (x) {
            int d = 2 * s.reg();
            s.xmm[d] = Ints.shift(s.xmm[d], bits, kind, count);
            s.xmm[d + 1] = Ints.shift(s.xmm[d + 1], bits, kind, count);
        } else {
            s.setMm(s.reg(), Ints.shift(s.mm(s.reg()), bits, kind, count));
        }
    }

    /** PSLLDQ (left) or PSRLDQ by n bytes (16 or more empties the register). */
    static long[] byteShift(long lo, long hi, int n, boolean left) {
        byte[] b = new byte[16], r = new byte[16];
        for (int k = 0; k < 8; k++) {
            b[k] = (byte) (lo >>> (8 * k));
            b[k + 8] = (byte) (hi >>> (8 * k));
        }
        for (int k = 0; k < 16; k++) {
            int from = left ? k - n : k + n;
            r[k] = from >= 0 && from < 16 ? b[from] : 0;
        }
        long a = 0, c = 0;
        for (int k = 0; k < 8; k++) {
            a |= (r[k] & 0xFFL) << (8 * k);
            c |= (r[k + 8] & 0xFFL) << (8 * k);
        }
        return new long[] {a, c};
    }

    /** Interleaves the low (or high) halves' lanes of a and b: a0 b0 a1 b1 ... */
    static long unpack64(long a, long b, int bits, boolean high) {
        int n = 32 / bits;
        long r = 0;
        for (int k = 0; k < n; k++) {
            int src = high ? k + n : k;
            r |= Ints.lane(a, src, bits) << (2 * k * bits);
            r |= Ints.lane(b, src, bits) << ((2 * k + 1) * bits);
        }
        return r;
    }

    static long[] unpack128(long alo, long ahi, long blo, long bhi, int bits, boolean high) {
        long a = high ? ahi : alo, b = high ? bhi : blo;
        if (bits == 64) {
            return new long[] {a, b};
        }
        long lo = unpack64(a, b, bits, false);
        long hi = unpack64(a, b, bits, true);
        return new long[] {lo, hi};
    }

    /** Packs the signed lanes of a 64-bit chunk (words or dwords) into 32 bits of saturated halves. */
    static long packHalf(long v, int from, boolean unsigned) {
        int to = from / 2;
        long r = 0;
        for (int k = 0; k < 64 / from; k++) {
            r |= Ints.pack(Ints.signedLane(v, k, from), to, unsigned) << (k * to);
        }
        return r;
    }

    static long packPair(long lo, long hi, int from, boolean unsigned) {
        return packHalf(lo, from, unsigned) | packHalf(hi, from, unsigned) << 32;
    }

    static long shuffleWords(long v, int o) {
        long r = 0;
        for (int k = 0; k < 4; k++) {
            r |= Ints.lane(v, (o >>> (2 * k)) & 3, 16) << (16 * k);
        }
        return r;
    }

    static long insertWord(long v, int k, int w) {
        return v & ~(0xFFFFL << (16 * k)) | ((long) w << (16 * k));
    }

    static int byteMask(long v) {
        int m = 0;
        for (int k = 0; k < 8; k++) {
            if ((v >>> (8 * k + 7) & 1) != 0) {
                m |= 1 << k;
            }
        }
        return m;
    }
}
