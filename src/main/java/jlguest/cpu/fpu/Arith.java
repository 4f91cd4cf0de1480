package jlguest.cpu.fpu;

/**
 * The four basic operations, square root, comparison and rounding to an integer, on register
 * values, all in long arithmetic.
 *
 * <p>tour:fpu:200 Each operation has the same shape: classify both operands; NaNs and invalid
 * encodings first (an SNaN or an unsupported encoding raises IE; NaNs propagate, quieted); then
 * the invalid operations (inf-inf, 0*inf, 0/0, inf/inf, sqrt of a negative); then the denormal
 * operand flag DE (an unmasked DE stops the instruction before it computes anything); then
 * zero-divide; then the exact computation handed to {@link #round}. The result lands in
 * outSe/outM; the caller writes it only when {@link #blocked()} says no unmasked exception
 * forbids it.
 */
abstract class Arith extends Rounding {
    int outSe;
    long outM;

    final void out(int s, long m) {
        outSe = s;
        outM = m;
    }

    final void indefinite() {
        exc |= IE;
        out(INDEF_SE, INDEF_M);
    }

    /** Rounds to the precision control into outSe/outM. */
    final void roundOut(int sign, int e, long hi, long lo) {
        round(sign, e, hi, lo, precision(), EXT_MIN, EXT_MAX, true);
        out(extSe(sign, rE, rM), rM);
    }

    /**
     * NaN operands and invalid encodings of a two-operand operation (k = cls(a) | cls(b)).
     * SNaN + QNaN gives the QNaN; two of a kind give the one with the larger significand.
     */
    final void nanResult(int k, int aSe, long aM, int bSe, long bM) {
        if ((k & BAD) != 0) {
            indefinite();
            return;
        }
        if ((k & SNAN) != 0) {
            exc |= IE;
        }
        int ca = cls(aSe, aM), cb = cls(bSe, bM);
        boolean aNan = (ca & (QNAN | SNAN)) != 0, bNan = (cb & (QNAN | SNAN)) != 0;
        boolean pickA;
        if (aNan && bNan) {
            if (ca != cb) {
                pickA = ca == QNAN;
            } else {
                int c = Long.compareUnsigned(aM << 1, bM << 1);
                pickA = c > 0 || (c == 0 && aSe < bSe);
            }
        } else {
            pickA = aNan;
        }
        out(pickA ? aSe : bSe, (pickA ? aM : bM) | 0x4000000000000000L);
    }

    /**
     * A memory operand was a denormal single or double: it is normal once loaded, so the
     * arithmetic is told separately. Its DE counts only after NaN and invalid-operand checks.
     */
    boolean memDenormal;

    /** Sets DE for denormal operands; true when the instruction must stop (DE unmasked). */
    final boolean denormal(int k) {
        if ((k & DENORMAL) != 0 || memDenormal) {
            exc |= DE;
            return !masked(DE);
        }
        return false;
    }

    // ---- FADD / FSUB ---------------------------------------------------------------------------

    /** a + b, or a - b when neg; a and b are register images. */
    final void add(int aSe, long aM, int bSe, long bM, boolean neg) {
        int k = cls(aSe, aM) | cls(bSe, bM);
        if ((k & (QNAN | SNAN | BAD)) != 0) {
            nanResult(k, aSe, aM, bSe, bM);
            return;
        }
        if (neg) {
            bSe ^= 0x8000;
        }
        int sa = aSe >>> 15, sb = bSe >>> 15;
        if ((k & INF) != 0) {
            boolean ai = cls(aSe, aM) == INF, bi = cls(bSe, bM) == INF;
            if (ai && bi && sa != sb) {
                indefinite();
                return;
            }
            if (denormal(k)) {
                return;
            }
            out(ai ? aSe : bSe, Long.MIN_VALUE);
            return;
        }
        if (denormal(k)) {
            return;
        }
        if ((k & ZERO) != 0) {
            boolean az = aM == 0 && (aSe & 0x7FFF) == 0, bz = bM == 0 && (bSe & 0x7FFF) == 0;
            if (az && bz) {
                int s = sa == sb ? sa : (rc() == 1 ? 1 : 0);
                out(s << 15, 0);
                return;
            }
            if (az) {
                roundOut(sb, unbiased(bSe), bM, 0);
            } else {
                roundOut(sa, unbiased(aSe), aM, 0);
            }
            return;
        }
        int ea = unbiased(aSe), eb = unbiased(bSe);
        if (ea < eb || (ea == eb && Long.compareUnsigned(aM, bM) < 0)) {
            int t = ea;
            ea = eb;
            eb = t;
            long tm = aM;
            aM = bM;
            bM = tm;
            t = sa;
            sa = sb;
            sb = t;
        }
        int d = ea - eb;
        long bh, bl;
        if (d == 0) {
            bh = bM;
            bl = 0;
        } else if (d < 64) {
            bh = bM >>> d;
            bl = bM << (64 - d);
        } else if (d < 128) {
            bh = 0;
            bl = bM >>> (d - 64);
            if (d > 64 && (bM << (128 - d)) != 0) {
                bl |= 1;
            }
        } else {
            bh = 0;
            bl = 1;
        }
        long hi, lo;
        int e = ea;      // bit 63 of hi (bit 127 of hi:lo) weighs 2^ea
        if (sa == sb) {
            lo = bl;
            hi = aM + bh;
            boolean carry = Long.compareUnsigned(hi, aM) < 0;
            if (carry) {
                long st = lo & 1;
                lo = (lo >>> 1) | (hi << 63) | st;
                hi = (hi >>> 1) | Long.MIN_VALUE;
                e++;
            }
        } else {
            lo = -bl;
            hi = aM - bh - (bl != 0 ? 1 : 0);
            if (hi == 0 && lo == 0) {
                out(rc() == 1 ? 0x8000 : 0, 0);
                return;
            }
        }
        roundOut(sa, e, hi, lo);
    }

