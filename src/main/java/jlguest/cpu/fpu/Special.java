package jlguest.cpu.fpu;

import java.math.BigInteger;

/**
 * FPREM and FPREM1 (partial remainders), FSCALE and FXTRACT, and the dispatch of the D9 F0..FF
 * row to them and to the transcendentals ({@link Transcendental}).
 *
 * <p>tour:fpu:500 FPREM is how the x87 reduces an argument: ST(0) minus an integer multiple q of
 * ST(1), exactly. When the exponents are far apart (64 or more) one instruction only goes part
 * of the way (C2 = 1, "run me again"), reducing the exponent difference by 32 to 63 bits, so an
 * interrupt never waits for a 16,000-bit division. The low three bits of q land in C0, C3, C1,
 * which is what a sine routine needs to pick its octant. We compute with BigInteger: this is
 * the slow path.
 */
abstract class Special extends Transcendental {
    /** D9 F0..FF except FDECSTP/FINCSTP: returns false for an encoding we lack. */
    final boolean special(int modrm) {
        switch (modrm) {
            case 0xF4 -> fxtract();
            case 0xF5 -> fprem(true);
            case 0xF8 -> fprem(false);
            case 0xFD -> fscale();
            default -> {
                return transcendental(modrm);
            }
        }
        return true;
    }

    // ---- FXTRACT ---------------------------------------------------------------------------

    private void fxtract() {
        begin();
        if (isEmpty(0)) {
            if (underflowInto(0)) {
                push(INDEF_SE, INDEF_M);
            }
            finish();
            return;
        }
        if (!isEmpty(7)) {
            if (overflow()) {
                setSt(0, INDEF_SE, INDEF_M);
                push(INDEF_SE, INDEF_M);
            }
            finish();
            return;
        }
        int s = stSe(0);
        long m = stSig(0);
        int k = cls(s, m);
        if ((k & (QNAN | SNAN | BAD)) != 0) {
            nanResult(k, s, m, s, m);
            if (!blocked()) {
                setSt(0, outSe, outM);
                push(outSe, outM);
            }
        } else if (k == ZERO) {
            exc |= ZE;
            if (masked(ZE)) {
                setSt(0, 0xFFFF, Long.MIN_VALUE);
                push(s, 0);
            }
        } else if (k == INF) {
            setSt(0, 0x7FFF, Long.MIN_VALUE);
            push(s, m);
        } else if (!denormal(k)) {
            int e = unbiased(s);
            int n = Long.numberOfLeadingZeros(m);
            loadInt(e - n);
            setSt(0, outSe, outM);
            push((s & 0x8000) | EXT_BIAS, m << n);
        }
        c1 = false;
        finish();
    }

    // ---- FSCALE ----------------------------------------------------------------------------

    private void fscale() {
        begin();
        if (isEmpty(0) || isEmpty(1)) {
            underflowInto(0);
            finish();
            return;
        }
        int aSe = stSe(0), bSe = stSe(1);
        long aM = stSig(0), bM = stSig(1);
        int ka = cls(aSe, aM), kb = cls(bSe, bM), k = ka | kb;
        if ((k & (QNAN | SNAN | BAD)) != 0) {
            nanResult(k, aSe, aM, bSe, bM);
        } else if (kb == INF) {
            boolean up = bSe < 0x8000;
            if (up ? ka == ZERO : ka == INF) {
                indefinite();
            } else if (!denormal(k)) {
                if (ka == ZERO || ka == INF) {
                    out(aSe, aM);
                } else {
                    out(up ? (aSe & 0x8000) | 0x7FFF : aSe & 0x8000, up ? Long.MIN_VALUE : 0);
                }
            }
        } else if (denormal(k)) {
            // stop
        } else if (ka == ZERO || ka == INF) {
            out(aSe, aM);
        } else {
            int n;
            int eb = unbiased(bSe);
            if (kb == ZERO || eb < 0) {
                n = 0;
            } else if (eb > 20) {
                n = 1 << 21;
            } else {
                n = (int) (bM >>> (63 - eb));
            }
            if (bSe >= 0x8000) {
                n = -n;
            }
            round(aSe >>> 15, unbiased(aSe) + n, aM, 0, 64, EXT_MIN, EXT_MAX, true);
            out(extSe(aSe >>> 15, rE, rM), rM);
        }
        if (!blocked()) {
            setSt(0, outSe, outM);
        }
        finish();
    }

