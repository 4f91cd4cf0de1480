package jlguest.cpu.simd;

/**
 * SSE and SSE2 floating point: arithmetic, square root, min/max, compares, COMIS/UCOMIS, the
 * reciprocal estimates and every conversion. Each packed instruction computes all its elements
 * first and writes them only after {@link Simd#commit} (which may raise #XM instead).
 */
final class Floats {
    private Floats() {
    }

    static long single(long lo, long hi, int k) {
        return ((k < 2 ? lo : hi) >>> (32 * (k & 1))) & 0xFFFFFFFFL;
    }

    static boolean exec(Simd s, int key) {
        int code = key & 0xFF;
        int pidx = key >>> 8;   // 0 ps, 1 pd, 2 ss, 3 sd
        Fp fp = s.fp();
        int d = 2 * s.reg();
        switch (code) {
            case 0x51: case 0x52: case 0x53: case 0x58: case 0x59: case 0x5C: case 0x5D: case 0x5E:
            case 0x5F: case 0xC2: {
                if ((code == 0x52 || code == 0x53) && (pidx & 1) != 0) {
                    return false;
                }
                boolean dbl = (pidx & 1) != 0;
                int n = pidx >= 2 ? 1 : dbl ? 2 : 4;
                long[] b = n == 1 ? null : s.w128(true);
                long bs = n == 1 ? (dbl ? s.w64() : s.w32()) : 0;
                long lo = s.xmm[d], hi = s.xmm[d + 1];
                long[] r = new long[4];
                for (int k = 0; k < n; k++) {
                    long x = dbl ? (k == 0 ? lo : hi) : single(lo, hi, k);
                    long y = n == 1 ? bs : dbl ? b[k] : single(b[0], b[1], k);
                    r[k] = op(fp, code, x, y, dbl, s.imm());
                }
                s.commit();
                if (dbl) {
                    s.xmm[d] = r[0];
                    if (n == 2) {
                        s.xmm[d + 1] = r[1];
                    }
                } else if (n == 1) {
                    s.xmm[d] = lo & 0xFFFFFFFF00000000L | r[0];
                } else {
                    s.xmm[d] = r[0] | r[1] << 32;
                    s.xmm[d + 1] = r[2] | r[3] << 32;
                }
                return true;
            }
            case 0x2E: case 0x2F: {
                if (pidx > 1) {
                    return false;
                }
                boolean dbl = pidx == 1;
                long a = dbl ? s.xmm[d] : s.xmm[d] & 0xFFFFFFFFL;
                long b = dbl ? s.w64() : s.w32();
                int f = fp.comi(a, b, code == 0x2E, dbl);
                s.commit();
                s.bus().setArithFlags(f);
                return true;
            }
            case 0x2A: {
                switch (pidx) {
                    case 0, 1 -> {
                        long v = s.mem() ? s.read64(s.off()) : s.mm(s.rm());
                        if (pidx == 0) {
                            long a = fp.fromInt((int) v, false), b = fp.fromInt((int) (v >>> 32), false);
                            s.commit();
                            s.xmm[d] = a | b << 32;
                        } else {
                            s.xmm[d] = fp.fromInt((int) v, true);
                            s.xmm[d + 1] = fp.fromInt((int) (v >>> 32), true);
                        }
                    }
                    default -> {
                        int v = s.mem() ? s.bus().read32(s.seg(), s.off()) : s.bus().gpr(s.rm());
                        long r = fp.fromInt(v, pidx == 3);
                        s.commit();
                        s.xmm[d] = pidx == 3 ? r : s.xmm[d] & 0xFFFFFFFF00000000L | r;
                    }
                }
                return true;
            }
            case 0x2C: case 0x2D: {
                boolean trunc = code == 0x2C;
                switch (pidx) {
                    case 0, 1 -> {
                        long a, b;
                        if (pidx == 0) {
                            long v = s.w64();
                            a = fp.toInt(v & 0xFFFFFFFFL, false, trunc);
                            b = fp.toInt(v >>> 32, false, trunc);
                        } else {
                            long[] w = s.w128(true);
                            a = fp.toInt(w[0], true, trunc);
                            b = fp.toInt(w[1], true, trunc);
                        }
                        s.commit();
                        s.setMm(s.reg(), a & 0xFFFFFFFFL | b << 32);
                    }
                    default -> {
                        boolean dbl = pidx == 3;
                        int r = fp.toInt(dbl ? s.w64() : s.w32(), dbl, trunc);
                        s.commit();
                        s.bus().setGpr(s.reg(), r);
                    }
                }
                return true;
            }
            case 0x5A: {
                switch (pidx) {
                    case 0 -> {
                        long v = s.w64();
                        long a = fp.convert(v & 0xFFFFFFFFL, true), b = fp.convert(v >>> 32, true);
                        s.commit();
                        s.xmm[d] = a;
                        s.xmm[d + 1] = b;
                    }
                    case 1 -> {
                        long[] w = s.w128(true);
                        long a = fp.convert(w[0], false), b = fp.convert(w[1], false);
                        s.commit();
                        s.xmm[d] = a | b << 32;
                        s.xmm[d + 1] = 0;
                    }
                    case 2 -> {
                        long r = fp.convert(s.w32(), true);
                        s.commit();
                        s.xmm[d] = r;
                    }
                    default -> {
                        long r = fp.convert(s.w64(), false);
                        s.commit();
                        s.xmm[d] = s.xmm[d] & 0xFFFFFFFF00000000L | r;
                    }
                }
                return true;
            }
            case 0x5B: {
                if (pidx == 3) {
                    return false;
                }
                long[] w = s.w128(true);
                long[] r = new long[4];
                for (int k = 0; k < 4; k++) {
                    long v = single(w[0], w[1], k);
                    r[k] = pidx == 0 ? fp.fromInt((int) v, false) : fp.toInt(v, false, pidx == 2) & 0xFFFFFFFFL;
                }
                s.commit();
                s.xmm[d] = r[0] | r[1] << 32;
                s.xmm[d + 1] = r[2] | r[3] << 32;
                return true;
            }
            case 0xE6: {
                if (pidx == 0) {
                    return false;
                }
                if (pidx == 2) {
                    long v = s.w64();
                    s.xmm[d] = fp.fromInt((int) v, true);
                    s.xmm[d + 1] = fp.fromInt((int) (v >>> 32), true);
                    return true;
                }
                long[] w = s.w128(true);
                long a = fp.toInt(w[0], true, pidx == 1) & 0xFFFFFFFFL;
                long b = fp.toInt(w[1], true, pidx == 1) & 0xFFFFFFFFL;
                s.commit();
                s.xmm[d] = a | b << 32;
                s.xmm[d + 1] = 0;
                return true;
            }
            default:
                return false;
        }
    }

