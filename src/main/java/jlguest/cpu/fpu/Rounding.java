package jlguest.cpu.fpu;

/**
 * Exact rounding of a wide intermediate result to a narrower format.
 *
 * <p>tour:fpu:100 Every arithmetic result is first computed exactly, or at least exactly enough:
 * a 128-bit significand (two longs, hi:lo) whose bits below the kept ones tell whether the value
 * lies below, on, or above the halfway point. {@link #round} then does what the hardware does:
 * normalize; if the exponent is below the format's range, denormalize (shifting bits into the
 * sticky part); round to p bits (24, 53 or 64 from the precision control, or the memory format)
 * in the rounding mode from the control word; and on overflow either deliver the masked default
 * (infinity or the largest finite number) or, for an unmasked overflow or underflow into a
 * register, scale the exponent by 2^24576 as the 387 does so a trap handler can fix things up.
 * It sets PE, UE, OE and "rounded up" (C1) as it goes.
 */
abstract class Rounding extends FpuState {
    /** Exponent range of the register format and of the memory formats (unbiased). */
    static final int EXT_MIN = -16382, EXT_MAX = 16383, EXT_BIAS = 16383;
    static final int DBL_MIN = -1022, DBL_MAX = 1023, SGL_MIN = -126, SGL_MAX = 127;
    /** The 387's exponent adjustment for unmasked overflow and underflow. */
    static final int BIAS_ADJUST = 24576;

    /** Result of {@link #round}: unbiased exponent of bit 63 (emax+1 for infinity) and significand. */
    int rE;
    long rM;

    final int rc() {
        return (cw >>> 10) & 3;
    }

    /** Significand bits from the precision control (PC 01 is reserved; we treat it as 64). */
    final int precision() {
        int pc = (cw >>> 8) & 3;
        return pc == 0 ? 24 : pc == 2 ? 53 : 64;
    }

    /**
     * Rounds (-1)^sign * hi:lo * 2^(e-127) (bit 127 of hi:lo weighs 2^e; any bit pattern, zero
     * included) to p bits with exponents emin..emax. Result in rE/rM. Returns false when the value
     * must not be stored (unmasked overflow or underflow with a memory destination).
     */
    final boolean round(int sign, int e, long hi, long lo, int p, int emin, int emax, boolean reg) {
        if (hi == 0) {
            if (lo == 0) {
                rE = emin;
                rM = 0;
                return true;
            }
            hi = lo;
            lo = 0;
            e -= 64;
        }
        int n = Long.numberOfLeadingZeros(hi);
        if (n != 0) {
            hi = (hi << n) | (lo >>> (64 - n));
            lo <<= n;
            e -= n;
        }
        boolean tiny = e < emin;
        if (tiny) {
            if (!masked(UE)) {
                exc |= UE;
                if (!reg) {
                    return false;
                }
                e += BIAS_ADJUST;
                tiny = false;
                if (e < emin) {     // too tiny even for the adjustment: zero (as the host does)
                    exc |= PE;
                    c1 = false;
                    rE = emin;
                    rM = 0;
                    return true;
                }
            } else {
                int s = emin - e;
                e = emin;
                if (s >= 128) {
                    lo = 1;     // only the sticky bit is left
                    hi = 0;
                } else if (s >= 64) {
                    long st = (lo != 0 || (s > 64 && (hi << (128 - s)) != 0)) ? 1 : 0;
                    lo = (s == 64 ? hi : hi >>> (s - 64)) | st;
                    hi = 0;
                } else {
                    long st = (lo << (64 - s)) != 0 ? 1 : 0;
                    lo = (lo >>> s) | (hi << (64 - s)) | st;
                    hi >>>= s;
                }
            }
        }
        long lowMask = p == 64 ? 0 : -1L >>> p;
        boolean guard;
        boolean sticky;
        if (p == 64) {
            guard = lo < 0;
            sticky = (lo << 1) != 0;
        } else {
            long half = 1L << (63 - p);
            guard = (hi & half) != 0;
            sticky = (hi & (half - 1)) != 0 || lo != 0;
        }
        long m = hi & ~lowMask;
        boolean inexact = guard | sticky;
        boolean inc;
        switch (rc()) {
            case 0 -> inc = guard && (sticky || (m & (lowMask + 1)) != 0);
            case 1 -> inc = inexact && sign != 0;
            case 2 -> inc = inexact && sign == 0;
            default -> inc = false;
        }
        if (inc) {
            m += lowMask + 1;
            if (m == 0) {
                m = Long.MIN_VALUE;
                e++;
            }
        }
        if (e > emax) {
            if (!masked(OE)) {
                exc |= OE;
                if (!reg) {
                    return false;
                }
                e -= BIAS_ADJUST;
                if (e > emax) {     // too large even for the adjustment: infinity, whatever RC says
                    exc |= PE;
                    c1 = true;
                    rE = emax + 1;
                    rM = Long.MIN_VALUE;
                    return true;
                }
            } else {
                exc |= OE | PE;
                int r = rc();
                boolean toInf = r == 0 || (r == 1 && sign != 0) || (r == 2 && sign == 0);
                c1 = toInf;
                rE = toInf ? emax + 1 : emax;
                rM = toInf ? Long.MIN_VALUE : ~lowMask;
                return true;
            }
        }
        if (inexact) {
            exc |= tiny ? PE | UE : PE;
        }
        c1 = inc;
        rE = e;
        rM = m;
        return true;
    }

    /** The register image (sign and exponent) of rE/rM: denormals and zero have exponent 0. */
    static int extSe(int sign, int e, long m) {
        return (sign << 15) | (m < 0 ? e + EXT_BIAS : 0);
    }

    /** Unbiased exponent of a finite register value (denormals count as exponent 1). */
    static int unbiased(int se) {
        int e = se & 0x7FFF;
        return (e == 0 ? 1 : e) - EXT_BIAS;
    }

    // ---- classification ----------------------------------------------------------------------

    static final int ZERO = 1, NORMAL = 2, DENORMAL = 4, INF = 8, QNAN = 16, SNAN = 32, BAD = 64;

    /**
     * tour:fpu:110 The 80-bit format has encodings the 387 and later refuse: "unnormals" (integer
     * bit clear with a nonzero exponent), pseudo-infinities and pseudo-NaNs. Operands like these
     * are invalid (IE, result the real indefinite). Pseudo-denormals (exponent 0 with the integer
     * bit set) are still accepted, as denormals.
     */
    static int cls(int se, long m) {
        int e = se & 0x7FFF;
        if (e == 0) {
            return m == 0 ? ZERO : DENORMAL;
        }
        if (m >= 0) {
            return BAD;
        }
        if (e != 0x7FFF) {
            return NORMAL;
        }
        if ((m << 1) == 0) {
            return INF;
        }
        return (m << 1) < 0 ? QNAN : SNAN;
    }
}