    // ---- FMUL --------------------------------------------------------------------------------

    static long mulHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
    }

    final void mul(int aSe, long aM, int bSe, long bM) {
        int k = cls(aSe, aM) | cls(bSe, bM);
        if ((k & (QNAN | SNAN | BAD)) != 0) {
            nanResult(k, aSe, aM, bSe, bM);
            return;
        }
        int s = (aSe ^ bSe) & 0x8000;
        if ((k & INF) != 0) {
            if ((k & ZERO) != 0) {
                indefinite();
                return;
            }
            if (!denormal(k)) {
                out(s | 0x7FFF, Long.MIN_VALUE);
            }
            return;
        }
        if (denormal(k)) {
            return;
        }
        if ((k & ZERO) != 0) {
            out(s, 0);
            return;
        }
        int ea = unbiased(aSe), eb = unbiased(bSe);
        int n = Long.numberOfLeadingZeros(aM);
        aM <<= n;
        ea -= n;
        n = Long.numberOfLeadingZeros(bM);
        bM <<= n;
        eb -= n;
        roundOut(s >>> 15, ea + eb + 1, mulHigh(aM, bM), aM * bM);
    }

    // ---- FDIV --------------------------------------------------------------------------------

    /** Remainder of the last {@link #divlu}. */
    private long divRem;

    /**
     * (u1:u0) / v for a normalized v (top bit set) and u1 < v: the 64-bit quotient, remainder in
     * divRem. Knuth's algorithm D with 32-bit digits, after Hacker's Delight (divlu).
     */
    final long divlu(long u1, long u0, long v) {
        final long b = 1L << 32;
        long vn1 = v >>> 32, vn0 = v & 0xFFFFFFFFL;
        long un1 = u0 >>> 32, un0 = u0 & 0xFFFFFFFFL;
        long q1 = Long.divideUnsigned(u1, vn1);
        long rhat = u1 - q1 * vn1;
        while (q1 >= b || Long.compareUnsigned(q1 * vn0, b * rhat + un1) > 0) {
            q1--;
            rhat += vn1;
            if (rhat >= b) {
                break;
            }
        }
        long un21 = u1 * b + un1 - q1 * v;
        long q0 = Long.divideUnsigned(un21, vn1);
        rhat = un21 - q0 * vn1;
        while (q0 >= b || Long.compareUnsigned(q0 * vn0, b * rhat + un0) > 0) {
            q0--;
            rhat += vn1;
            if (rhat >= b) {
                break;
            }
        }
        divRem = un21 * b + un0 - q0 * v;
        return q1 * b + q0;
    }

    /** a / b. */
    final void div(int aSe, long aM, int bSe, long bM) {
        int ka = cls(aSe, aM), kb = cls(bSe, bM), k = ka | kb;
        if ((k & (QNAN | SNAN | BAD)) != 0) {
            nanResult(k, aSe, aM, bSe, bM);
            return;
        }
        int s = (aSe ^ bSe) & 0x8000;
        if ((ka & kb & (INF | ZERO)) != 0) {
            indefinite();
            return;
        }
        if (kb == ZERO && ka != INF) {
            exc |= ZE;      // before DE: a denormal divided by zero raises ZE alone
            if (masked(ZE)) {
                out(s | 0x7FFF, Long.MIN_VALUE);
            }
            return;
        }
        if (denormal(k)) {
            return;
        }
        if (ka == INF || kb == ZERO) {
            out(s | 0x7FFF, Long.MIN_VALUE);
            return;
        }
        if (ka == ZERO || kb == INF) {
            out(s, 0);
            return;
        }
        int ea = unbiased(aSe), eb = unbiased(bSe);
        int n = Long.numberOfLeadingZeros(aM);
        aM <<= n;
        ea -= n;
        n = Long.numberOfLeadingZeros(bM);
        bM <<= n;
        eb -= n;
        int e = ea - eb;
        long q;
        if (Long.compareUnsigned(aM, bM) >= 0) {
            q = divlu(aM >>> 1, aM << 63, bM);
        } else {
            q = divlu(aM, 0, bM);
            e--;
        }
        long q2 = divlu(divRem, 0, bM);
        roundOut(s >>> 15, e, q, q2 | (divRem != 0 ? 1 : 0));
    }

    // ---- FSQRT -------------------------------------------------------------------------------

    final void sqrt(int aSe, long aM) {
        int k = cls(aSe, aM);
        if ((k & (QNAN | SNAN | BAD)) != 0) {
            nanResult(k, aSe, aM, aSe, aM);
            return;
        }
        if (k == ZERO) {
            out(aSe, 0);
            return;
        }
        if (aSe >= 0x8000) {
            indefinite();
            return;
        }
        if (k == INF) {
            out(aSe, aM);
            return;
        }
        if (denormal(k)) {
            return;
        }
        int e = unbiased(aSe);
        int n = Long.numberOfLeadingZeros(aM);
        aM <<= n;
        e -= n;
        // value = aM * 2^(e-63). N = aM * 2^64 (e - 63 even) or aM * 2^63 (odd), so that
        // r = floor(sqrt(N)) has exactly 64 bits and sqrt(value) = r * 2^half.
        boolean odd = ((e - 63) & 1) != 0;
        long nHi = odd ? aM >>> 1 : aM, nLo = odd ? aM << 63 : 0;
        int half = odd ? (e - 63 - 63) / 2 : (e - 63 - 64) / 2;
        long r = isqrt(nHi, nLo);
        // remainder N - r^2 (0 <= rem <= 2r < 2^65): the guard bit is rem > r (no ties exist)
        long sqLo = r * r, sqHi = mulHigh(r, r);
        long remLo = nLo - sqLo, remHi = nHi - sqHi - (Long.compareUnsigned(nLo, sqLo) < 0 ? 1 : 0);
        boolean guard = remHi != 0 || Long.compareUnsigned(remLo, r) > 0;
        boolean sticky = remHi != 0 || remLo != 0;
        roundOut(0, 63 + half, r, (guard ? Long.MIN_VALUE : 0) | (sticky ? 1 : 0));
    }

    /**
     * floor(sqrt(hi:lo)) for 2^126 <= hi:lo < 2^128: a double estimate, one Newton step in
     * doubles on the exact 128-bit error, then exact fix-ups (long arithmetic only).
     */
    static long isqrt(long hi, long lo) {
        double n = ((hi >>> 1) * 2.0 + (hi & 1)) * 0x1p64;
        double d = Math.sqrt(n);
        long r = ((long) (d * 0.5)) << 1;
        for (int step = 0; step < 2; step++) {
            long sqLo = r * r, sqHi = mulHigh(r, r);
            long eLo = lo - sqLo, eHi = hi - sqHi - (Long.compareUnsigned(lo, sqLo) < 0 ? 1 : 0);
            double err = eHi * 0x1p64 + ((eLo >>> 1) * 2.0 + (eLo & 1));
            double rd = (r >>> 1) * 2.0 + (r & 1);
            long delta = (long) Math.rint(err / (2 * rd));
            long nr = r + delta;
            if (delta > 0 && Long.compareUnsigned(nr, r) < 0) {
                nr = -1L;                   // saturate at 2^64 - 1
            } else if (nr >= 0) {
                nr = Long.MIN_VALUE;        // the root is at least 2^63
            }
            r = nr;
        }
        while (true) {      // r too big: r^2 > N
            long sqLo = r * r, sqHi = mulHigh(r, r);
            int c = Long.compareUnsigned(sqHi, hi);
            if (c > 0 || (c == 0 && Long.compareUnsigned(sqLo, lo) > 0)) {
                r--;
            } else {
                break;
            }
        }
        while (r != -1L) {  // r too small: (r+1)^2 <= N
            long s = r + 1, sqLo = s * s, sqHi = mulHigh(s, s);
            int c = Long.compareUnsigned(sqHi, hi);
            if (c < 0 || (c == 0 && Long.compareUnsigned(sqLo, lo) <= 0)) {
                r = s;
            } else {
                break;
            }
        }
        return r;
    }

    // ---- comparison --------------------------------------------------------------------------

    /** Compare results: less, equal, greater, unordered. */
    static final int LT = 0, EQ = 1, GT = 2, UN = 3;

    /**
     * Compares a with b; any NaN is unordered and raises IE unless quiet (FUCOM: only SNaNs
     * raise IE). Returns LT/EQ/GT/UN; the caller checks {@link #blocked()}.
     */
    final int compare(int aSe, long aM, int bSe, long bM, boolean quiet) {
        int k = cls(aSe, aM) | cls(bSe, bM);
        if ((k & (QNAN | SNAN | BAD)) != 0) {
            if (!quiet || (k & (SNAN | BAD)) != 0) {
                exc |= IE;
            }
            return UN;
        }
        denormal(k);
        boolean az = (cls(aSe, aM) & ZERO) != 0, bz = (cls(bSe, bM) & ZERO) != 0;
        if (az && bz) {
            return EQ;
        }
        int sa = az ? -1 : aSe >>> 15, sb = bz ? -1 : bSe >>> 15;
        // Order by sign first (zero sits between the signs), then by magnitude.
        int ka = az ? 0 : sa == 1 ? -1 : 1, kb = bz ? 0 : sb == 1 ? -1 : 1;
        if (ka != kb) {
            return ka < kb ? LT : GT;
        }
        int c = compareMagnitude(aSe, aM, bSe, bM);
        if (ka < 0) {
            c = -c;
        }
        return c < 0 ? LT : c > 0 ? GT : EQ;
    }

    /** Compares |a| with |b| for finite or infinite values (denormals normalized). */
    static int compareMagnitude(int aSe, long aM, int bSe, long bM) {
        int ea = aSe & 0x7FFF, eb = bSe & 0x7FFF;
        if (ea == 0x7FFF || eb == 0x7FFF) {
            return Integer.compare(ea, eb);
        }
        ea = unbiased(aSe);
        eb = unbiased(bSe);
        int n = Long.numberOfLeadingZeros(aM);
        aM <<= n;
        ea -= n;
        n = Long.numberOfLeadingZeros(bM);
        bM <<= n;
        eb -= n;
        if (ea != eb) {
            return ea < eb ? -1 : 1;
        }
        return Long.compareUnsigned(aM, bM);
    }

    // ---- rounding to an integer --------------------------------------------------------------

    /** Set by {@link #toInt} when the magnitude is 2^64 (only FISTP m64's range check cares). */
    boolean intCarry;

    /**
     * Rounds the finite value (sign, exponent e of bit 63, significand m) to an integer in the
     * rounding mode; returns the magnitude (unsigned; {@link #intCarry} set when it is 2^64).
     * Sets PE and c1 (rounded up). Callers handle e >= 63 (already an integer) themselves.
     */
    final long toInt(int sign, int e, long m) {
        int sh = 63 - e;     // >= 1
        long q;
        boolean guard;
        boolean sticky;
        if (sh >= 65) {
            q = 0;
            guard = false;
            sticky = m != 0;
        } else if (sh == 64) {
            q = 0;
            guard = m < 0;
            sticky = (m << 1) != 0;
        } else {
            q = m >>> sh;
            guard = ((m >>> (sh - 1)) & 1) != 0;
            sticky = (m & ((1L << (sh - 1)) - 1)) != 0;
        }
        boolean inexact = guard | sticky;
        boolean inc;
        switch (rc()) {
            case 0 -> inc = guard && (sticky || (q & 1) != 0);
            case 1 -> inc = inexact && sign != 0;
            case 2 -> inc = inexact && sign == 0;
            default -> inc = false;
        }
        if (inexact) {
            exc |= PE;
        }
        c1 = inc;
        intCarry = false;
        if (inc) {
            q++;
            intCarry = q == 0;
        }
        return q;
    }

    /** FRNDINT on a register value. */
    final void roundToInt(int aSe, long aM) {
        int k = cls(aSe, aM);
        if ((k & (QNAN | SNAN | BAD)) != 0) {
            nanResult(k, aSe, aM, aSe, aM);
            return;
        }
        if (denormal(k)) {
            return;
        }
        int e = unbiased(aSe);
        if ((k & (ZERO | INF)) != 0 || e >= 63) {
            out(aSe, aM);
            return;
        }
        long q = toInt(aSe >>> 15, e, aM);
        if (q == 0) {
            out(aSe & 0x8000, 0);
            return;
        }
        int n = Long.numberOfLeadingZeros(q);
        out((aSe & 0x8000) | (63 - n + EXT_BIAS), q << n);
    }
}
