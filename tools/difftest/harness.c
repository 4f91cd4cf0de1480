/*
 * harness.c: runs differential-test cases on the host's real CPU, in 32-bit user mode.
 *
 * tour:difftest:010 The emulator is only as right as what we compare it with, and the best witness
 * for "what does this instruction do" is a real x86. This little program takes a file of cases from
 * the Java generator (jlguest.cpu.diff.CaseGenerator), runs each one on the host and writes the same
 * file back with the observed result appended to every case. The Java DifferentialTest then replays
 * those vectors on jlguest, in CI, without needing gcc-multilib or an x86 host.
 *
 * How one case runs:
 *   - A code page is mapped at CODE_PAGE (0x10000000), filled with INT3 (0xCC); the case's
 *     instruction bytes go at CODE_PAGE + CODE_OFFSET (0x800) so short branches land in the page.
 *   - Two data pages are mapped at DATA_BASE (0x20000000 .. 0x20001FFF) and filled from the case's
 *     seed by the xorshift32 stream that Java's DataFill reproduces, then patched with the case's
 *     edge values. The pages around them (0x1FFFF000, 0x20002000) stay unmapped: a page-crossing
 *     access there must raise #PF with the right CR2.
 *   - A small assembly stub loads EFLAGS, the eight general registers (ESP last) and jumps to the
 *     instruction. Whatever happens next ends in a signal: either the instruction finishes and the
 *     CPU runs into an INT3 of the filler (SIGTRAP, vector 3: "completed, EIP = that INT3"), or the
 *     instruction itself faults or traps (#DE, #UD, #GP, #PF, #BR, #OF, #BP). The signal handler
 *     (on an alternate stack, because ESP belongs to the case) reads every register, EFLAGS, the
 *     trap number, the error code and CR2 from the signal context, and siglongjmps home.
 *   - The driver then diffs the data pages against their initial image and writes the result.
 *
 * Build: gcc -m32 -O2 -static -no-pie -o harness harness.c (regenerate.sh does it; static so that
 * the binary runs without 32-bit libraries, non-PIE so that the stub can use absolute addresses).
 * Run:   ./harness cases.bin vectors.bin  (both uncompressed; see VectorFormat.java for the layout).
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

#define CODE_PAGE   0x10000000u
#define CODE_OFFSET 0x800u
#define DATA_BASE   0x20000000u
#define DATA_SIZE   0x2000u
#define MAX_CODE    15
#define MAX_PATCHES 32

/* The state the stub loads and the target it jumps to (globals: the stub addresses them absolutely). */
uint32_t dt_regs[8];          /* EAX ECX EDX EBX ESP EBP ESI EDI */
uint32_t dt_eflags;
uint32_t dt_target = CODE_PAGE + CODE_OFFSET;

void dt_enter(void);
/*
 * tour:difftest:020 The launch pad. Flags first (POPF needs a stack, and ours is still the host's),
 * then seven registers by absolute MOVs, which leave the flags alone, then ESP, then an indirect JMP
 * through memory. No host state needs saving here: sigsetjmp in run_case already saved it, and the
 * way back is siglongjmp from the signal handler.
 */
__asm__(
    ".text\n"
    ".globl dt_enter\n"
    "dt_enter:\n"
    "  pushl dt_eflags\n"
    "  popfl\n"
    "  movl dt_regs+0,  %eax\n"
    "  movl dt_regs+4,  %ecx\n"
    "  movl dt_regs+8,  %edx\n"
    "  movl dt_regs+12, %ebx\n"
    "  movl dt_regs+20, %ebp\n"
    "  movl dt_regs+24, %esi\n"
    "  movl dt_regs+28, %edi\n"
    "  movl dt_regs+16, %esp\n"
    "  jmp *dt_target\n");

/* What the signal handler saw. */
static struct {
    uint32_t regs[8], eip, eflags, trapno, err, cr2;
    uint16_t segs[4];             /* ES CS SS DS */
    int signo;
} seen;

static sigjmp_buf home;
static volatile int in_case;

