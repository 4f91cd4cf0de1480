/*
 * step.c: the host CPU's single-step traps, for SingleStepTest (src/test/java/jlguest/cpu).
 *
 * Loads a flat x86-64 code file (nasm -f bin, org 0x10001000) at 0x10001000, with two data pages at
 * 0x10004000, calls it, and records RIP and RCX at every SIGTRAP (one per single-step trap while the
 * code has TF set). Prints "rip/rcx" per trap, RIP as its low 16 bits. 64-bit because this host's
 * kernel runs no 32-bit programs; REP string and MOV SS single-stepping follow the same rules in both
 * modes (Intel SDM vol. 3A, 6.8.3 and 17.3.1.4). Run ./run.sh.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

static unsigned long rips[64], rcxs[64];
static int n;

static void trap(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    (void) sig;
    (void) si;
    if (n < 64) {
        rips[n] = uc->uc_mcontext.gregs[REG_RIP];
        rcxs[n] = uc->uc_mcontext.gregs[REG_RCX];
    }
    n++;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: step CODE.bin\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    unsigned char buf[4096];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    unsigned char *code = mmap((void *) 0x10001000, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    mmap((void *) 0x10004000, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    memcpy(code, buf, len);
    struct sigaction sa = {0};
    sa.sa_sigaction = trap;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, 0);
    void (*fn)(void) = (void (*)(void)) code;
    __asm__ volatile("push %%rbx; push %%rbp; push %%r12; push %%r13; push %%r14; push %%r15; call *%0;"
                     "pop %%r15; pop %%r14; pop %%r13; pop %%r12; pop %%rbp; pop %%rbx"
                     :: "r"(fn) : "memory", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11");
    for (int i = 0; i < n && i < 64; i++) {
        printf("%lx/%lu ", rips[i] & 0xFFFF, rcxs[i]);
    }
    printf("\n");
    return 0;
}