    private static long op(Fp fp, int code, long x, long y, boolean dbl, int imm) {
        switch (code) {
            case 0x51: return fp.sqrt(y, dbl);
            case 0x52: return estimate(y, true);
            case 0x53: return estimate(y, false);
            case 0x58: return fp.arith(Fp.ADD, x, y, dbl);
            case 0x59: return fp.arith(Fp.MUL, x, y, dbl);
            case 0x5C: return fp.arith(Fp.SUB, x, y, dbl);
            case 0x5E: return fp.arith(Fp.DIV, x, y, dbl);
            case 0x5D: return fp.minMax(x, y, false, dbl);
            case 0x5F: return fp.minMax(x, y, true, dbl);
            default: return fp.compare(x, y, imm, dbl) ? (dbl ? -1L : 0xFFFFFFFFL) : 0;
        }
    }

    /**
     * RCPPS/RSQRTPS: the architecture promises only a relative error of at most 1.5 * 2^-12, and
     * each CPU generation answers from its own tables, so no two families agree bit for bit. We
     * give the correctly rounded value (well within the promise); denormal inputs count as zero,
     * tiny results flush to zero, and no flag is raised, as on the hardware.
     */
    static long estimate(long v, boolean rsqrt) {
        if (Fp.isNaN(v, false)) {
            return v | Fp.quietBit(false);
        }
        float x = Float.intBitsToFloat((int) v);
        if (Fp.isDenormal(v, false)) {
            x = Math.copySign(0f, x);
        }
        float r;
        if (rsqrt) {
            r = x == 0 ? Math.copySign(Float.POSITIVE_INFINITY, x) : x < 0 ? Float.NaN : (float) (1 / Math.sqrt(x));
            if (Float.isNaN(r)) {
                return Fp.defaultNaN(false);
            }
        } else {
            r = (float) (1.0 / x);
        }
        if (Math.abs(r) < Float.MIN_NORMAL) {
            r = Math.copySign(0f, r);
        }
        return Float.floatToRawIntBits(r) & 0xFFFFFFFFL;
    }
}
