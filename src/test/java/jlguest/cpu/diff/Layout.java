package jlguest.cpu.diff;

/**
 * Where a differential-test case lives in the guest's (and the host harness's) address space.
 *
 * <p>tour:difftest:050 The same linear addresses on both sides, so that a pointer in a register means
 * the same byte to the real CPU and to jlguest: one code page whose every byte is INT3 except the
 * instruction under test, and two data pages, with nothing mapped on either side of them so that a
 * straddling access faults with a predictable CR2. tools/difftest/harness.c carries the same numbers.
 */
final class Layout {
    /** The code page, filled with INT3 (0xCC). */
    static final int CODE_PAGE = 0x1000_0000;
    /** Where the instruction under test starts: mid-page, so short branches either way stay inside. */
    static final int CODE_START = CODE_PAGE + 0x800;
    /** The first data page; the second follows it. */
    static final int DATA_BASE = 0x2000_0000;
    /** Both data pages. */
    static final int DATA_SIZE = 0x2000;
    /** User-mode selectors Linux i386 (and x86-64's compat mode) gives a process. */
    static final int USER_CS = 0x23;
    static final int USER_DS = 0x2B;
    /** EFLAGS bits a user-mode program always runs with: reserved bit 1 and IF. */
    static final int EFLAGS_FIXED = 0x202;

    private Layout() {
    }
}
