package jlguest.cpu.fpu;

/**
 * Conversions between the register format and the memory formats: 32- and 64-bit reals,
 * 16/32/64-bit integers and 18-digit packed BCD.
 *
 * <p>tour:fpu:300 Loading is exact: every single, double and integer fits in 80 bits (a denormal
 * single or double becomes a normal extended number, raising DE on the way; an SNaN raises IE
 * and is quieted). Storing rounds, with the memory format's precision and exponent range, in
 * the rounding mode, and may overflow or underflow; it ignores the precision control. Integer
 * stores round in the rounding mode too, and a value that does not fit (or a NaN or infinity)
 * gives IE and the "integer indefinite", the most negative integer.
 */
abstract class Formats extends Arith {
    /** False after a store that must not write memory (an unmasked exception). */
    boolean storeOk;

    // ---- reals -------------------------------------------------------------------------------

    /** A single (bits) or double (dbl) in memory to outSe/outM. */
    final void loadReal(long bits, boolean dbl) {
        int sign = (int) (bits >>> (dbl ? 63 : 31)) & 1;
        int ebits = dbl ? 11 : 8, fbits = dbl ? 52 : 23;
        int e = (int) (bits >>> fbits) & ((1 << ebits) - 1);
        long f = bits & ((1L << fbits) - 1);
        int emax = (1 << ebits) - 1, bias = emax >> 1;
        int s = sign << 15;
        if (e == emax) {
            long m = Long.MIN_VALUE | (f << (63 - fbits));
            if (f != 0 && (m & 0x4000000000000000L) == 0) {
                exc |= IE;
                m |= 0x4000000000000000L;
            }
            out(s | 0x7FFF, m);
        } else if (e == 0) {
            if (f == 0) {
                out(s, 0);
                return;
            }
            exc |= DE;
            int n = Long.numberOfLeadingZeros(f);
            // f * 2^(1 - bias - fbits) with its top bit at position 63 - n
            out(s | (63 - n + 1 - bias - fbits + EXT_BIAS), f << n);
        } else {
            out(s | (e - bias + EXT_BIAS), Long.MIN_VALUE | (f << (63 - fbits)));
        }
    }

    /**
     * A register value to a single (dbl false) or double. NaNs keep their top fraction bits (an
     * SNaN is quieted with IE); unsupported encodings give the indefinite.
     */
    final long storeReal(int aSe, long aM, boolean dbl) {
        storeOk = true;
        int k = cls(aSe, aM);
        int sign = aSe >>> 15;
        int fbits = dbl ? 52 : 23, ebits = dbl ? 11 : 8;
        int emaxField = (1 << ebits) - 1, bias = emaxField >> 1;
        long signBit = (long) sign << (dbl ? 63 : 31);
        long expAll = (long) emaxField << fbits;
        switch (k) {
            case ZERO:
                return signBit;
            case INF:
                return signBit | expAll;
            case BAD:
                exc |= IE;
                return masked(IE) ? (dbl ? 0xFFF8000000000000L : 0xFFC00000L) : noStore();
            case QNAN:
            case SNAN:
                if (k == SNAN) {
                    exc |= IE;
                    if (!masked(IE)) {
                        return noStore();
                    }
                }
                return signBit | expAll | ((aM << 1) >>> (64 - fbits)) | (1L << (fbits - 1));
            default:
                break;
        }
        if (!round(sign, unbiased(aSe), aM, 0, fbits + 1, 1 - bias, bias, false)) {
            return noStore();
        }
        long field = rM < 0 ? rE + bias : 0;
        return signBit | (field << fbits) | ((rM << 1) >>> (64 - fbits));
    }

    private long noStore() {
        storeOk = false;
        return 0;
    }

    // ---- integers ----------------------------------------------------------------------------

    /** A signed integer to outSe/outM (exact). */
    final void loadInt(long v) {
        if (v == 0) {
            out(0, 0);
            return;
        }
        int s = v < 0 ? 0x8000 : 0;
        long m = v < 0 ? -v : v;
        int n = Long.numberOfLeadingZeros(m);
        out(s | (63 - n + EXT_BIAS), m << n);
    }

    /**
     * A register value to a signed integer of 16, 32 or 64 bits, rounded in the rounding mode.
     * Out of range, NaN or infinity: IE and the integer indefinite (storeOk false if unmasked).
     */
    final long storeInt(int aSe, long aM, int bits) {
        storeOk = true;
        long indef = Long.MIN_VALUE >> (64 - bits);
        int k = cls(aSe, aM);
        if ((k & (QNAN | SNAN | BAD | INF)) != 0) {
            return intInvalid(indef);
        }
        if (k == ZERO) {
            return 0;
        }
        int e = unbiased(aSe);
        int sign = aSe >>> 15;
        long q;
        if (e >= 63) {
            if (e > 63) {
                return intInvalid(indef);
            }
            q = aM;
            intCarry = false;
        } else {
            q = toInt(sign, e, aM);
        }
        // magnitude q (unsigned, or 2^64 with intCarry) must fit: 2^(bits-1) - 1, or 2^(bits-1) if negative
        long lim = 1L << (bits - 1);      // for bits == 64: Long.MIN_VALUE, i.e. 2^63 unsigned
        int c = Long.compareUnsigned(q, lim);
        if (intCarry || c > 0 || (c == 0 && sign == 0)) {
            exc &= ~PE;     // the invalid result is all the host reports
            c1 = false;
            return intInvalid(indef);
        }
        return sign != 0 ? -q : q;
    }

    private long intInvalid(long indef) {
        exc |= IE;
        if (!masked(IE)) {
            storeOk = false;
        }
        return indef;
    }

    // ---- packed BCD --------------------------------------------------------------------------

    /** 18 BCD digits in lo (8 bytes) and hi (byte 8 in bits 0..7, sign in byte 9 bit 7). */
    final void loadBcd(long lo, int hi) {
        long v = 0;
        for (int d = 17; d >= 0; d--) {
            int nib = d >= 16 ? (hi >>> ((d - 16) * 4)) & 15 : (int) (lo >>> (d * 4)) & 15;
            v = v * 10 + nib;    // invalid digits (A..F) give undefined results: we just add them
        }
        loadInt(v);
        if ((hi & 0x8000) != 0) {
            outSe |= 0x8000;
        }
    }

    /** Low 8 bytes of the last {@link #storeBcd}; the high 2 bytes are its return value. */
    long bcdLo;

    final int storeBcd(int aSe, long aM) {
        storeOk = true;
        int k = cls(aSe, aM);
        long mag;
        if ((k & (QNAN | SNAN | BAD | INF)) != 0) {
            return bcdInvalid();
        }
        int sign = aSe >>> 15;
        if (k == ZERO) {
            mag = 0;
        } else {
            int e = unbiased(aSe);
            if (e >= 63) {
                return bcdInvalid();
            }
            mag = toInt(sign, e, aM);
            if (intCarry || Long.compareUnsigned(mag, 999_999_999_999_999_999L) > 0) {
                exc &= ~PE;
                c1 = false;
                return bcdInvalid();
            }
        }
        long lo = 0;
        int hi = 0;
        for (int d = 0; d < 18; d++) {
            int digit = (int) (mag % 10);
            mag /= 10;
            if (d < 16) {
                lo |= (long) digit << (4 * d);
            } else {
                hi |= digit << (4 * (d - 16));
            }
        }
        bcdLo = lo;
        return hi | (sign << 15);
    }

    private int bcdInvalid() {
        exc |= IE;
        if (!masked(IE)) {
            storeOk = false;
        }
        bcdLo = 0xC000000000000000L;
        return 0xFFFF;
    }
}
