/*
 * fpudiff: runs x87 instructions on the host CPU and records what they do, for jlguest's
 * differential FPU test (src/test/java/jlguest/cpu/fpu/FpuDiffTest.java).
 *
 * tour:fpu:900 For every case we build an FNSAVE image (control word, status word, a few stack
 * registers), write the instruction's two bytes (memory forms address [EBX]) into an executable
 * page followed by RET, and run: FRSTOR image; (PUSH flags; POPFD;) insn; RET; FNSAVE result;
 * PUSHFD. FNSAVE does not wait, so even an unmasked exception is only recorded (ES set), never
 * delivered. The record holds the inputs and the outputs; the Java test replays the inputs
 * through the emulator and compares. Build and run: ./regenerate.sh (needs gcc -m32).
 *
 * Record (little-endian): b0 b1 eflagsIn nregs cw16 | nregs x 10 bytes (ST0 first) | swIn16 |
 * memInLen memIn... | sw16 tw16 cw16 | for each non-empty ST(i) in order: 10 bytes | memOutLen
 * memOut... | eflagsOut16.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static uint64_t rs = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
    rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
    return rs;
}
static unsigned rn(unsigned n) { return (unsigned)(rnd() % n); }

typedef struct { uint64_t m; uint16_t se; } f80;

enum { M_NONE, M_F32, M_F64, M_I16, M_I32, M_I64, M_F80, M_BCD, M_ENV, M_W16 };
static const int memsize[] = {0, 4, 8, 2, 4, 8, 10, 10, 28, 2};

struct ins {
    uint8_t b0;
    int reg;        /* memory form: reg field; register form: -1 */
    int modrm;      /* register form: exact modrm, or C0|reg<<3 with i random when anyi */
    int anyi, memin, memout, weight, eflags;
};

static struct ins cat[256];
static int ncat;
static void add(uint8_t b0, int reg, int modrm, int anyi, int memin, int memout, int weight, int eflags) {
    struct ins *c = &cat[ncat++];
    c->b0 = b0; c->reg = reg; c->modrm = modrm; c->anyi = anyi; c->memin = memin; c->memout = memout;
    c->weight = weight; c->eflags = eflags;
}

