/*
 * sse2test.c: SSE and SSE2 as compiled C uses them, for comparing jlguest's SIMD unit with the real one.
 *
 * Built by Sse2GuestTest as `gcc -m32 -static -msse2 -mfpmath=sse -O2 -ftree-vectorize`, it prints
 * scalar float and double arithmetic (compiled to SSE, not x87), conversions with their
 * out-of-range "integer indefinite" results, auto-vectorized loops, 128-bit integer and MMX
 * intrinsics, and the same double arithmetic under each MXCSR rounding mode, with FTZ and DAZ, and
 * the exception flags each case raised. The output depends only on IEEE arithmetic and the
 * instructions' defined results, never on the ABI: fixed-width types, no long double, no libm
 * beyond exactly rounded sqrt, every value printed exactly (%a or hex). So the same source compiled
 * for x86-64 prints the same bytes on the host's CPU when the host cannot run i386 code.
 */
#include <emmintrin.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t state = 0x2545F491u;

static uint32_t next(void) {                     /* xorshift32 */
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

/* Two draws in a fixed order (C leaves the order of a call's arguments and of an operator's operands open). */
static uint64_t next64(void) {
    uint64_t hi = next();
    return hi << 32 | next();
}

/* A double from a fixed menu of awkward values, a random bit pattern, or a moderate random number. */
static double pick_double(void) {
    static const uint64_t special[] = {
        0x0000000000000000ull, 0x8000000000000000ull, 0x0000000000000001ull, 0x800FFFFFFFFFFFFFull,
        0x0010000000000000ull, 0x7FEFFFFFFFFFFFFFull, 0x7FF0000000000000ull, 0xFFF0000000000000ull,
        0x7FF8000000000000ull, 0xFFF8000000000123ull, 0x7FF4000000000001ull, 0x3FF0000000000001ull,
        0x41E0000000000000ull, 0xC1E0000000200000ull, 0x3FE0000000000000ull, 0x4330000000000001ull,
    };
    uint32_t r = next() % 8;
    uint64_t bits;
    double d;
    if (r == 0) {
        bits = special[next() % 16];
    } else if (r == 1) {
        bits = next64();
    } else {
        int32_t n = (int32_t) next();
        return (double) n / (double) (1u << (next() % 31));
    }
    memcpy(&d, &bits, sizeof d);
    return d;
}

static float pick_float(void) {
    static const uint32_t special[] = {
        0x00000000u, 0x80000000u, 0x00000001u, 0x807FFFFFu, 0x00800000u, 0x7F7FFFFFu, 0x7F800000u,
        0xFF800000u, 0x7FC00000u, 0xFFC00123u, 0x7FA00001u, 0x3F800001u, 0x4F000000u, 0xCF000001u,
    };
    uint32_t r = next() % 8;
    uint32_t bits;
    float f;
    if (r == 0) {
        bits = special[next() % 14];
    } else if (r == 1) {
        bits = next();
    } else {
        int32_t n = (int32_t) next();
        return (float) n / (float) (1u << (next() % 24));
    }
    memcpy(&f, &bits, sizeof f);
    return f;
}

static uint64_t dbits(double d) { uint64_t b; memcpy(&b, &d, sizeof b); return b; }
static uint32_t fbits(float f) { uint32_t b; memcpy(&b, &f, sizeof b); return b; }

/* Scalar double and float as the compiler emits them for plain C: ADDSD, MULSS, DIVSD, UCOMISD... */
static void scalar(void) {
    int i;
    for (i = 0; i < 300; i++) {
        double a = pick_double(), b = pick_double();
        float x = pick_float(), y = pick_float();
        printf("d %d %016" PRIx64 " %016" PRIx64 " | %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64
               " %016" PRIx64 " %d%d%d\n", i, dbits(a), dbits(b), dbits(a + b), dbits(a - b), dbits(a * b),
               dbits(a / b), dbits(_mm_cvtsd_f64(_mm_sqrt_sd(_mm_setzero_pd(), _mm_set_sd(a)))),
               a < b, a == b, a >= b);
        printf("s %d %08x %08x | %08x %08x %08x %08x %016" PRIx64 " %08x %d%d\n", i, fbits(x), fbits(y),
               fbits(x + y), fbits(x * y), fbits(x / y), fbits(_mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(x)))),
               dbits((double) x), fbits((float) a), x < y, x != y);
    }
}

