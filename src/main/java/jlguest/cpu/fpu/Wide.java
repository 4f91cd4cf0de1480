package jlguest.cpu.fpu;

import java.math.BigInteger;

/**
 * A wide binary floating-point number, man * 2^exp with about {@link #P} significant bits, for
 * the transcendentals' slow path. Immutable; every operation truncates to P bits, which is far
 * more than the 64 the result keeps, so the final rounding decides correctly but for cases a
 * few hundred bits from a tie (transcendental results are never exact ties).
 */
final class Wide {
    /** Working precision in bits. */
    static final int P = 224;

    final BigInteger man;
    final int exp;

    Wide(BigInteger man, int exp) {
        int extra = man.bitLength() - P;
        if (extra > 0) {
            man = man.shiftRight(extra);    // truncation toward minus infinity: fine at P bits
            exp += extra;
        }
        this.man = man;
        this.exp = exp;
    }

    static final Wide ZERO = new Wide(BigInteger.ZERO, 0), ONE = new Wide(BigInteger.ONE, 0);

    static Wide of(long v) {
        return new Wide(BigInteger.valueOf(v), 0);
    }

    /** A register value (finite): sign, unbiased exponent of bit 63, significand. */
    static Wide of(int sign, int e, long m) {
        BigInteger b = Special.unsigned(m);
        return new Wide(sign != 0 ? b.negate() : b, e - 63);
    }

    int signum() {
        return man.signum();
    }

    /** Exponent of the leading bit (value in [2^top, 2^(top+1)) ), for nonzero values. */
    int top() {
        return exp + man.abs().bitLength() - 1;
    }

    Wide neg() {
        return new Wide(man.negate(), exp);
    }

    Wide abs() {
        return man.signum() < 0 ? neg() : this;
    }

    Wide shift(int n) {
        return new Wide(man, exp + n);
    }

    Wide add(Wide o) {
        if (man.signum() == 0) {
            return o;
        }
        if (o.man.signum() == 0) {
            return this;
        }
        // align to the smaller exponent, but drop bits far below the larger operand's precision
        int lo = Math.max(Math.min(exp, o.exp), Math.max(top(), o.top()) - P - 8);
        BigInteger a = exp >= lo ? man.shiftLeft(exp - lo) : man.shiftRight(lo - exp);
        BigInteger b = o.exp >= lo ? o.man.shiftLeft(o.exp - lo) : o.man.shiftRight(lo - o.exp);
        return new Wide(a.add(b), lo);
    }

    Wide sub(Wide o) {
        return add(o.neg());
    }

    Wide mul(Wide o) {
        return new Wide(man.multiply(o.man), exp + o.exp);
    }

    Wide div(Wide o) {
        int s = P + o.man.abs().bitLength() - man.abs().bitLength() + 2;
        return new Wide(man.shiftLeft(Math.max(s, 0)).divide(o.man), exp - Math.max(s, 0) - o.exp);
    }

    Wide div(long n) {
        return div(of(n));
    }

    Wide sqrt() {
        int s = 2 * P - man.bitLength();
        if (((exp - s) & 1) != 0) {
            s++;
        }
        return new Wide(man.shiftLeft(s).sqrt(), (exp - s) / 2);
    }

    int compareTo(Wide o) {
        return sub(o).signum();
    }

    // ---- constants -------------------------------------------------------------------------

    /** atan(1/n) by its series, for Machin's formula. */
    private static Wide atanInv(int n) {
        Wide x = ONE.div(n), x2 = x.mul(x), term = x, sum = x;
        for (int k = 1; term.signum() != 0 && term.top() > -P - 8; k++) {
            term = term.mul(x2);
            Wide t = term.div(2 * k + 1);
            sum = (k & 1) != 0 ? sum.sub(t) : sum.add(t);
        }
        return sum;
    }

    static final Wide PI = atanInv(5).shift(4).sub(atanInv(239).shift(2));
    static final Wide LN2 = lnSeries(of(2));
    /**
     * The x87's own pi for argument reduction: 66 significant bits (pi rounded to 64 fraction
     * bits). The hardware reduces modulo this, not modulo pi, which is why FSIN(x) for large x
     * drifts away from sin(x); we reproduce the drift bit for bit.
     */
    static final Wide PI66 = new Wide(nearestInt(PI.shift(64)), -64);

