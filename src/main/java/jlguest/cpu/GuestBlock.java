package jlguest.cpu;

/**
 * One guest block as the compiler sees it: its instructions (copied on the CPU thread, see
 * {@link GuestInsn}) and where it starts, as a byte offset from the first block of its region
 * (negative for a block before it on the page).
 */
public record GuestBlock(int start, GuestInsn[] insns) {
    /** The offset just past the block's last instruction. */
    public int end() {
        int at = start;
        for (GuestInsn i : insns) {
            at += i.len();
        }
        return at;
    }
}
