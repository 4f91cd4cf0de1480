package jlguest.cpu;

/**
 * Data watchpoints, as the CPU sees them: the debugger's (gdb's Z2/Z3/Z4) on linear addresses.
 *
 * <p>tour:mmu:090 A watchpoint must cost nothing while none is set, and the memory path is the
 * hottest code we have. So it rides on the TLB: a page holding a watched address is filled
 * without the read or write permission bits the watch is about ({@link #pageMode}), and every
 * access to it takes the slow path, where {@link #hit} is asked after the access succeeded. With no
 * watchpoint the CPU's field is null and nothing changes on any path; with one, only its page is
 * slow. A hit ends the block after the instruction, as a debug trap would, and the debugger stops.
 */
public interface DataWatch {
    /** {@link #pageMode} bits: reads, or writes, of some address in the page are watched. */
    int READS = 1, WRITES = 2;

    /** READS | WRITES as the page at {@code vpn} (linear address >>> 12) needs them. */
    int pageMode(int vpn);

    /** An access of {@code size} bytes at {@code lin} completed; true when it hits a watchpoint. */
    boolean hit(int lin, int size, boolean write);
}
