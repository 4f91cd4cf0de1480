package jlguest.cpu.simd;

import java.math.BigInteger;

/**
 * SSE floating point, bit-exact: single and double precision under every MXCSR mode.
 *
 * <p>tour:simd:300 Java's float and double arithmetic is IEEE 754 with round-to-nearest only, and
 * it has no flags. The SSE unit has four rounding modes, six sticky exception flags, and two
 * non-standard modes, DAZ (denormal inputs read as zero) and FTZ (tiny results written as zero).
 * We get all of it from one idea: the hardware result r in round-to-nearest plus the exact sign of
 * the error (exact - r), which Java can compute without loss (TwoSum for addition, Math.fma for
 * the remainder of a product, a quotient or a square root). A zero error means exact; otherwise PE,
 * and a directed mode moves r one unit in the last place when r lies on the wrong side. That holds
 * while r is comfortably normal. Near overflow, near underflow and for denormals we take the slow
 * road: compute the exact value as a BigInteger significand and exponent (a quotient and a square
 * root with a sticky bit for the remainder) and round it the way the hardware does, detecting
 * tininess after rounding as x86 does.
 *
 * <p>Values travel as raw bits in a long (a single in the low 32 bits). {@code dbl} picks the format.
 */
final class Fp {
    static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, DAZ = 0x40, FTZ = 0x8000;
    static final int RN = 0, RD = 1, RU = 2, RZ = 3;

    /** MXCSR of the instruction in progress, and the flags its elements raised. */
    int mxcsr = 0x1F80;
    int exc;

    int rc() {
        return (mxcsr >>> 13) & 3;
    }

    private boolean masked(int flag) {
        return (mxcsr & (flag << 7)) != 0;
    }

    // ---- format facts ---------------------------------------------------------------------------

    static int p(boolean dbl) {
        return dbl ? 53 : 24;
    }

    static int bias(boolean dbl) {
        return dbl ? 1023 : 127;
    }

    static long expMask(boolean dbl) {
        return dbl ? 0x7FF0000000000000L : 0x7F800000L;
    }

    static long fracMask(boolean dbl) {
        return dbl ? 0x000FFFFFFFFFFFFFL : 0x7FFFFFL;
    }

    static long signBit(boolean dbl) {
        return dbl ? Long.MIN_VALUE : 0x80000000L;
    }

    static long quietBit(boolean dbl) {
        return dbl ? 0x0008000000000000L : 0x400000L;
    }

    static long defaultNaN(boolean dbl) {
        return dbl ? 0xFFF8000000000000L : 0xFFC00000L;
    }

    static boolean isNaN(long v, boolean dbl) {
        return (v & expMask(dbl)) == expMask(dbl) && (v & fracMask(dbl)) != 0;
    }

    static boolean isSNaN(long v, boolean dbl) {
        return isNaN(v, dbl) && (v & quietBit(dbl)) == 0;
    }

    static boolean isInf(long v, boolean dbl) {
        return (v & ~signBit(dbl) & (dbl ? -1L : 0xFFFFFFFFL)) == expMask(dbl);
    }

    static boolean isZero(long v, boolean dbl) {
        return (v & (expMask(dbl) | fracMask(dbl))) == 0;
    }

    static boolean isDenormal(long v, boolean dbl) {
        return (v & expMask(dbl)) == 0 && (v & fracMask(dbl)) != 0;
    }

    static boolean neg(long v, boolean dbl) {
        return (v & signBit(dbl)) != 0;
    }

    static double toDouble(long v, boolean dbl) {
        return dbl ? Double.longBitsToDouble(v) : Float.intBitsToFloat((int) v);
    }

    static long bits(double d, boolean dbl) {
        return dbl ? Double.doubleToRawLongBits(d) : Float.floatToRawIntBits((float) d) & 0xFFFFFFFFL;
    }

    /** DAZ alone: a denormal reads as a zero of its sign, and no flag. */
    long daz(long v, boolean dbl) {
        return isDenormal(v, dbl) && (mxcsr & DAZ) != 0 ? v & signBit(dbl) : v;
    }

    /** A source operand as the instruction sees it: DAZ turns a denormal into a zero, else DE. */
    long in(long v, boolean dbl) {
        if (isDenormal(v, dbl)) {
            if ((mxcsr & DAZ) != 0) {
                return v & signBit(dbl);
            }
            exc |= DE;
        }
        return v;
    }

