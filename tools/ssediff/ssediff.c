/*
 * ssediff: runs MMX/SSE/SSE2 cases on the host CPU, in 32-bit user mode, and records what they
 * do, for jlguest's SIMD differential test (src/test/java/jlguest/cpu/simd/SimdDiffTest.java).
 *
 * tour:simd:900 The cases come from the Java generator (SimdCaseGenerator), which reads the
 * opcode table's MMX and SSE rows. For each case this program fills the eight XMM registers, the
 * eight MMX registers, the general registers and a 64-byte data area from the case's seed (an
 * xorshift64 stream that the Java side reproduces), applies the case's overrides (the operands
 * the generator chose: special floats, edge integers), loads the whole SIMD state with FXRSTOR,
 * sets EFLAGS and the registers, and jumps to the instruction in a page filled with INT3. The INT3
 * after it (SIGTRAP) or the instruction's own exception (SIGFPE for #XM, SIGILL, SIGSEGV) ends the
 * case; the signal handler reads the general registers, EFLAGS, the trap number and the FXSAVE
 * image the kernel put in the signal frame: MXCSR, the FPU tag and status words, every MMX and
 * XMM register. The record appended to the case holds what changed.
 *
 * Built as 64-bit code: MMX, SSE and SSE2 instructions without a REX prefix do exactly the same in
 * 64-bit mode as in 32-bit mode, the memory operand [EBX+disp8] becomes [RBX+disp8] with RBX's upper
 * half zero, and 32-bit register writes zero the upper halves, which we never compare. So the
 * recording runs even on a host kernel without 32-bit compat support, and the vectors hold the
 * 32-bit guest's truth.
 *
 * Build and run: tools/ssediff/regenerate.sh (gcc; the host must have SSE2).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define CODE_PAGE 0x10000000u
#define CODE_OFFSET 0x800u
#define DATA_PAGE 0x20000000u
#define DATA_OFFSET 0x100u
#define DATA_LEN 64

uint32_t dt_regs[8];
uint64_t dt_eflags;
uint64_t dt_target = CODE_PAGE + CODE_OFFSET;
uint8_t dt_img[512] __attribute__((aligned(16)));

void dt_enter(void);
__asm__(
    ".text\n"
    ".globl dt_enter\n"
    "dt_enter:\n"
    "  fxrstor dt_img(%rip)\n"
    "  pushq dt_eflags(%rip)\n"
    "  popfq\n"
    "  movl dt_regs+0(%rip),  %eax\n"
    "  movl dt_regs+4(%rip),  %ecx\n"
    "  movl dt_regs+8(%rip),  %edx\n"
    "  movl dt_regs+12(%rip), %ebx\n"
    "  movl dt_regs+20(%rip), %ebp\n"
    "  movl dt_regs+24(%rip), %esi\n"
    "  movl dt_regs+28(%rip), %edi\n"
    "  movl dt_regs+16(%rip), %esp\n"
    "  jmp *dt_target(%rip)\n");

static struct {
    uint32_t regs[8], eip, trapno;
    uint32_t eflags;
    uint8_t fx[512];
    int signo, have_fx;
} seen;

static sigjmp_buf home;
static volatile int in_case;

static void on_signal(int sig, siginfo_t *si, void *ctx) {
    (void) si;
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    if (!in_case) {
        fprintf(stderr, "ssediff: signal %d outside a case (rip %llx)\n", sig, (unsigned long long) g[REG_RIP]);
        _exit(3);
    }
    seen.regs[0] = g[REG_RAX];
    seen.regs[1] = g[REG_RCX];
    seen.regs[2] = g[REG_RDX];
    seen.regs[3] = g[REG_RBX];
    seen.regs[4] = g[REG_RSP];
    seen.regs[5] = g[REG_RBP];
    seen.regs[6] = g[REG_RSI];
    seen.regs[7] = g[REG_RDI];
    seen.eip = g[REG_RIP];
    seen.eflags = g[REG_EFL];
    seen.trapno = g[REG_TRAPNO];
    seen.signo = sig;
    /* The kernel's 64-bit frame: the FXSAVE image itself. */
    uint8_t *fp = (uint8_t *) uc->uc_mcontext.fpregs;
    seen.have_fx = fp != NULL;
    if (seen.have_fx) {
        memcpy(seen.fx, fp, 512);
    }
    in_case = 0;
    siglongjmp(home, 1);
}