/* Conversions, including the integer-indefinite result (0x80000000) of an out-of-range value. */
static void conversions(void) {
    int i;
    for (i = 0; i < 200; i++) {
        double d = pick_double();
        float f = pick_float();
        int32_t n = (int32_t) next();
        n >>= next() % 32;
        printf("c %d %08x %08x %08x %08x | %016" PRIx64 " %08x | %.17g %.9g\n", i,
               (uint32_t) _mm_cvttsd_si32(_mm_set_sd(d)), (uint32_t) _mm_cvtsd_si32(_mm_set_sd(d)),
               (uint32_t) _mm_cvttss_si32(_mm_set_ss(f)), (uint32_t) _mm_cvtss_si32(_mm_set_ss(f)),
               dbits((double) n), fbits((float) n), d, (double) f);
    }
}

/* Loops the compiler vectorizes: packed ADDPD, MULPS, MAXPD, integer PADDD, PMULLW... */
#define N 1000
static double va[N], vb[N], vc[N];
static float fa[N], fb[N], fc[N];
static int32_t ia[N], ib[N], ic[N];
static int16_t sa[N], sb[N], sc[N];
static uint8_t ua[N], ub[N], uc[N];

static void vectorized(void) {
    int i, round;
    uint64_t h = 1469598103934665603ull;
    for (i = 0; i < N; i++) {
        va[i] = pick_double(); vb[i] = pick_double();
        fa[i] = pick_float(); fb[i] = pick_float();
        ia[i] = (int32_t) next(); ib[i] = (int32_t) next();
        sa[i] = (int16_t) next(); sb[i] = (int16_t) next();
        ua[i] = (uint8_t) next(); ub[i] = (uint8_t) next();
    }
    for (round = 0; round < 4; round++) {
        for (i = 0; i < N; i++) vc[i] = va[i] * vb[i] + vc[i];
        for (i = 0; i < N; i++) fc[i] = fa[i] * fb[i] - fc[i] / 3.0f;
        for (i = 0; i < N; i++) vc[i] = vc[i] > va[i] ? vc[i] : va[i];
        for (i = 0; i < N; i++) ic[i] = ia[i] * ib[i] + (ic[i] >> 3);
        for (i = 0; i < N; i++) sc[i] = (int16_t) (sa[i] * sb[i] + sc[i]);
        for (i = 0; i < N; i++) uc[i] = (uint8_t) (ua[i] > ub[i] ? ua[i] - ub[i] : ub[i] - ua[i]) + uc[i];
        for (i = 0; i < N; i++) fc[i] = (float) ia[i] * 0.5f + fc[i];
        for (i = 0; i < N; i++) vc[i] += (double) sb[i];
    }
    for (i = 0; i < N; i++) {
        h = (h ^ dbits(vc[i])) * 1099511628211ull;
        h = (h ^ fbits(fc[i])) * 1099511628211ull;
        h = (h ^ (uint32_t) ic[i]) * 1099511628211ull;
        h = (h ^ (uint16_t) sc[i] ^ ((uint32_t) uc[i] << 16)) * 1099511628211ull;
        if (i % 100 == 0) {
            printf("v %d %016" PRIx64 " %08x %08x %04x %02x %016" PRIx64 "\n", i, dbits(vc[i]), fbits(fc[i]),
                   (uint32_t) ic[i], (uint16_t) sc[i], uc[i], h);
        }
    }
}

static void print128(const char *name, __m128i v) {
    uint32_t w[4];
    memcpy(w, &v, sizeof w);
    printf(" %s=%08x%08x%08x%08x", name, w[3], w[2], w[1], w[0]);
}