static void catalog(void) {
    int r;
    for (r = 0; r < 8; r++) {
        int cmp = r == 2 || r == 3;
        add(0xD8, r, 0, 0, M_F32, 0, cmp ? 4 : 8, 0);
        add(0xDC, r, 0, 0, M_F64, 0, cmp ? 4 : 8, 0);
        add(0xDA, r, 0, 0, M_I32, 0, 3, 0);
        add(0xDE, r, 0, 0, M_I16, 0, 3, 0);
        add(0xD8, -1, 0xC0 | r << 3, 1, 0, 0, cmp ? 4 : 10, 0);
        add(0xDC, -1, 0xC0 | r << 3, 1, 0, 0, cmp ? 1 : 6, 0);
        if (r != 3 && r != 2) add(0xDE, -1, 0xC0 | r << 3, 1, 0, 0, 5, 0);
    }
    add(0xDE, -1, 0xD9, 0, 0, 0, 3, 0);            /* FCOMPP */
    add(0xD9, 0, 0, 0, M_F32, 0, 6, 0);            /* FLD m32 */
    add(0xD9, 2, 0, 0, M_NONE, 4, 8, 0);           /* FST m32 */
    add(0xD9, 3, 0, 0, M_NONE, 4, 4, 0);
    add(0xD9, 4, 0, 0, M_ENV, 0, 1, 0);            /* FLDENV */
    add(0xD9, 5, 0, 0, M_W16, 0, 1, 0);            /* FLDCW */
    add(0xD9, 6, 0, 0, M_NONE, 28, 1, 0);          /* FNSTENV */
    add(0xD9, 7, 0, 0, M_NONE, 2, 1, 0);           /* FNSTCW */
    add(0xD9, -1, 0xC0, 1, 0, 0, 3, 0);            /* FLD ST(i) */
    add(0xD9, -1, 0xC8, 1, 0, 0, 3, 0);            /* FXCH */
    add(0xD9, -1, 0xD0, 0, 0, 0, 1, 0);            /* FNOP */
    {
        static const int d9[] = {0xE0, 0xE1, 0xE4, 0xE5, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE,
                                 0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7,
                                 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF};
        static const int w[] = {2, 2, 3, 4, 1, 1, 1, 1, 1, 1, 1,
                                6, 6, 6, 6, 5, 8, 1, 1,
                                8, 6, 10, 6, 8, 6, 6, 6};
        unsigned k;
        for (k = 0; k < sizeof d9 / sizeof d9[0]; k++) add(0xD9, -1, d9[k], 0, 0, 0, w[k], 0);
    }
    for (r = 0; r < 4; r++) {
        add(0xDA, -1, 0xC0 | r << 3, 1, 0, 0, 1, 1);  /* FCMOVcc */
        add(0xDB, -1, 0xC0 | r << 3, 1, 0, 0, 1, 1);
    }
    add(0xDA, -1, 0xE9, 0, 0, 0, 2, 0);            /* FUCOMPP */
    add(0xDB, 0, 0, 0, M_I32, 0, 4, 0);            /* FILD m32 */
    add(0xDB, 2, 0, 0, M_NONE, 4, 6, 0);           /* FIST m32 */
    add(0xDB, 3, 0, 0, M_NONE, 4, 3, 0);
    add(0xDB, 5, 0, 0, M_F80, 0, 3, 0);            /* FLD m80 */
    add(0xDB, 7, 0, 0, M_NONE, 10, 3, 0);          /* FSTP m80 */
    add(0xDB, -1, 0xE2, 0, 0, 0, 1, 0);            /* FNCLEX */
    add(0xDB, -1, 0xE3, 0, 0, 0, 1, 0);            /* FNINIT */
    add(0xDB, -1, 0xE8, 1, 0, 0, 3, 0);            /* FUCOMI */
    add(0xDB, -1, 0xF0, 1, 0, 0, 3, 0);            /* FCOMI */
    add(0xDD, 0, 0, 0, M_F64, 0, 6, 0);            /* FLD m64 */
    add(0xDD, 2, 0, 0, M_NONE, 8, 8, 0);           /* FST m64 */
    add(0xDD, 3, 0, 0, M_NONE, 8, 4, 0);
    add(0xDD, 7, 0, 0, M_NONE, 2, 1, 0);           /* FNSTSW m16 */
    add(0xDD, -1, 0xC0, 1, 0, 0, 1, 0);            /* FFREE */
    add(0xDD, -1, 0xD0, 1, 0, 0, 2, 0);            /* FST ST(i) */
    add(0xDD, -1, 0xD8, 1, 0, 0, 2, 0);            /* FSTP ST(i) */
    add(0xDD, -1, 0xE0, 1, 0, 0, 3, 0);            /* FUCOM */
    add(0xDD, -1, 0xE8, 1, 0, 0, 2, 0);            /* FUCOMP */
    add(0xDF, 0, 0, 0, M_I16, 0, 3, 0);            /* FILD m16 */
    add(0xDF, 2, 0, 0, M_NONE, 2, 4, 0);           /* FIST m16 */
    add(0xDF, 3, 0, 0, M_NONE, 2, 2, 0);
    add(0xDF, 4, 0, 0, M_BCD, 0, 3, 0);            /* FBLD */
    add(0xDF, 5, 0, 0, M_I64, 0, 4, 0);            /* FILD m64 */
    add(0xDF, 6, 0, 0, M_NONE, 10, 5, 0);          /* FBSTP */
    add(0xDF, 7, 0, 0, M_NONE, 8, 5, 0);           /* FISTP m64 */
    add(0xDF, -1, 0xE8, 1, 0, 0, 2, 0);            /* FUCOMIP */
    add(0xDF, -1, 0xF0, 1, 0, 0, 2, 0);            /* FCOMIP */
}

/* ---- values --------------------------------------------------------------------------------- */

static const int edges[] = {1, 2, 3, 0x3FFF - 16382 + 1, 0x3FFF - 126, 0x3FFF - 127, 0x3FFF - 149,
                            0x3FFF - 150, 0x3FFF - 1022, 0x3FFF - 1023, 0x3FFF - 1074, 0x3FFF - 1075,
                            0x3FFF + 127, 0x3FFF + 128, 0x3FFF + 1023, 0x3FFF + 1024, 0x7FFD, 0x7FFE,
                            0x3FFF + 15, 0x3FFF + 31, 0x3FFF + 63, 0x3FFF + 64, 0x3FFF + 59};

