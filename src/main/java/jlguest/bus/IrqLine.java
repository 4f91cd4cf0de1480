package jlguest.bus;

/**
 * One interrupt wire: the device drives it high or low, whoever is at the other end reacts.
 *
 * <p>A device holds an {@code IrqLine} and never knows whether a PIC, a test or nothing at all is
 * listening; {@link Pic8259Pair#line(int)} hands out the PIC's inputs, and the PIC's own INTR output
 * is an {@code IrqLine} towards the CPU. Calls happen on the CPU thread.
 */
@FunctionalInterface
public interface IrqLine {
    /** A line nobody listens to. */
    IrqLine NONE = level -> { };

    /** Drives the line to {@code level} (true = asserted). Repeating the current level is harmless. */
    void set(boolean level);

    /** An edge for edge-triggered inputs: up, then down again. */
    default void pulse() {
        set(true);
        set(false);
    }
}
