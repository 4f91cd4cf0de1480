/*
 * fptest.c: floating point as a C program uses it, for comparing jlguest's x87 with the real one.
 *
 * Built as a static i386 binary with `gcc -m32 -static -O1 -mfpmath=387` (guest-images/build.sh),
 * it prints a few thousand results of double and long double arithmetic, conversions, libm
 * functions and printf formatting. The same binary run natively on the host and inside jlguest
 * must print the same bytes (FpuGuestTest). Deterministic: a fixed-seed generator, no time, no
 * environment.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t state = 0x12345678u;

static uint32_t next(void) {         /* xorshift32 */
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

static double random_double(void) {
    uint64_t bits = ((uint64_t) next() << 32) | next();
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static double random_moderate(void) {
    return ((int32_t) next()) / 65536.0 * pow(10.0, (int) (next() % 13) - 6);
}

int main(void) {
    int i;
    for (i = 0; i < 400; i++) {
        double a = random_moderate(), b = random_moderate();
        long double la = a, lb = b;
        printf("%d %.17g %.17g | %.17g %.17g %.17g %.17g | %.21Lg %.21Lg\n", i, a, b, a + b, a - b, a * b,
               b != 0 ? a / b : 0.0, la * lb + la, lb != 0 ? la / lb : 0.0L);
    }
    for (i = 0; i < 300; i++) {
        double x = random_moderate();
        printf("f %d %.17g %.17g %.17g %.17g %.17g %.17g %.17g\n", i, sqrt(fabs(x)), floor(x), ceil(x),
               rint(x), fmod(x, 3.25), ldexp(x, (int) (next() % 40) - 20), (double) (long long) x);
    }
    for (i = 0; i < 300; i++) {
        double x = random_moderate() / 1000.0;
        printf("t %d %.15g %.15g %.15g %.15g %.15g %.15g\n", i, sin(x), cos(x), tan(x), atan(x), exp(x / 100.0),
               log(fabs(x) + 1e-9));
    }
    for (i = 0; i < 300; i++) {
        double d = random_double();
        float f = (float) d;
        long long ll = isfinite(d) && fabs(d) < 9e18 ? (long long) d : 0;
        printf("c %d %a %a %.9g %lld %d %d\n", i, d, (double) f, (double) f, ll, isnan(d) ? 1 : 0, isinf(d) ? 1 : 0);
    }
    {
        long double third = 1.0L / 3.0L;
        printf("ld %.25Lg %.25Lg %La\n", third, sqrtl(2.0L), third);
        printf("eps %.17g %.17g %d\n", DBL_EPSILON, DBL_MIN / 3.0, DBL_MANT_DIG);
    }
    return 0;
}
