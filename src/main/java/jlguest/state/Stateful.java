package jlguest.state;

/**
 * A part of the machine that can be frozen into a snapshot and thawed from one: the CPU, a device,
 * the clocks, the timer queue.
 *
 * <p>tour:snapshot:010 What is "the state of a machine"? Exactly what a part would need to go on as
 * if nothing had happened, and no more: the registers a guest can see or that change what it will
 * see (a UART's FIFO and its interrupt enable, a PIT channel's reload value and when it started
 * counting, a virtqueue's last seen available index), but not what can be computed again (a TLB,
 * decoded blocks, compiled code) nor what belongs to the host (open files, sockets, threads, the
 * wiring to other parts). Each stateful part implements this interface; the machine names each one
 * with a stable section id, so adding a device is its own class's business: write the fields in
 * {@link #save}, read them back in the same order in {@link #restore}.
 */
public interface Stateful {
    /** Writes this part's state. Called on the CPU thread between run slices. */
    void save(StateWriter out);

    /**
     * Replaces this part's state with what {@link #save} wrote. Values from the file are untrusted:
     * a value out of range throws {@link StateException} (through the reader's checked getters).
     * Interrupt lines are not driven here: the interrupt controller restores their levels itself.
     */
    void restore(StateReader in);
}