static FILE *in, *out;

static void die(const char *what) {
    fprintf(stderr, "ssediff: %s\n", what);
    exit(2);
}

static int get(void *p, size_t n) {
    size_t got = fread(p, 1, n, in);
    if (got == 0 && feof(in)) return 0;
    if (got != n) die("truncated input");
    return 1;
}

static void need(void *p, size_t n) {
    if (!get(p, n)) die("truncated input");
}

static void put(const void *p, size_t n) {
    if (fwrite(p, 1, n, out) != n) die("write failed");
}

/* The seed stream (SimdVectors.java has the same): xorshift64. */
static uint64_t xs;
static uint64_t next64(void) {
    xs ^= xs << 13;
    xs ^= xs >> 7;
    xs ^= xs << 17;
    return xs;
}

struct state {
    uint64_t xmm[16], mm[8];
    uint32_t gpr[8];
    uint8_t mem[DATA_LEN];
};

static void fill(struct state *s, uint32_t seed) {
    xs = 0x9E3779B97F4A7C15ull ^ seed;
    for (int i = 0; i < 16; i++) s->xmm[i] = next64();
    for (int i = 0; i < 8; i++) s->mm[i] = next64();
    for (int i = 0; i < 8; i++) s->gpr[i] = (uint32_t) next64();
    for (int i = 0; i < DATA_LEN; i += 8) {
        uint64_t v = next64();
        memcpy(s->mem + i, &v, 8);
    }
    s->gpr[4] = DATA_PAGE + 0xF00;                /* ESP: somewhere harmless */
    s->gpr[7] = DATA_PAGE + DATA_OFFSET;          /* EDI: MASKMOVQ's target */
}