static f80 gen80(int kind) {
    f80 v;
    uint16_t s = rn(2) ? 0x8000 : 0;
    unsigned r = rn(100);
    uint64_t m = rnd() | 1ull << 63;
    if (kind == 1) r = 25 + rn(75);            /* integer-ish (FIST, FBSTP, FRNDINT) */
    if (r < 4) { v.se = s; v.m = 0; }
    else if (r < 8) { v.se = s; v.m = m >> (1 + rn(63)); }
    else if (r < 9) { v.se = s; v.m = m; }                        /* pseudo-denormal */
    else if (r < 12) { v.se = s | 0x7FFF; v.m = 1ull << 63; }
    else if (r < 15) { v.se = s | 0x7FFF; v.m = (m | 1ull << 62) & (rn(3) ? ~0ull : 0xC000000000000000ull); }
    else if (r < 18) { v.se = s | 0x7FFF; v.m = (m & ~(1ull << 62)) | 1; }
    else if (r < 19) { v.se = s | rn(0x8000); v.m = m & ~(1ull << 63); if (!(v.se & 0x7FFF)) v.se |= 1; }
    else if (r < 21) { v.se = 0xFFFF; v.m = 0xC000000000000000ull; }
    else if (r < 45) {
        v.se = s | (kind == 1 ? 0x3FFF + rn(70) - 3 : 0x3FFF + rn(129) - 64);
        v.m = m;
        if (rn(3) == 0) v.m &= ~0ull << rn(64);
    } else if (r < 55) {                                          /* k or k+0.5, k+0.25 ... */
        uint64_t k = rnd() >> rn(64);
        int frac = rn(4);
        unsigned n;
        if (k == 0) k = 1;
        n = __builtin_clzll(k);
        v.m = k << n;
        v.se = s | (0x3FFF + 63 - n);
        if (frac && n >= 2) { v.m = (k << n) | ((uint64_t)frac << (n - 2)); }
    } else if (r < 68) {
        v.se = s | (edges[rn(sizeof edges / sizeof edges[0])] + rn(5) - 2);
        v.m = m;
        if (rn(2)) v.m &= ~0ull << rn(64);
        if (rn(4) == 0) v.m = ~0ull << rn(42);
    } else if (r < 80) {
        v.se = s | (0x3FFF + rn(65) - 32);
        v.m = (1ull << 63) | (rn(2) ? (~0ull >> (1 + rn(63))) : ((uint64_t)rn(8) << rn(62)));
        if (rn(2)) v.m ^= 1ull << rn(63);
    } else {
        v.se = s | (1 + rn(0x7FFE));
        v.m = m;
    }
    return v;
}

static f80 near(f80 a) {
    f80 b = gen80(0);
    int c = rn(4);
    if ((a.se & 0x7FFF) == 0 || (a.se & 0x7FFF) == 0x7FFF || c == 0) return b;
    b.se = (b.se & 0x8000) | (uint16_t)((a.se & 0x7FFF) + rn(7) - 3);
    if ((b.se & 0x7FFF) == 0 || (b.se & 0x7FFF) == 0x7FFF) b.se = a.se;
    if (c == 1) b.m = a.m + rn(16) - 8;
    if (c == 2) b.m = a.m ^ (rnd() >> rn(64));
    b.m |= 1ull << 63;
    return b;
}