    /** The NaN result of a two-operand op where one is a NaN: the first NaN, quieted; IE for SNaN. */
    long nan2(long a, long b, boolean dbl) {
        if (isSNaN(a, dbl) || isSNaN(b, dbl)) {
            exc |= IE;
        }
        return (isNaN(a, dbl) ? a : b) | quietBit(dbl);
    }

    long invalid(boolean dbl) {
        exc |= IE;
        return defaultNaN(dbl);
    }

    // ---- arithmetic -----------------------------------------------------------------------------

    static final int ADD = 0, SUB = 1, MUL = 2, DIV = 3;

    /** ADD, SUB, MUL or DIV of a (destination) and b (source). */
    long arith(int op, long a, long b, boolean dbl) {
        if (isNaN(a, dbl) || isNaN(b, dbl)) {
            return nan2(a, b, dbl);
        }
        if (op == DIV && isZero(b, dbl) && !isNaN(a, dbl)) {
            a = daz(a, dbl);   // x / 0: divide-by-zero (or invalid) alone, no denormal flag for x
        } else {
            a = in(a, dbl);
        }
        b = in(b, dbl);
        if (op == SUB) {
            b ^= signBit(dbl);
            op = ADD;
        }
        long sign = (a ^ b) & signBit(dbl);
        boolean ia = isInf(a, dbl), ib = isInf(b, dbl), za = isZero(a, dbl), zb = isZero(b, dbl);
        switch (op) {
            case ADD -> {
                if (ia || ib) {
                    if (ia && ib && sign != 0) {
                        return invalid(dbl);
                    }
                    return ia ? a : b;
                }
                if (za && zb) {
                    return sign == 0 ? a : rc() == RD ? signBit(dbl) : 0;
                }
                // zero + x is x, unless x is a denormal: then the result is tiny (FTZ, UE)
                if (za && !isDenormal(b, dbl)) {
                    return b;
                }
                if (zb && !isDenormal(a, dbl)) {
                    return a;
                }
                if (za || zb) {
                    return slow(ADD, a, b, dbl);
                }
            }
            case MUL -> {
                if (ia || ib) {
                    if (za || zb) {
                        return invalid(dbl);
                    }
                    return sign | expMask(dbl);
                }
                if (za || zb) {
                    return sign;
                }
            }
            default -> {
                if (ia) {
                    return ib ? invalid(dbl) : sign | expMask(dbl);
                }
                if (ib) {
                    return sign;
                }
                if (zb) {
                    if (za) {
                        return invalid(dbl);
                    }
                    exc |= ZE;
                    return sign | expMask(dbl);
                }
                if (za) {
                    return sign;
                }
            }
        }
        // Both finite and nonzero. The fast road: r in round-to-nearest and the sign of the error.
        if (!isDenormal(a, dbl) && !isDenormal(b, dbl)) {
            long r = dbl ? fastD(op, Double.longBitsToDouble(a), Double.longBitsToDouble(b))
                    : fastS(op, Float.intBitsToFloat((int) a), Float.intBitsToFloat((int) b));
            if (r != NO) {
                return r;
            }
        }
        return slow(op, a, b, dbl);
    }

    long sqrt(long a, boolean dbl) {
        if (isNaN(a, dbl)) {
            if (isSNaN(a, dbl)) {
                exc |= IE;
            }
            return a | quietBit(dbl);
        }
        a = daz(a, dbl);
        if (isZero(a, dbl)) {
            return a;
        }
        if (neg(a, dbl)) {
            return invalid(dbl);   // a negative denormal too: invalid, and no denormal flag
        }
        a = in(a, dbl);
        if (isInf(a, dbl)) {
            return a;
        }
        if (!isDenormal(a, dbl)) {
            long r;
            if (dbl) {
                double x = Double.longBitsToDouble(a), s = Math.sqrt(x);
                r = x >= 0x1p-968 ? directed(s, Math.fma(-s, s, x), true) : NO;
            } else {
                float x = Float.intBitsToFloat((int) a);
                float s = (float) Math.sqrt(x);
                r = directed(s, (float) Math.signum(x - (double) s * s), false);
            }
            if (r != NO) {
                return r;
            }
        }
        return slow(SQRT, a, 0, dbl);
    }