static void on_signal(int sig, siginfo_t *si, void *ctx) {
    (void) si;
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    if (!in_case) {
        fprintf(stderr, "harness: signal %d outside a case (eip %08x): a harness bug\n", sig,
                (unsigned) g[REG_EIP]);
        _exit(3);
    }
    seen.regs[0] = g[REG_EAX];
    seen.regs[1] = g[REG_ECX];
    seen.regs[2] = g[REG_EDX];
    seen.regs[3] = g[REG_EBX];
    seen.regs[4] = g[REG_UESP];
    seen.regs[5] = g[REG_EBP];
    seen.regs[6] = g[REG_ESI];
    seen.regs[7] = g[REG_EDI];
    seen.eip = g[REG_EIP];
    seen.eflags = g[REG_EFL];
    seen.trapno = g[REG_TRAPNO];
    seen.err = g[REG_ERR];
    seen.cr2 = uc->uc_mcontext.cr2;
    seen.segs[0] = g[REG_ES];
    seen.segs[1] = g[REG_CS];
    seen.segs[2] = g[REG_SS];
    seen.segs[3] = g[REG_DS];
    seen.signo = sig;
    in_case = 0;
    siglongjmp(home, 1);
}

/* tour:difftest:030 The data pages' initial contents: xorshift32 from the case's seed (DataFill.java). */
static void fill(uint8_t *p, uint32_t seed) {
    uint32_t x = seed ^ 0x9E3779B9u;
    if (x == 0) {
        x = 1;
    }
    for (uint32_t i = 0; i < DATA_SIZE; i += 4) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        memcpy(p + i, &x, 4);
    }
}

/* ---- reading and writing the little-endian case stream ---- */

static FILE *in, *out;

static void die(const char *what) {
    fprintf(stderr, "harness: %s\n", what);
    exit(2);
}

static int get(void *p, size_t n) {
    size_t got = fread(p, 1, n, in);
    if (got == 0 && feof(in)) {
        return 0;
    }
    if (got != n) {
        die("truncated input");
    }
    return 1;
}

static void need(void *p, size_t n) {
    if (!get(p, n)) {
        die("truncated input");
    }
}

static void put(const void *p, size_t n) {
    if (fwrite(p, 1, n, out) != n) {
        die("write failed");
    }
}

static void put8(uint32_t v) { uint8_t b = v; put(&b, 1); }
static void put16(uint32_t v) { uint16_t h = v; put(&h, 2); }
static void put32(uint32_t v) { put(&v, 4); }

/* One case as read from the generator's file; the layout is documented in VectorFormat.java. */
struct kase {
    uint16_t form;
    uint8_t code_len, code[MAX_CODE];
    uint32_t eflags, regs[8], seed;
    uint8_t npatch;
    struct { uint16_t off; uint8_t len; uint8_t bytes[16]; } patch[MAX_PATCHES];
    uint16_t undef;
};

static int read_case(struct kase *k) {
    if (!get(&k->form, 2)) {
        return 0;
    }
    need(&k->code_len, 1);
    if (k->code_len == 0 || k->code_len > MAX_CODE) {
        die("bad code length");
    }
    need(k->code, k->code_len);
    need(&k->eflags, 4);
    need(k->regs, 32);
    need(&k->seed, 4);
    need(&k->npatch, 1);
    if (k->npatch > MAX_PATCHES) {
        die("too many patches");
    }
    for (int i = 0; i < k->npatch; i++) {
        need(&k->patch[i].off, 2);
        need(&k->patch[i].len, 1);
        if (k->patch[i].len > 16 || k->patch[i].off + k->patch[i].len > DATA_SIZE) {
            die("bad patch");
        }
        need(k->patch[i].bytes, k->patch[i].len);
    }
    need(&k->undef, 2);
    return 1;
}

static void write_case(const struct kase *k) {
    put16(k->form);
    put8(k->code_len);
    put(k->code, k->code_len);
    put32(k->eflags);
    put(k->regs, 32);
    put32(k->seed);
    put8(k->npatch);
    for (int i = 0; i < k->npatch; i++) {
        put16(k->patch[i].off);
        put8(k->patch[i].len);
        put(k->patch[i].bytes, k->patch[i].len);
    }
    put16(k->undef);
}

static uint8_t *code, *data;
static uint8_t initial[DATA_SIZE];

/*
 * tour:difftest:040 One case, start to finish. The result is "completed" when the trap came from
 * the INT3 filler (EIP-1 holds 0xCC and lies outside the instruction), else "exception" with the
 * vector the CPU raised and EIP as the signal frame has it (the faulting instruction for faults,
 * the next one for the INT3/INTO traps).
 */