    // ---- FPREM / FPREM1 --------------------------------------------------------------------

    private void fprem(boolean ieee) {
        begin();
        if (isEmpty(0) || isEmpty(1)) {
            underflowInto(0);
            sw &= ~C2;
            finish();
            return;
        }
        int aSe = stSe(0), bSe = stSe(1);
        long aM = stSig(0), bM = stSig(1);
        int ka = cls(aSe, aM), kb = cls(bSe, bM), k = ka | kb;
        int cc = sw & (C0 | C3);     // NaN and invalid results leave C0 and C3 alone
        if ((k & (QNAN | SNAN | BAD)) != 0) {
            nanResult(k, aSe, aM, bSe, bM);
        } else if (ka == INF || kb == ZERO) {
            indefinite();
        } else if (denormal(k)) {
            // stop
        } else if (ka == ZERO || kb == INF) {
            out(aSe | ((aSe & 0x7FFF) == 0 && aM < 0 ? 1 : 0), aM);     // a pseudo-denormal comes out normal
            cc = 0;
        } else {
            int ea = unbiased(aSe), eb = unbiased(bSe);
            int n = Long.numberOfLeadingZeros(aM);
            aM <<= n;
            ea -= n;
            n = Long.numberOfLeadingZeros(bM);
            bM <<= n;
            eb -= n;
            int d = ea - eb;
            BigInteger a = unsigned(aM), b = unsigned(bM);
            int unitExp;         // exponent of the unit in which a and b are integers, minus 63
            boolean partial = d >= 64;
            if (partial) {
                int shift = (d & 31) | 32;
                a = a.shiftLeft(shift);
                unitExp = eb + d - shift;
            } else if (d >= 0) {
                a = a.shiftLeft(d);
                unitExp = eb;
            } else {
                b = b.shiftLeft(-d);
                unitExp = ea;
            }
            BigInteger[] qr = a.divideAndRemainder(b);
            BigInteger q = qr[0], r = qr[1];
            int sign = aSe >>> 15;
            if (ieee && !partial) {
                int c = r.shiftLeft(1).compareTo(b);
                if (c > 0 || (c == 0 && q.testBit(0))) {
                    q = q.add(BigInteger.ONE);
                    r = b.subtract(r);
                    sign ^= 1;
                }
            }
            if (partial) {
                cc = C2;
            } else {
                long ql = q.longValue();
                cc = ((ql & 4) != 0 ? C0 : 0) | ((ql & 2) != 0 ? C3 : 0) | ((ql & 1) != 0 ? C1 : 0);
            }
            if (r.signum() == 0) {
                out(aSe & 0x8000, 0);
            } else {
                long rm = r.longValue();     // r < b < 2^64: fits
                round(sign, unitExp, rm, 0, 64, EXT_MIN, EXT_MAX, true);
                out(extSe(sign, rE, rM), rM);
            }
        }
        if (!blocked()) {
            setSt(0, outSe, outM);
            sw = (sw & ~(C0 | C2 | C3)) | (cc & (C0 | C2 | C3));
            c1 = (cc & C1) != 0;
        } else {
            sw &= ~C2;
        }
        finish();
    }

    static BigInteger unsigned(long v) {
        BigInteger b = BigInteger.valueOf(v & Long.MAX_VALUE);
        return v < 0 ? b.setBit(63) : b;
    }
}