    private static final long NO = 0x7FF4DEADBEEF0001L;
    private static final int SQRT = 4;

    private long fastD(int op, double a, double b) {
        double r, err;
        if (op == DIV && !(Math.abs(a) >= 0x1p-968)) {
            return NO;   // the remainder a - r*b could underflow
        }
        switch (op) {
            case ADD -> {
                r = a + b;
                double bb = r - a;
                err = (a - (r - bb)) + (b - bb);
            }
            case MUL -> {
                r = a * b;
                err = Math.fma(a, b, -r);
            }
            default -> {
                r = a / b;
                err = Math.fma(-r, b, a) * Math.signum(b);
            }
        }
        return directed(r, err, true);
    }

    private long fastS(int op, float a, float b) {
        float r, err;
        switch (op) {
            case ADD -> {
                r = a + b;
                float bb = r - a;
                err = (a - (r - bb)) + (b - bb);
            }
            case MUL -> {
                r = a * b;
                err = (float) Math.signum((double) a * b - r);   // the product of two floats is exact in double
            }
            default -> {
                r = a / b;
                err = (float) Math.signum(((double) a - (double) r * b) * Math.signum(b));
            }
        }
        return directed(r, err, false);
    }

    /**
     * The round-to-nearest result r and the sign of (exact - r) give the result in any mode, as
     * long as r is well inside the normal range; else {@link #NO} (take the slow road).
     */
    private long directed(double r, double err, boolean dbl) {
        double mag = Math.abs(r);
        double lo = dbl ? 0x1p-968 : 0x1p-101;
        double hi = dbl ? Double.MAX_VALUE / 4 : Float.MAX_VALUE / 4;
        if (!(mag >= lo && mag <= hi)) {
            return NO;
        }
        if (err != 0) {
            exc |= PE;
            switch (rc()) {
                case RD -> {
                    if (err < 0) {
                        r = dbl ? Math.nextDown(r) : Math.nextDown((float) r);
                    }
                }
                case RU -> {
                    if (err > 0) {
                        r = dbl ? Math.nextUp(r) : Math.nextUp((float) r);
                    }
                }
                case RZ -> {
                    if (err < 0 != r < 0) {
                        r = dbl ? (r > 0 ? Math.nextDown(r) : Math.nextUp(r))
                                : (r > 0 ? Math.nextDown((float) r) : Math.nextUp((float) r));
                    }
                }
                default -> { }
            }
        }
        return bits(r, dbl);
    }

    // ---- the slow road: exact values ----------------------------------------------------------

    /** Significand of a finite nonzero value (its integer weight is 2^{@link #exponent}). */
    static long significand(long v, boolean dbl) {
        long f = v & fracMask(dbl);
        return (v & expMask(dbl)) == 0 ? f : f | (fracMask(dbl) + 1);
    }

    static int exponent(long v, boolean dbl) {
        int e = (int) ((v & expMask(dbl)) >>> (p(dbl) - 1));
        return (e == 0 ? 1 : e) - bias(dbl) - (p(dbl) - 1);
    }

    private long slow(int op, long a, long b, boolean dbl) {
        boolean sa = neg(a, dbl), sb = neg(b, dbl);
        BigInteger ma = BigInteger.valueOf(significand(a, dbl)), mb = BigInteger.valueOf(significand(b, dbl));
        int ea = exponent(a, dbl), eb = exponent(b, dbl);
        switch (op) {
            case ADD -> {
                int e = Math.min(ea, eb);
                BigInteger x = ma.shiftLeft(ea - e), y = mb.shiftLeft(eb - e);
                BigInteger s = (sa ? x.negate() : x).add(sb ? y.negate() : y);
                if (s.signum() == 0) {
                    return rc() == RD ? signBit(dbl) : 0;
                }
                return round(s.signum() < 0, s.abs(), e, false, dbl);
            }
            case MUL -> {
                return round(sa != sb, ma.multiply(mb), ea + eb, false, dbl);
            }
            case DIV -> {
                BigInteger[] qr = ma.shiftLeft(192).divideAndRemainder(mb);
                return round(sa != sb, qr[0], ea - eb - 192, qr[1].signum() != 0, dbl);
            }
            default -> {   // SQRT
                int e = ea;
                BigInteger m = ma;
                if ((e & 1) != 0) {
                    m = m.shiftLeft(1);
                    e--;
                }
                m = m.shiftLeft(256);
                e -= 256;
                BigInteger[] sr = m.sqrtAndRemainder();
                return round(false, sr[0], e / 2, sr[1].signum() != 0, dbl);
            }
        }
    }

