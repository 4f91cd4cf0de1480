package jlguest.bus;

/**
 * Watches device accesses on a bus, for the monitor's {@code trace io} and {@code trace mmio}.
 * Called on the CPU thread after each port access, or each physical access that is not RAM; must
 * not throw. RAM accesses are never reported: they take the CPU's fast path and never reach a bus.
 */
public interface BusObserver {
    void access(int address, int size, boolean write, int value);
}
