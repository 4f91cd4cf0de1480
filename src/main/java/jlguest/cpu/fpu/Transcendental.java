package jlguest.cpu.fpu;

import java.math.BigInteger;

/**
 * FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X and FYL2XP1.
 *
 * <p>tour:fpu:600 The transcendentals are computed in {@link Wide} arithmetic (224-bit
 * significands, series after argument reduction) and rounded once to 64 bits in the current
 * rounding mode, so they come out correctly rounded, which is at least as good as the silicon
 * (the x87 promises one ulp). Trigonometric arguments are reduced modulo pi/2 with a pi good to
 * 224 bits, exactly enough for any argument below 2^63; at 2^63 and beyond the x87 gives up,
 * sets C2 and leaves ST(0) alone, and so do we. These are slow (tens of microseconds), which is
 * fine for instructions that real programs use sparingly.
 */
abstract class Transcendental extends Formats {
    /** D9 row entries handled here; false if the encoding is not a transcendental. */
    final boolean transcendental(int modrm) {
        switch (modrm) {
            case 0xF0 -> f2xm1();
            case 0xF1 -> fyl2x(false);
            case 0xF9 -> fyl2x(true);
            case 0xF2 -> trig(2);
            case 0xF3 -> fpatan();
            case 0xFB -> trig(3);
            case 0xFE -> trig(0);
            case 0xFF -> trig(1);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Rounds a wide value to the register format (64 bits, precision control ignored). */
    final void roundWide(Wide w, boolean exact) {
        if (w.signum() == 0) {
            out(0, 0);
            return;
        }
        int sign = w.signum() < 0 ? 1 : 0;
        BigInteger mag = w.man.abs();
        int len = mag.bitLength();
        BigInteger top;
        boolean sticky = !exact;
        if (len >= 128) {
            top = mag.shiftRight(len - 128);
            sticky |= mag.getLowestSetBit() < len - 128;
        } else {
            top = mag.shiftLeft(128 - len);
        }
        long hi = top.shiftRight(64).longValue(), lo = top.longValue() | (sticky ? 1 : 0);
        round(sign, w.exp + len - 1, hi, lo, 64, EXT_MIN, EXT_MAX, true);
        out(extSe(sign, rE, rM), rM);
    }

    static Wide wide(int se, long m) {
        return Wide.of(se >>> 15, unbiased(se), m);
    }

    // ---- sine, cosine, tangent -------------------------------------------------------------

    /** kind 0 FSIN, 1 FCOS, 2 FPTAN, 3 FSINCOS. */
    private void trig(int kind) {
        begin();
        boolean pushes = kind >= 2;
        if (isEmpty(0)) {
            if (underflow()) {
                setSt(0, INDEF_SE, INDEF_M);
                if (pushes) {
                    push(INDEF_SE, INDEF_M);
                }
            }
            sw &= ~C2;
            finish();
            return;
        }
        if (pushes && !isEmpty(7)) {
            if (overflow()) {
                setSt(0, INDEF_SE, INDEF_M);
                push(INDEF_SE, INDEF_M);
            }
            sw &= ~C2;
            finish();
            return;
        }
        int s = stSe(0);
        long m = stSig(0);
        int k = cls(s, m);
        int s2 = 0;
        long m2 = 0;
        if ((k & (QNAN | SNAN | BAD)) != 0) {
            nanResult(k, s, m, s, m);
            s2 = outSe;
            m2 = outM;
        } else if (k == INF) {
            indefinite();
            s2 = outSe;
            m2 = outM;
        } else if (unbiased(s) >= 63 && k != DENORMAL) {
            sw |= C2;          // out of range: leave ST(0) alone
            finish();
            return;
        } else if (denormal(k)) {
            sw &= ~C2;
            finish();
            return;
        } else if (k == ZERO) {
            out(s, 0);                                  // sin, tan
            s2 = EXT_BIAS;                              // cos 0 = 1
            m2 = Long.MIN_VALUE;
            if (kind == 1) {
                out(s2, m2);
            } else if (kind == 2) {
                s2 = EXT_BIAS;
            }
        } else {
            Wide x = wide(s, m);
            Wide halfPi = Wide.PI66.shift(-1);
            BigInteger q = nearest(x.div(halfPi));
            Wide r = x.sub(halfPi.mul(new Wide(q, 0)));     // exact: q * PI66 has < 140 bits
            int oct = q.intValue() & 3;
            Wide sin = Wide.sinCos(r, false), cos = Wide.sinCos(r, true);
            Wide vs = switch (oct) {
                case 0 -> sin;
                case 1 -> cos;
                case 2 -> sin.neg();
                default -> cos.neg();
            };
            Wide vc = switch (oct) {
                case 0 -> cos;
                case 1 -> sin.neg();
                case 2 -> cos.neg();
                default -> sin;
            };
            Wide v = switch (kind) {
                case 0, 3 -> vs;
                case 1 -> vc;
                default -> vs.div(vc);
            };
            if (kind == 3) {
                roundWide(vc, false);
                s2 = outSe;
                m2 = outM;
                int saveC1 = c1 ? 1 : 0;
                roundWide(vs, false);
                c1 = c1 || saveC1 != 0;
            } else {
                roundWide(v, false);
            }
        }
        if (!blocked()) {
            boolean nan = (outSe & 0x7FFF) == 0x7FFF && (outM << 1) != 0;
            setSt(0, outSe, outM);
            if (kind == 2) {         // FPTAN pushes 1.0, or the NaN again
                push(nan ? outSe : EXT_BIAS, nan ? outM : Long.MIN_VALUE);
            } else if (kind == 3) {
                push(s2, m2);
            }
        }
        sw &= ~C2;
        finish();
    }

    /** The integer nearest to w (ties away from zero; they do not happen here). */
    static BigInteger nearest(Wide w) {
        if (w.exp >= 0) {
            return w.man.shiftLeft(w.exp);
        }
        return w.man.shiftRight(-w.exp - 1).add(BigInteger.ONE).shiftRight(1);
    }

    // ---- FPATAN ----------------------------------------------------------------------------

    private void fpatan() {
        begin();
        if (isEmpty(0) || isEmpty(1)) {
            if (underflow()) {
                setSt(1, INDEF_SE, INDEF_M);
                pop();
            }
            finish();
            return;
        }
        int xs = stSe(0), ys = stSe(1);
        long xm = stSig(0), ym = stSig(1);
        int kx = cls(xs, xm), ky = cls(ys, ym), k = kx | ky;
        if ((k & (QNAN | SNAN | BAD)) != 0) {
            nanResult(k, xs, xm, ys, ym);
        } else if (!denormal(k)) {
            int ysign = ys >>> 15;
            boolean xneg = xs >= 0x8000;
            Wide pi = Wide.PI;
            Wide a;
            boolean exact = false;
            if (ky == ZERO) {
                a = xneg ? pi : Wide.ZERO;
                exact = !xneg;
            } else if (kx == ZERO) {
                a = pi.shift(-1);
            } else if (ky == INF) {
                a = kx == INF ? (xneg ? pi.mul(Wide.of(3)).shift(-2) : pi.shift(-2)) : pi.shift(-1);
            } else if (kx == INF) {
                a = xneg ? pi : Wide.ZERO;
                exact = !xneg;
            } else {
                Wide x = wide(xs & 0x7FFF, xm), y = wide(ys & 0x7FFF, ym);
                a = Wide.atan(y.div(x));
                if (xneg) {
                    a = pi.sub(a);
                }
            }
            if (a.signum() == 0) {
                out(ysign << 15, 0);
            } else {
                roundWide(ysign != 0 ? a.neg() : a, exact);
            }
        }
        if (!blocked()) {
            setSt(1, outSe, outM);
            pop();
        }
        finish();
    }

    // ---- F2XM1 -----------------------------------------------------------------------------

    private void f2xm1() {
        begin();
        if (isEmpty(0)) {
            underflowInto(0);
            finish();
            return;
        }
        int s = stSe(0);
        long m = stSig(0);
        int k = cls(s, m);
        if ((k & (QNAN | SNAN | BAD)) != 0) {
            nanResult(k, s, m, s, m);
        } else if (k == INF) {
            out(s >= 0x8000 ? 0xBFFF : s, Long.MIN_VALUE);     // -inf gives -1
        } else if (k == ZERO) {
            out(s, 0);
        } else if (!denormal(k)) {
            Wide x = wide(s, m);
            int e = unbiased(s);
            if (e >= 0 && compareMagnitude(s, m, EXT_BIAS, Long.MIN_VALUE) > 0) {
                // outside -1..+1 the result is undefined; the host leaves ST(0) and flags PE
                exc |= PE;
                out(s, m);
                setSt(0, outSe, outM);
                finish();
                return;
            }
            boolean integer = e >= 0 && (e >= 63 || (m << (e + 1)) == 0);
            if (integer && e < 16) {
                // only +-1 get here; the host computes 2^1 - 1 = 1 "inexactly" (PE, rounded up)
                roundWide(Wide.ONE.shift((int) (m >>> (63 - e)) * (s >= 0x8000 ? -1 : 1)).sub(Wide.ONE), true);
                exc |= PE;
                c1 = s < 0x8000;
            } else {
                roundWide(Wide.exp2m1(x), false);
            }
        }
        if (!blocked()) {
            setSt(0, outSe, outM);
        }
        finish();
    }

    // ---- FYL2X, FYL2XP1 --------------------------------------------------------------------

    private void fyl2x(boolean plus1) {
        begin();
        if (isEmpty(0) || isEmpty(1)) {
            if (underflow()) {
                setSt(1, INDEF_SE, INDEF_M);
                pop();
            }
            finish();
            return;
        }
        int xs = stSe(0), ys = stSe(1);
        long xm = stSig(0), ym = stSig(1);
        int kx = cls(xs, xm), ky = cls(ys, ym), k = kx | ky;
        int ysign = ys >>> 15;
        if ((k & (QNAN | SNAN | BAD)) != 0) {
            nanResult(k, xs, xm, ys, ym);
        } else if (plus1) {
            yl2xp1(xs, xm, kx, ky, ysign, k);
        } else if (xs >= 0x8000 && kx != ZERO) {
            indefinite();                                   // log of a negative number
        } else if (kx == ZERO) {
            if (ky == ZERO) {
                indefinite();
            } else {
                if (ky != INF) {
                    exc |= ZE;
                }
                if (ky == INF || masked(ZE)) {
                    out(((ysign ^ 1) << 15) | 0x7FFF, Long.MIN_VALUE);
                }
            }
        } else if (kx == INF) {
            if (ky == ZERO) {
                indefinite();
            } else if (!denormal(k)) {
                out((ysign << 15) | 0x7FFF, Long.MIN_VALUE);
            }
        } else if (!denormal(k)) {
            int cmp1 = compareMagnitude(xs, xm, EXT_BIAS, Long.MIN_VALUE);    // x vs 1
            if (ky == INF) {
                if (cmp1 == 0) {
                    indefinite();
                } else {
                    out(((ysign ^ (cmp1 < 0 ? 1 : 0)) << 15) | 0x7FFF, Long.MIN_VALUE);
                }
            } else if (ky == ZERO) {
                out((ysign ^ (cmp1 < 0 ? 1 : 0)) << 15, 0);
            } else {
                Wide x = wide(xs, xm);
                int e = x.top();
                Wide xm1 = x.shift(-e);
                boolean pow2 = xm1.compareTo(Wide.ONE) == 0;
                Wide log2 = pow2 ? Wide.of(e) : Wide.ln(x).div(Wide.LN2);
                if (log2.signum() == 0) {
                    out(cmp1 < 0 ? (ysign ^ 1) << 15 : ysign << 15, 0);
                } else {
                    roundWide(log2.mul(wide(ys, ym)), false);   // the host flags PE even for 2^k
                }
            }
        }
        if (!blocked()) {
            setSt(1, outSe, outM);
            pop();
        }
        finish();
    }

    private void yl2xp1(int xs, long xm, int kx, int ky, int ysign, int k) {
        int xsign = xs >>> 15;
        if (kx == ZERO) {
            if (ky == INF) {
                indefinite();
            } else if (!denormal(k)) {
                out((xsign ^ ysign) << 15, 0);
            }
        } else if (ky == ZERO) {
            if (kx == INF) {
                indefinite();
            } else if (!denormal(k)) {
                out((xsign ^ ysign) << 15, 0);
            }
        } else if (kx == INF || ky == INF) {
            if (xsign != 0 && kx == INF) {
                indefinite();
            } else if (!denormal(k)) {
                out(((xsign ^ ysign) << 15) | 0x7FFF, Long.MIN_VALUE);
            }
        } else if (!denormal(k)) {
            Wide x = wide(xs, xm);
            if (x.compareTo(Wide.ONE.neg()) <= 0) {
                // undefined there; the host returns x and flags PE
                exc |= PE;
                out(xs, xm);
                return;
            }
            roundWide(Wide.ln1p(x).div(Wide.LN2).mul(wide(stSe(1), stSig(1))), false);
        }
    }
}