static __m128i random128(void) {
    uint64_t hi = next64();
    return _mm_set_epi64x((long long) hi, (long long) next64());
}

static __m128d random_pd(void) {
    double hi = pick_double();
    return _mm_set_pd(hi, pick_double());
}

static __m128 random_ps(void) {
    float f3 = pick_float(), f2, f1;
    f2 = pick_float();
    f1 = pick_float();
    return _mm_set_ps(f3, f2, f1, pick_float());
}

/* 128-bit integer intrinsics: the shapes compilers and hand-written code use. */
static void integer128(void) {
    int i;
    for (i = 0; i < 150; i++) {
        __m128i a = random128(), b;
        b = random128();
        int count;
        count = (int) (next() % 20);
        printf("i %d", i);
        print128("add8", _mm_add_epi8(a, b));
        print128("adds16", _mm_adds_epi16(a, b));
        print128("subsu8", _mm_subs_epu8(a, b));
        print128("mullo", _mm_mullo_epi16(a, b));
        print128("mulhu", _mm_mulhi_epu16(a, b));
        print128("madd", _mm_madd_epi16(a, b));
        print128("mulu32", _mm_mul_epu32(a, b));
        print128("sad", _mm_sad_epu8(a, b));
        print128("avg", _mm_avg_epu8(a, b));
        print128("min", _mm_min_epi16(a, b));
        print128("max", _mm_max_epu8(a, b));
        print128("cmpgt", _mm_cmpgt_epi32(a, b));
        print128("cmpeq", _mm_cmpeq_epi8(a, _mm_or_si128(b, _mm_and_si128(a, _mm_set1_epi8(0x0F)))));
        print128("packs", _mm_packs_epi32(a, b));
        print128("packus", _mm_packus_epi16(a, b));
        print128("unpk", _mm_unpacklo_epi8(a, b));
        print128("unph", _mm_unpackhi_epi64(a, b));
        print128("shuf", _mm_shuffle_epi32(a, 0x1B));
        print128("shufh", _mm_shufflehi_epi16(a, 0x93));
        print128("sll", _mm_sll_epi16(a, _mm_cvtsi32_si128(count)));
        print128("sra", _mm_srai_epi32(a, 7));
        print128("srl", _mm_srli_epi64(a, 13));
        print128("bsl", _mm_slli_si128(a, 5));
        print128("bsr", _mm_srli_si128(b, 11));
        print128("andn", _mm_andnot_si128(a, b));
        print128("xor", _mm_xor_si128(a, b));
        print128("ins", _mm_insert_epi16(a, count * 1000, 3));
        printf(" ext=%d mask=%04x\n", _mm_extract_epi16(b, 6), _mm_movemask_epi8(a));
    }
}

/* Packed floating point, shuffles and compares as intrinsics. */
static void packed(void) {
    int i;
    for (i = 0; i < 150; i++) {
        __m128d a = random_pd(), b;
        __m128 x, y;
        b = random_pd();
        x = random_ps();
        y = random_ps();
        printf("p %d", i);
        print128("addpd", _mm_castpd_si128(_mm_add_pd(a, b)));
        print128("minpd", _mm_castpd_si128(_mm_min_pd(a, b)));
        print128("maxps", _mm_castps_si128(_mm_max_ps(x, y)));
        print128("divps", _mm_castps_si128(_mm_div_ps(x, y)));
        print128("cmpltpd", _mm_castpd_si128(_mm_cmplt_pd(a, b)));
        print128("cmpunordps", _mm_castps_si128(_mm_cmpunord_ps(x, y)));
        print128("shufps", _mm_castps_si128(_mm_shuffle_ps(x, y, 0x4E)));
        print128("shufpd", _mm_castpd_si128(_mm_shuffle_pd(a, b, 1)));
        print128("unpcklps", _mm_castps_si128(_mm_unpacklo_ps(x, y)));
        print128("cvtps2pd", _mm_castpd_si128(_mm_cvtps_pd(x)));
        print128("cvtpd2ps", _mm_castps_si128(_mm_cvtpd_ps(a)));
        print128("cvttps2dq", _mm_cvttps_epi32(x));
        print128("cvtpd2dq", _mm_cvtpd_epi32(b));
        print128("cvtdq2ps", _mm_castps_si128(_mm_cvtepi32_ps(_mm_castps_si128(y))));
        printf(" ucomi=%d%d comi=%d movmsk=%x%x\n", _mm_ucomilt_sd(a, b), _mm_ucomieq_ss(x, y),
               _mm_comige_sd(b, a), _mm_movemask_pd(a), _mm_movemask_ps(y));
    }
}

