package jlguest.cpu;

/**
 * One guest block as the compiler sees it: its instructions (copied on the CPU thread, see
 * {@link GuestInsn}) and where it starts, as a byte offset from the first block of its region
 * (negative for a block before it on the page).
 */
public record GuestBlock(int start, GuestInsn[] insns, int page, int gen) {
    /**
     * A block whose page does not matter: all of the unit's blocks are on one page. Otherwise
     * {@code page} is the physical page number the block was read from and {@code gen} that page's
     * generation then (a region may follow calls, jumps and returns across pages (tour:jit:019)).
     */
    public GuestBlock(int start, GuestInsn[] insns) {
        this(start, insns, -1, 0);
    }

    /** The offset just past the block's last instruction. */
    public int end() {
        int at = start;
        for (GuestInsn i : insns) {
            at += i.len();
        }
        return at;
    }
}