    /**
     * tour:simd:310 Rounds (-1)^neg * (m + sticky) * 2^e to the format: the quantum is the
     * format's last place for the value's exponent, or the denormal quantum when the value is
     * below the normal range. Tininess is judged after rounding (as if the exponent range were
     * unbounded), then FTZ may flush, and overflow gives infinity or the largest finite number
     * according to the rounding direction.
     */
    long round(boolean neg, BigInteger m, int e, boolean sticky, boolean dbl) {
        int p = p(dbl);
        int emin = 1 - bias(dbl), emax = bias(dbl);
        if (sticky) {
            m = m.shiftLeft(1).setBit(0);
            e--;
        }
        int top = e + m.bitLength() - 1;
        int q = Math.max(top, emin) - (p - 1);
        long kept;
        boolean inexact;
        if (q <= e) {
            kept = m.shiftLeft(e - q).longValueExact();
            inexact = false;
        } else {
            long[] r = roundAt(neg, m, q - e);
            kept = r[0];
            inexact = r[1] != 0;
        }
        if (kept == 1L << p) {
            kept >>>= 1;
            q++;
        }
        boolean tiny = false;
        if (top < emin - 1) {
            tiny = true;
        } else if (top == emin - 1) {
            int qu = top - (p - 1);
            long k2 = qu <= e ? 0 : roundAt(neg, m, qu - e)[0];
            tiny = qu <= e || k2 != 1L << p;
        }
        long sign = neg ? signBit(dbl) : 0;
        if (kept != 0 && q + p - 1 > emax) {
            if (!masked(OE)) {
                exc |= OE | inexactUnbounded(neg, m, e, top, p);   // unmasked: #XM follows
                return 0;
            }
            exc |= OE | PE;
            int rc = rc();
            boolean toInf = rc == RN || rc == RU && !neg || rc == RD && neg;
            return toInf ? sign | expMask(dbl) : sign | (expMask(dbl) - 1) | fracMask(dbl);
        }
        if (tiny) {
            if (!masked(UE)) {
                exc |= UE | inexactUnbounded(neg, m, e, top, p);   // unmasked: #XM follows
                return 0;
            } else if ((mxcsr & FTZ) != 0) {
                exc |= UE | PE;
                return sign;
            } else if (inexact) {
                exc |= UE;
            }
        }
        if (inexact) {
            exc |= PE;
        }
        if (kept < 1L << (p - 1)) {
            return sign | kept;   // denormal (or zero)
        }
        long biased = q + (p - 1) + bias(dbl);
        return sign | (biased << (p - 1)) | (kept & fracMask(dbl));
    }

    /**
     * PE for an unmasked overflow or underflow: the hardware reports it when the result, rounded
     * to the format's precision as if the exponent range had no bounds, is inexact.
     */
    private int inexactUnbounded(boolean neg, BigInteger m, int e, int top, int p) {
        int n = top - (p - 1) - e;
        return n > 0 && roundAt(neg, m, n)[1] != 0 ? PE : 0;
    }

    /** m shifted right by n bits and rounded in the current mode: {kept, inexact ? 1 : 0}. */
    private long[] roundAt(boolean neg, BigInteger m, int n) {
        BigInteger kept = m.shiftRight(n);
        BigInteger rest = m.subtract(kept.shiftLeft(n));
        boolean inexact = rest.signum() != 0;
        boolean up = false;
        if (inexact) {
            switch (rc()) {
                case RN -> {
                    int c = rest.compareTo(BigInteger.ONE.shiftLeft(n - 1));
                    up = c > 0 || c == 0 && kept.testBit(0);
                }
                case RD -> up = neg;
                case RU -> up = !neg;
                default -> { }
            }
        }
        long k = kept.longValue() + (up ? 1 : 0);
        return new long[] {k, inexact ? 1 : 0};
    }

    // ---- comparisons, min and max ---------------------------------------------------------------