static __m64 random64(void) {
    uint32_t hi = next();
    return _mm_set_pi32((int) hi, (int) next());
}

/* MMX: 64-bit integer vectors in the x87 registers, then EMMS. */
static void mmx(void) {
    int i;
    for (i = 0; i < 100; i++) {
        __m64 a = random64(), b;
        __m64 r[8];
        uint32_t w[16];
        int k;
        b = random64();
        r[0] = _mm_add_pi16(a, b);
        r[1] = _mm_subs_pu8(a, b);
        r[2] = _mm_madd_pi16(a, b);
        r[3] = _mm_packs_pi16(a, b);
        r[4] = _mm_unpackhi_pi8(a, b);
        r[5] = _mm_srai_pi16(a, 3);
        r[6] = _mm_cmpgt_pi8(a, b);
        r[7] = _mm_mulhi_pi16(a, b);
        memcpy(w, r, sizeof w);
        _mm_empty();
        printf("m %d", i);
        for (k = 0; k < 8; k++) {
            printf(" %08x%08x", w[2 * k + 1], w[2 * k]);
        }
        printf("\n");
    }
}

/* Every MXCSR rounding mode, FTZ and DAZ, and the flags each operation raised. */
static void mxcsr_modes(void) {
    static const unsigned modes[] = {0x0000, 0x2000, 0x4000, 0x6000, 0x8000, 0x0040, 0x8040};
    unsigned saved = _mm_getcsr();
    int m, i;
    for (m = 0; m < 7; m++) {
        uint64_t h = 0;
        for (i = 0; i < 120; i++) {
            __m128d a = _mm_set_sd(pick_double()), b;
            __m128d r[4];
            unsigned flags[4];
            int k;
            b = _mm_set_sd(pick_double());
            _mm_setcsr(0x1F80 | modes[m]);
            r[0] = _mm_add_sd(a, b);
            flags[0] = _mm_getcsr() & 0x3F;
            _mm_setcsr(0x1F80 | modes[m]);
            r[1] = _mm_mul_sd(a, b);
            flags[1] = _mm_getcsr() & 0x3F;
            _mm_setcsr(0x1F80 | modes[m]);
            r[2] = _mm_div_sd(a, b);
            flags[2] = _mm_getcsr() & 0x3F;
            _mm_setcsr(0x1F80 | modes[m]);
            r[3] = _mm_castps_pd(_mm_cvtsd_ss(_mm_setzero_ps(), a));
            flags[3] = _mm_getcsr() & 0x3F;
            _mm_setcsr(saved);
            for (k = 0; k < 4; k++) {
                h = (h ^ dbits(_mm_cvtsd_f64(r[k])) ^ ((uint64_t) flags[k] << 58)) * 1099511628211ull;
            }
            if (i % 30 == 0) {
                printf("x %04x %d %016" PRIx64 " %016" PRIx64 " %02x %02x %02x %02x %016" PRIx64 "\n", modes[m], i,
                       dbits(_mm_cvtsd_f64(r[0])), dbits(_mm_cvtsd_f64(r[2])), flags[0], flags[1], flags[2],
                       flags[3], h);
            }
        }
    }
}

int main(void) {
    scalar();
    conversions();
    vectorized();
    integer128();
    packed();
    mmx();
    mxcsr_modes();
    printf("end mxcsr=%08x\n", _mm_getcsr());
    return 0;
}