static void genmem(int kind, uint8_t *p) {
    uint64_t x = rnd();
    unsigned r = rn(100);
    switch (kind) {
    case M_F32: {
        uint32_t v = (uint32_t)x, s = v & 0x80000000u, f = (v & 0x7FFFFF) >> (rn(3) ? 0 : rn(23));
        if (r < 5) v = s;
        else if (r < 12) v = s | (f ? f : 1);
        else if (r < 16) v = s | 0x7F800000;
        else if (r < 20) v = s | 0x7FC00000 | f;
        else if (r < 24) v = s | 0x7F800000 | (f & 0x3FFFFF ? f & 0x3FFFFF : 1);
        else if (r < 60) v = s | (uint32_t)(127 + rn(61) - 30) << 23 | f;
        else if (r < 70) v = s | (uint32_t)(rn(2) ? 1 + rn(3) : 251 + rn(3)) << 23 | f;
        else v = s | (uint32_t)(1 + rn(254)) << 23 | f;
        memcpy(p, &v, 4);
        break;
    }
    case M_F64: {
        uint64_t s = x & 1ull << 63, f = (rnd() & 0xFFFFFFFFFFFFFull) >> (rn(3) ? 0 : rn(52)), v;
        if (r < 5) v = s;
        else if (r < 12) v = s | (f ? f : 1);
        else if (r < 16) v = s | 0x7FF0000000000000ull;
        else if (r < 20) v = s | 0x7FF8000000000000ull | f;
        else if (r < 24) v = s | 0x7FF0000000000000ull | ((f & 0x7FFFFFFFFFFFFull) ? (f & 0x7FFFFFFFFFFFFull) : 1);
        else if (r < 60) v = s | (uint64_t)(1023 + rn(121) - 60) << 52 | f;
        else if (r < 70) v = s | (uint64_t)(rn(2) ? 1 + rn(3) : 2043 + rn(4)) << 52 | f;
        else v = s | (uint64_t)(1 + rn(2046)) << 52 | f;
        memcpy(p, &v, 8);
        break;
    }
    case M_I16: case M_I32: case M_I64: {
        int64_t v = (int64_t)(rnd() >> rn(64));
        if (rn(2)) v = -v;
        if (r < 5) v = 0;
        else if (r < 10) v = rn(2) ? INT64_MIN : -1;
        memcpy(p, &v, memsize[kind]);
        if (r >= 5 && r < 10 && kind != M_I64) {
            if (kind == M_I16) { int16_t w = rn(2) ? -32768 : 32767; memcpy(p, &w, 2); }
            else { int32_t w = rn(2) ? INT32_MIN : INT32_MAX; memcpy(p, &w, 4); }
        }
        break;
    }
    case M_F80: {
        f80 v = gen80(0);
        memcpy(p, &v.m, 8);
        memcpy(p + 8, &v.se, 2);
        break;
    }
    case M_BCD: {
        int d;
        memset(p, 0, 10);
        for (d = 0; d < 18 - (int)rn(18); d++) p[d / 2] |= rn(10) << (4 * (d & 1));
        p[9] = rn(2) ? 0x80 : 0;
        break;
    }
    case M_ENV: {
        uint32_t e[7];
        int k;
        e[0] = 0xFFFF0000 | (rnd() & 0x1F7F);
        e[1] = 0xFFFF0000 | (rnd() & 0x477F);   /* no ES/B: a pending error would fault later */
        e[2] = 0xFFFF0000 | (uint32_t)rnd();
        for (k = 3; k < 7; k++) e[k] = 0;
        if ((e[1] & ~e[0] & 0x3F) != 0) e[1] &= ~0x3Fu;
        memcpy(p, e, 28);
        break;
    }
    case M_W16: {
        uint16_t w = (rnd() & 0x1FFF);
        memcpy(p, &w, 2);
        break;
    }
    }
}

/* ---- running --------------------------------------------------------------------------------- */

static uint8_t in_img[108] __attribute__((aligned(16)));
static uint8_t out_img[108] __attribute__((aligned(16)));
static uint8_t membuf[128] __attribute__((aligned(16)));
static uint8_t *code;

static unsigned run(uint8_t b0, uint8_t b1, unsigned eflags) {
    unsigned fl;
    uint8_t *p = code;
    *p++ = 0x68;                        /* push imm32; popfd */
    memcpy(p, &eflags, 4);
    p += 4;
    *p++ = 0x9D;
    *p++ = b0;
    *p++ = b1;
    *p++ = 0xC3;
    __asm__ volatile("frstor (%1)\n\t"
                     "call *%2\n\t"
                     "fnsave (%3)\n\t"
                     "pushfl\n\t"
                     "popl %0"
                     : "=&r"(fl)
                     : "r"(in_img), "r"(code), "r"(out_img), "b"(membuf)
                     : "eax", "memory", "cc");
    return fl;
}

static void put(const void *p, int n) { fwrite(p, 1, n, stdout); }
static void put8(unsigned v) { uint8_t b = v; put(&b, 1); }
static void put16(unsigned v) { uint16_t w = v; put(&w, 2); }