    static BigInteger nearestInt(Wide w) {
        if (w.exp >= 0) {
            return w.man.shiftLeft(w.exp);
        }
        return w.man.shiftRight(-w.exp - 1).add(BigInteger.ONE).shiftRight(1);
    }

    // ---- functions -------------------------------------------------------------------------

    /** ln(m) for m in [1, 2): 2 atanh((m-1)/(m+1)). */
    static Wide lnSeries(Wide m) {
        Wide z = m.sub(ONE).div(m.add(ONE));
        if (z.signum() == 0) {
            return ZERO;
        }
        Wide z2 = z.mul(z), term = z, sum = z;
        for (int k = 1; term.top() - sum.top() > -P - 8; k++) {
            term = term.mul(z2);
            sum = sum.add(term.div(2 * k + 1));
        }
        return sum.shift(1);
    }

    /** ln(x) for x > 0. */
    static Wide ln(Wide x) {
        int t = x.top();
        Wide m = x.shift(-t);     // [1, 2)
        return lnSeries(m).add(LN2.mul(of(t)));
    }

    /** ln(1 + x) for small x, without losing x's own precision. */
    static Wide ln1p(Wide x) {
        if (x.signum() != 0 && x.top() >= -1) {
            return ln(ONE.add(x));
        }
        // 2 atanh(x / (2 + x))
        Wide z = x.div(x.add(of(2)));
        Wide z2 = z.mul(z), term = z, sum = z;
        for (int k = 1; term.signum() != 0 && term.top() - sum.top() > -P - 8; k++) {
            term = term.mul(z2);
            sum = sum.add(term.div(2 * k + 1));
        }
        return sum.shift(1);
    }

    /** 2^x - 1 for any x (beyond |x| = 1, as 2^n * 2^f - 1 with n = floor(x), clamped). */
    static Wide exp2m1(Wide x) {
        if (x.signum() == 0 || x.top() < 0) {
            return expm1(x.mul(LN2));
        }
        BigInteger n = x.exp >= 0 ? x.man.shiftLeft(x.exp) : x.man.shiftRight(-x.exp);
        if (n.bitLength() > 20) {     // far beyond the exponent range: overflow, or -1 + tiny
            return n.signum() > 0 ? ONE.shift(1 << 20) : ONE.neg().add(ONE.shift(-(1 << 20)));
        }
        int ni = n.intValue();
        Wide f = x.sub(of(ni));
        return expm1(f.mul(LN2)).add(ONE).shift(ni).sub(ONE);
    }

    /** e^x - 1 for |x| <= 1 (Taylor, relative precision kept for tiny x). */
    static Wide expm1(Wide x) {
        if (x.signum() == 0) {
            return ZERO;
        }
        Wide term = x, sum = x;
        for (int k = 2; term.signum() != 0 && term.top() - sum.top() > -P - 8; k++) {
            term = term.mul(x).div(k);
            sum = sum.add(term);
        }
        return sum;
    }

    /** sin(r) (cos when cos is true) for |r| <= pi/4. */
    static Wide sinCos(Wide r, boolean cos) {
        Wide r2 = r.mul(r);
        Wide term = cos ? ONE : r, sum = term;
        for (int k = cos ? 1 : 2; term.signum() != 0 && term.top() - sum.top() > -P - 8; k += 2) {
            term = term.mul(r2).div((long) k * (k + 1)).neg();
            sum = sum.add(term);
        }
        return sum;
    }

    /** atan(t) for t >= 0, any size. */
    static Wide atan(Wide t) {
        if (t.signum() == 0) {
            return ZERO;
        }
        boolean inv = t.compareTo(ONE) > 0;
        if (inv) {
            t = ONE.div(t);
        }
        int halvings = 0;
        while (t.top() > -4) {      // atan(t) = 2 atan(t / (1 + sqrt(1 + t^2)))
            t = t.div(ONE.add(ONE.add(t.mul(t)).sqrt()));
            halvings++;
        }
        Wide t2 = t.mul(t), term = t, sum = t;
        for (int k = 1; term.signum() != 0 && term.top() - sum.top() > -P - 8; k++) {
            term = term.mul(t2).neg();
            sum = sum.add(term.div(2 * k + 1));
        }
        sum = sum.shift(halvings);
        return inv ? PI.shift(-1).sub(sum) : sum;
    }
}
