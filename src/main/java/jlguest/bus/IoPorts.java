package jlguest.bus;

/**
 * The I/O port bus: 65536 ports, each wired to at most one {@link PortDevice}.
 *
 * <p>tour:bus:020 IN and OUT land here. A flat table of 64 Ki device references makes the lookup a
 * single array load. Ports nobody claimed behave as on a PC with nothing plugged in: reads float
 * high (all ones), writes vanish. A guest probing for hardware we do not have must never stop.
 */
public final class IoPorts {
    private final PortDevice[] devices = new PortDevice[0x10000];
    private UnclaimedPortListener unclaimed = UnclaimedPortListener.SILENT;
    private volatile BusObserver observer;

    /** Observer for accesses to ports nobody claimed (for tracing); must not throw. */
    public interface UnclaimedPortListener {
        UnclaimedPortListener SILENT = (port, size, write, value) -> { };

        void access(int port, int size, boolean write, int value);
    }

    /** Wires {@code device} to ports {@code first} .. {@code first+count-1}. */
    public void register(int first, int count, PortDevice device) {
        for (int p = first; p < first + count; p++) {
            if (devices[p] != null) {
                throw new IllegalStateException(String.format("port 0x%x is already taken", p));
            }
            devices[p] = device;
        }
    }

    /**
     * Unwires every port and forgets the listener and observer: the bus as it was new. A reboot
     * wires the next machine's devices into the same table instead of allocating another 64 Ki
     * references.
     */
    public void clear() {
        java.util.Arrays.fill(devices, null);
        unclaimed = UnclaimedPortListener.SILENT;
        observer = null;
    }

    public void setUnclaimedListener(UnclaimedPortListener listener) {
        this.unclaimed = listener;
    }

    /** Reports every access to {@code observer} (null: none, the normal case). */
    public void setObserver(BusObserver observer) {
        this.observer = observer;
    }

    public int in(int port, int size) {
        PortDevice d = devices[port & 0xFFFF];
        int v;
        if (d == null) {
            unclaimed.access(port & 0xFFFF, size, false, 0);
            v = size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFF;
        } else {
            v = d.in(port & 0xFFFF, size);
        }
        BusObserver o = observer;
        if (o != null) {
            o.access(port & 0xFFFF, size, false, v);
        }
        return v;
    }

    public void out(int port, int size, int value) {
        BusObserver o = observer;
        if (o != null) {
            o.access(port & 0xFFFF, size, true, value);
        }
        PortDevice d = devices[port & 0xFFFF];
        if (d == null) {
            unclaimed.access(port & 0xFFFF, size, true, value);
            return;
        }
        d.out(port & 0xFFFF, size, value);
    }
}