    /** MINxx (max=false) or MAXxx: the second operand when either is a NaN or both are zeros. */
    long minMax(long a, long b, boolean max, boolean dbl) {
        if (isNaN(a, dbl) || isNaN(b, dbl)) {
            exc |= IE;
            return daz(b, dbl);
        }
        a = in(a, dbl);
        b = in(b, dbl);
        double x = toDouble(a, dbl), y = toDouble(b, dbl);
        if (max ? x > y : x < y) {
            return a;
        }
        return b;
    }

    /** CMPxx predicate 0..7: all ones or zero. */
    boolean compare(long a, long b, int pred, boolean dbl) {
        pred &= 7;
        boolean nan = isNaN(a, dbl) || isNaN(b, dbl);
        if (nan) {
            boolean signaling = pred == 1 || pred == 2 || pred == 5 || pred == 6;
            if (signaling || isSNaN(a, dbl) || isSNaN(b, dbl)) {
                exc |= IE;
            }
        } else {
            a = in(a, dbl);
            b = in(b, dbl);
        }
        double x = toDouble(a, dbl), y = toDouble(b, dbl);
        switch (pred & 7) {
            case 0: return !nan && x == y;
            case 1: return !nan && x < y;
            case 2: return !nan && x <= y;
            case 3: return nan;
            case 4: return nan || x != y;
            case 5: return nan || !(x < y);
            case 6: return nan || !(x <= y);
            default: return !nan;
        }
    }

    /** COMISx (signalling on any NaN) and UCOMISx: the ZF, PF, CF bits. */
    int comi(long a, long b, boolean quiet, boolean dbl) {
        if (isNaN(a, dbl) || isNaN(b, dbl)) {
            if (!quiet || isSNaN(a, dbl) || isSNaN(b, dbl)) {
                exc |= IE;
            }
            return 0x45;
        }
        a = in(a, dbl);
        b = in(b, dbl);
        double x = toDouble(a, dbl), y = toDouble(b, dbl);
        return x > y ? 0 : x < y ? 1 : 0x40;
    }

    // ---- conversions ----------------------------------------------------------------------------

    /** Float to int32 in the current mode (truncate: toward zero); 0x80000000 and IE when it does not fit. */
    int toInt(long v, boolean dbl, boolean truncate) {
        if (isNaN(v, dbl) || isInf(v, dbl)) {
            exc |= IE;
            return Integer.MIN_VALUE;
        }
        if (isDenormal(v, dbl) && (mxcsr & DAZ) != 0) {
            v &= signBit(dbl);   // conversions to integer see DAZ but never raise DE
        }
        double x = toDouble(v, dbl);
        double r;
        int mode = truncate ? RZ : rc();
        switch (mode) {
            case RN -> r = Math.rint(x);
            case RD -> r = Math.floor(x);
            case RU -> r = Math.ceil(x);
            default -> r = x < 0 ? Math.ceil(x) : Math.floor(x);
        }
        if (r < -2147483648.0 || r > 2147483647.0) {
            exc |= IE;
            return Integer.MIN_VALUE;
        }
        if (r != x) {
            exc |= PE;
        }
        return (int) r;
    }

    /** int32 to float or double in the current mode. */
    long fromInt(int v, boolean dbl) {
        if (v == 0) {
            return 0;
        }
        long mag = Math.abs((long) v);
        return round(v < 0, BigInteger.valueOf(mag), 0, false, dbl);
    }

    /** Single to double (exact) or double to single (rounded). {@code toDbl} is the result's format. */
    long convert(long v, boolean toDbl) {
        boolean from = !toDbl;
        if (isNaN(v, from)) {
            if (isSNaN(v, from)) {
                exc |= IE;
            }
            return toDbl ? (v & 0x80000000L) << 32 | 0x7FF8000000000000L | (v & 0x3FFFFFL) << 29
                    : (v >>> 32) & 0x80000000L | 0x7FC00000L | (v >>> 29) & 0x3FFFFFL;
        }
        v = in(v, from);
        boolean n = neg(v, from);
        long sign = n ? signBit(toDbl) : 0;
        if (isInf(v, from)) {
            return sign | expMask(toDbl);
        }
        if (isZero(v, from)) {
            return sign;
        }
        return round(n, BigInteger.valueOf(significand(v, from)), exponent(v, from), false, toDbl);
    }
}