/* In-domain arguments for the transcendentals (focus mode): ordinary values of moderate size. */
static f80 domain(uint8_t b1) {
    f80 v;
    v.se = rn(2) ? 0x8000 : 0;
    v.m = rnd() | 1ull << 63;
    switch (b1) {
    case 0xF0: v.se |= 0x3FFF - rn(rn(4) ? 8 : 70); break;          /* F2XM1: |x| < 1 */
    case 0xF9: v.se |= 0x3FFD - rn(rn(4) ? 8 : 70); break;          /* FYL2XP1: |x| < 0.25 */
    case 0xF1: v.se = 0x3FFF + rn(129) - 64; break;                /* FYL2X: x > 0 */
    case 0xFE: case 0xFF: case 0xFB: case 0xF2:                    /* trig: mostly |x| < 2^20 */
        v.se |= rn(8) ? 0x3FFF + rn(24) - 12 : 0x3FFF + rn(64) - 20; break;
    default: v.se |= 0x3FFF + rn(64) - 32; break;
    }
    return v;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 120000, c;
    int focus = argc > 2 && !strcmp(argv[2], "focus");
    int total = 0, k;
    catalog();
    if (focus) {            /* only the transcendentals, FSQRT, FPREM/FPREM1 and FSCALE */
        int j = 0;
        rs = 0x2545F4914F6CDD1Dull;
        for (k = 0; k < ncat; k++)
            if (cat[k].b0 == 0xD9 && cat[k].reg < 0 && cat[k].modrm >= 0xF0 && cat[k].modrm != 0xF4
                && cat[k].modrm != 0xF6 && cat[k].modrm != 0xF7 && cat[k].modrm != 0xFC)
                cat[j++] = cat[k];
        ncat = j;
    }
    for (k = 0; k < ncat; k++) total += cat[k].weight;
    code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) { perror("mmap"); return 1; }
    for (c = 0; c < n; c++) {
        int w = rn(total), i = 0, nregs, need, r;
        struct ins *in;
        uint8_t b1;
        unsigned cw, sw, eflags = 0x202, fl, tw, top;
        f80 regs[8];
        while (w >= cat[i].weight) w -= cat[i++].weight;
        in = &cat[i];
        if (in->reg >= 0) { b1 = in->reg << 3 | 3; need = 1; }
        else { b1 = in->modrm | (in->anyi ? rn(8) : 0); need = in->anyi ? (b1 & 7) + 1 : 2; }
        if (need < 2) need = 2;
        r = rn(100);
        nregs = r < 4 ? rn(need) : r < 8 ? 8 : need + (need < 8 && rn(4) == 0);
        if (in->b0 == 0xD9 && b1 == 0xF6 && nregs > 7) nregs = 7;
        cw = (rn(4) << 10) | ((rn(3) == 0 ? 0 : rn(2) ? 3 : 2) << 8) | 0x40 | 0x1000 * rn(2);
        cw |= rn(5) == 0 ? rn(64) : 0x3F;
        sw = (rnd() & (0x4700 | 0x3F)) & ~(~cw & 0x3F);
        for (k = 0; k < nregs; k++) {
            int kind = (in->b0 == 0xDF && (in->reg == 6 || in->reg >= 2)) || (in->b0 == 0xDB && in->reg >= 2)
                       || (in->b0 == 0xD9 && b1 == 0xFC) ? 1 : 0;
            regs[k] = k == 0 ? gen80(kind) : near(regs[0]);
            if (focus && rn(8) != 0) regs[k] = domain(b1);
        }
        if (in->eflags) eflags |= (rn(2) ? 1 : 0) | (rn(2) ? 4 : 0) | (rn(2) ? 0x40 : 0);
        top = (8 - nregs) & 7;
        memset(in_img, 0, sizeof in_img);
        tw = 0;
        for (k = 0; k < 8; k++) {
            int st = (k - top) & 7;           /* physical k is ST(st) */
            if (st >= nregs) tw |= 3 << (2 * k);
        }
        {
            uint32_t e0 = 0xFFFF0000 | cw, e1 = 0xFFFF0000 | sw | top << 11, e2 = 0xFFFF0000 | tw;
            memcpy(in_img, &e0, 4);
            memcpy(in_img + 4, &e1, 4);
            memcpy(in_img + 8, &e2, 4);
        }
        for (k = 0; k < nregs; k++) {
            memcpy(in_img + 28 + 10 * k, &regs[k].m, 8);
            memcpy(in_img + 36 + 10 * k, &regs[k].se, 2);
        }
        memset(membuf, 0xCC, sizeof membuf);
        genmem(in->memin, membuf);
        /* record inputs */
        put8(in->b0); put8(b1); put8(eflags & 0x45); put8(nregs); put16(cw);
        for (k = 0; k < nregs; k++) { put(&regs[k].m, 8); put(&regs[k].se, 2); }
        put16(sw);
        put8(memsize[in->memin]);
        put(membuf, memsize[in->memin]);
        fl = run(in->b0, b1, eflags);
        /* record outputs */
        {
            unsigned osw = out_img[4] | out_img[5] << 8, otw = out_img[8] | out_img[9] << 8;
            unsigned ocw = out_img[0] | out_img[1] << 8, otop = (osw >> 11) & 7;
            put16(osw); put16(otw); put16(ocw);
            for (k = 0; k < 8; k++) {
                int phys = (otop + k) & 7;
                if (((otw >> (2 * phys)) & 3) != 3) put(out_img + 28 + 10 * k, 10);
            }
            put8(in->memout);
            put(membuf, in->memout);
            put16(fl & 0x8D5);
        }
    }
    return 0;
}