static uint8_t *code, *data;

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: ssediff cases.bin vectors.bin\n");
        return 2;
    }
    in = fopen(argv[1], "rb");
    out = fopen(argv[2], "wb");
    if (!in || !out) {
        perror("ssediff");
        return 2;
    }
    code = mmap((void *) CODE_PAGE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    data = mmap((void *) DATA_PAGE, 0x1000, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (code != (void *) CODE_PAGE || data != (void *) DATA_PAGE) {
        perror("ssediff: mmap");
        return 2;
    }
    memset(code, 0xCC, 0x1000);
    static uint8_t altstack[65536];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigfillset(&sa.sa_mask);
    int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);

    char magic[4];
    uint16_t version, nforms;
    need(magic, 4);
    need(&version, 2);
    need(&nforms, 2);
    if (memcmp(magic, "JLSS", 4) != 0 || version != 1) die("not a version-1 SIMD case file");
    put(magic, 4);
    put(&version, 2);
    put(&nforms, 2);
    for (int i = 0; i < nforms; i++) {
        uint8_t len;
        char name[256];
        need(&len, 1);
        need(name, len);
        put(&len, 1);
        put(name, len);
    }
    long n = 0;
    for (;;) {
        /* Case: u16 form, u8 len, code, u32 mxcsr, u32 eflags, u8 ftw, u32 seed, u8 n, n x (u8 kind, u8 index, u8 len, bytes) */
        uint16_t form;
        uint8_t len, codeb[15], ftw, nov;
        uint32_t mxcsr, eflags, seed;
        if (!get(&form, 2)) break;
        need(&len, 1);
        if (len == 0 || len > 15) die("bad code length");
        need(codeb, len);
        need(&mxcsr, 4);
        need(&eflags, 4);
        need(&ftw, 1);
        need(&seed, 4);
        need(&nov, 1);
        struct state s;
        fill(&s, seed);
        uint8_t ovbuf[64 * 20];
        size_t ovlen = 0;
        for (int i = 0; i < nov; i++) {
            uint8_t hdr[3], b[64];
            need(hdr, 3);
            if (hdr[2] > 64) die("bad override");
            need(b, hdr[2]);
            memcpy(ovbuf + ovlen, hdr, 3);
            memcpy(ovbuf + ovlen + 3, b, hdr[2]);
            ovlen += 3 + hdr[2];
            uint8_t *dst;
            switch (hdr[0]) {
                case 0: dst = (uint8_t *) s.xmm + 16 * hdr[1]; break;
                case 1: dst = (uint8_t *) s.mm + 8 * hdr[1]; break;
                case 2: dst = (uint8_t *) s.gpr + 4 * hdr[1]; break;
                default: dst = s.mem + hdr[1]; break;
            }
            memcpy(dst, b, hdr[2]);
        }
        put(&form, 2);
        put(&len, 1);
        put(codeb, len);
        put(&mxcsr, 4);
        put(&eflags, 4);
        put(&ftw, 1);
        put(&seed, 4);
        put(&nov, 1);
        put(ovbuf, ovlen);

        memset(dt_img, 0, sizeof dt_img);
        *(uint16_t *) (dt_img + 0) = 0x037F;
        dt_img[4] = ftw;
        memcpy(dt_img + 24, &mxcsr, 4);
        for (int i = 0; i < 8; i++) {
            memcpy(dt_img + 32 + 16 * i, &s.mm[i], 8);
            *(uint16_t *) (dt_img + 40 + 16 * i) = 0xFFFF;
        }
        memcpy(dt_img + 160, s.xmm, 128);
        memcpy(data + DATA_OFFSET, s.mem, DATA_LEN);
        memcpy(code + CODE_OFFSET, codeb, len);
        memcpy(dt_regs, s.gpr, 32);
        dt_eflags = eflags;
        if (sigsetjmp(home, 1) == 0) {
            in_case = 1;
            dt_enter();
            die("dt_enter returned");
        }
        memset(code + CODE_OFFSET, 0xCC, len);
        uint32_t start = CODE_PAGE + CODE_OFFSET;
        int completed = seen.signo == SIGTRAP && seen.trapno == 3 && seen.eip - 1 == start + len;
        seen.eflags &= 0xFFFFFFFFu;
        uint8_t vec = completed ? 0xFF : (uint8_t) seen.trapno;
        if (!seen.have_fx) die("no FXSAVE image in the signal frame");
        /* Result: u8 vector (FF done), u32 mxcsr, u32 eflags, u16 fsw, u8 ftw,
           u8 xmask + regs, u8 mmask + regs, u8 gmask + regs, u8 memmask (16-byte chunks) + chunks */
        put(&vec, 1);
        put(seen.fx + 24, 4);
        put(&seen.eflags, 4);
        put(seen.fx + 2, 2);
        put(seen.fx + 4, 1);
        uint8_t mask = 0;
        for (int i = 0; i < 8; i++) if (memcmp(seen.fx + 160 + 16 * i, (uint8_t *) s.xmm + 16 * i, 16)) mask |= 1 << i;
        put(&mask, 1);
        for (int i = 0; i < 8; i++) if (mask & (1 << i)) put(seen.fx + 160 + 16 * i, 16);
        mask = 0;
        for (int i = 0; i < 8; i++) if (memcmp(seen.fx + 32 + 16 * i, &s.mm[i], 8)) mask |= 1 << i;
        put(&mask, 1);
        for (int i = 0; i < 8; i++) if (mask & (1 << i)) put(seen.fx + 32 + 16 * i, 8);
        mask = 0;
        for (int i = 0; i < 8; i++) if (seen.regs[i] != s.gpr[i]) mask |= 1 << i;
        put(&mask, 1);
        for (int i = 0; i < 8; i++) if (mask & (1 << i)) put(&seen.regs[i], 4);
        mask = 0;
        for (int i = 0; i < DATA_LEN / 16; i++) if (memcmp(data + DATA_OFFSET + 16 * i, s.mem + 16 * i, 16)) mask |= 1 << i;
        put(&mask, 1);
        for (int i = 0; i < DATA_LEN / 16; i++) if (mask & (1 << i)) put(data + DATA_OFFSET + 16 * i, 16);
        n++;
    }
    if (fclose(out) != 0) die("write failed");
    fprintf(stderr, "ssediff: %ld cases\n", n);
    return 0;
}