static void run_case(struct kase *k) {
    fill(initial, k->seed);
    for (int i = 0; i < k->npatch; i++) {
        memcpy(initial + k->patch[i].off, k->patch[i].bytes, k->patch[i].len);
    }
    memcpy(data, initial, DATA_SIZE);
    memcpy(code + CODE_OFFSET, k->code, k->code_len);
    memcpy(dt_regs, k->regs, 32);
    dt_eflags = k->eflags;

    if (sigsetjmp(home, 1) == 0) {
        in_case = 1;
        dt_enter();
        die("dt_enter returned");
    }
    memset(code + CODE_OFFSET, 0xCC, k->code_len);
    for (uint32_t i = 0; i < 0x1000; i++) {
        if (code[i] != 0xCC) {
            die("a case wrote to the code page");
        }
    }

    uint32_t start = CODE_PAGE + CODE_OFFSET, end = start + k->code_len;
    uint32_t landed = seen.eip - 1;
    int completed = seen.signo == SIGTRAP && seen.trapno == 3
            && landed - CODE_PAGE < 0x1000 && (landed < start || landed >= end);

    write_case(k);
    put8(completed ? 0 : 1);
    if (completed) {
        put32(landed);
    } else {
        put8(seen.trapno);
        put32(seen.eip);
        put32(seen.err);
        put32(seen.trapno == 14 ? seen.cr2 : 0);
    }
    put32(seen.eflags);
    uint8_t mask = 0;
    for (int r = 0; r < 8; r++) {
        if (seen.regs[r] != k->regs[r]) {
            mask |= 1 << r;
        }
    }
    put8(mask);
    for (int r = 0; r < 8; r++) {
        if (mask & (1 << r)) {
            put32(seen.regs[r]);
        }
    }
    /* Segment selectors that differ from the user-mode defaults (ES=SS=DS=0x2B, CS=0x23). */
    static const uint16_t user_segs[4] = { 0x2B, 0x23, 0x2B, 0x2B };
    uint8_t smask = 0;
    for (int s = 0; s < 4; s++) {
        if (seen.segs[s] != user_segs[s]) {
            smask |= 1 << s;
        }
    }
    put8(smask);
    for (int s = 0; s < 4; s++) {
        if (smask & (1 << s)) {
            put16(seen.segs[s]);
        }
    }
    /* The memory diff as runs of changed bytes: (u16 offset, u8 length, bytes). */
    int nruns = 0;
    for (uint32_t i = 0; i < DATA_SIZE;) {
        if (data[i] == initial[i]) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j < DATA_SIZE && j - i < 255 && data[j] != initial[j]) {
            j++;
        }
        nruns++;
        i = j;
    }
    put16(nruns);
    for (uint32_t i = 0; i < DATA_SIZE;) {
        if (data[i] == initial[i]) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j < DATA_SIZE && j - i < 255 && data[j] != initial[j]) {
            j++;
        }
        put16(i);
        put8(j - i);
        put(data + i, j - i);
        i = j;
    }
}

static void *map_at(uint32_t addr, uint32_t size, int prot) {
    void *p = mmap((void *) addr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (void *) addr) {
        perror("harness: mmap");
        exit(2);
    }
    return p;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: harness cases.bin vectors.bin\n");
        return 2;
    }
    in = fopen(argv[1], "rb");
    out = fopen(argv[2], "wb");
    if (!in || !out) {
        perror("harness");
        return 2;
    }
    code = map_at(CODE_PAGE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC);
    data = map_at(DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE);
    memset(code, 0xCC, 0x1000);

    static uint8_t altstack[65536];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    if (sigaltstack(&ss, NULL) != 0) {
        perror("harness: sigaltstack");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigfillset(&sa.sa_mask);
    int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        sigaction(sigs[i], &sa, NULL);
    }

    /* The header (magic, version, form names) passes through unchanged. */
    char magic[4];
    uint16_t version, nforms;
    need(magic, 4);
    need(&version, 2);
    need(&nforms, 2);
    if (memcmp(magic, "JLDT", 4) != 0 || version != 1) {
        die("not a version-1 case file");
    }
    put(magic, 4);
    put16(version);
    put16(nforms);
    for (int i = 0; i < nforms; i++) {
        uint8_t len;
        char name[256];
        need(&len, 1);
        need(name, len);
        put8(len);
        put(name, len);
    }
    static struct kase k;
    long n = 0;
    while (read_case(&k)) {
        run_case(&k);
        n++;
    }
    if (fclose(out) != 0) {
        die("write failed");
    }
    fprintf(stderr, "harness: %ld cases\n", n);
    return 0;
}
