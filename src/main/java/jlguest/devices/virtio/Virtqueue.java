package jlguest.devices.virtio;

import jlguest.bus.Ram;
import jlguest.state.StateException;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;

/**
 * A split virtqueue (virtio 1.x section 2.7): descriptor table, available ring, used ring.
 *
 * <p>tour:virtio:030 Three arrays in guest RAM. The driver fills descriptors (address, length,
 * flags, next), puts the index of a chain's first descriptor in the available ring and bumps
 * {@code avail->idx}; the device takes chains in order ({@link #pop()}), and when it is done with
 * one it writes {head, bytes written} into the used ring and bumps {@code used->idx}
 * ({@link #push}). Everything the guest wrote is suspect: every index is checked against the
 * queue size, every address against RAM, every chain is bounded, so a hostile guest can at worst
 * get its device put in DEVICE_NEEDS_RESET. All of it runs on the CPU thread, the only thread that
 * touches guest RAM, so no memory barriers are needed.
 *
 * <p>tour:virtio:035 Event index (VIRTIO_RING_F_EVENT_IDX): instead of "never/always interrupt"
 * flags, each side publishes the index at which it next wants to hear from the other. The driver
 * writes {@code used_event} after the available ring; we interrupt only when the used index
 * crosses it ({@link #needsInterrupt()}). We write {@code avail_event} after the used ring: "tell
 * me when you publish past what I have already taken".
 */
public final class Virtqueue {
    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;
    static final int AVAIL_F_NO_INTERRUPT = 1;
    /** Longest indirect table we follow; Linux uses at most seg_max + 2 entries. */
    static final int MAX_INDIRECT = 4096;

    private final Ram ram;
    private final int index;
    private final int maxSize;

    int size;
    boolean ready;
    long descAddr;
    long availAddr;
    long usedAddr;
    boolean eventIdx;
    boolean indirect;

    private int lastAvail;
    private int usedIdx;
    private int signalledUsed;
    private boolean signalledValid;
    /**
     * The last chain taken, for the monitor and snapshots: a {@link DescriptorChain} (formatted
     * only when shown: formatting every chain cost a String.format per packet) or a String.
     */
    private Object lastChain = "none";

    Virtqueue(Ram ram, int index, int maxSize) {
        this.ram = ram;
        this.index = index;
        this.maxSize = maxSize;
    }

    /** Back to the state after device reset: not ready, no addresses, size = max. */
    void reset() {
        size = maxSize;
        ready = false;
        descAddr = availAddr = usedAddr = 0;
        lastAvail = usedIdx = signalledUsed = 0;
        signalledValid = false;
        lastChain = "none";
    }

    /** The queue's registers and the ring positions: how far the device has read and written. */
    void save(StateWriter out) {
        out.i32(size).bool(ready).i64(descAddr).i64(availAddr).i64(usedAddr).bool(eventIdx).bool(indirect);
        out.i32(lastAvail).i32(usedIdx).i32(signalledUsed).bool(signalledValid).string(String.valueOf(lastChain));
    }

    void restore(StateReader in) {
        size = in.i32(0, maxSize, "queue size");
        ready = in.bool();
        descAddr = in.i64();
        availAddr = in.i64();
        usedAddr = in.i64();
        eventIdx = in.bool();
        indirect = in.bool();
        lastAvail = in.i32(0, 0xFFFF, "last available index");
        usedIdx = in.i32(0, 0xFFFF, "used index");
        signalledUsed = in.i32(0, 0xFFFF, "signalled used index");
        signalledValid = in.bool();
        String chain = in.string();
        lastChain = chain == null ? "none" : chain;
        if (ready) {
            try {
                enableCheck();
            } catch (RingException e) {
                throw new StateException(e.getMessage());
            }
        }
    }

    public int index() {
        return index;
    }

    public int maxSize() {
        return maxSize;
    }

    public boolean ready() {
        return ready;
    }

    /** Checks size and addresses when the driver sets QueueReady; throws if the queue is unusable. */
    void enable(boolean eventIdxOn, boolean indirectOn) throws RingException {
        enableCheck();
        eventIdx = eventIdxOn;
        indirect = indirectOn;
        lastAvail = 0;   // the driver starts both rings at index 0 (virtio 1.x 2.7.6, 2.7.8)
        usedIdx = 0;
        signalledUsed = usedIdx;
        signalledValid = false;
        ready = true;
    }

    private void enableCheck() throws RingException {
        if (size <= 0 || size > maxSize || (size & (size - 1)) != 0) {
            throw new RingException("queue " + index + ": size " + size + " is not a power of 2 up to " + maxSize);
        }
        checkArea("descriptor table", descAddr, 16L * size, 16);
        checkArea("available ring", availAddr, 6L + 2L * size, 2);
        checkArea("used ring", usedAddr, 6L + 8L * size, 4);
    }

    private void checkArea(String what, long addr, long len, int align) throws RingException {
        if (!ram.contains(addr, len) || (addr & (align - 1)) != 0) {
            throw new RingException(String.format("queue %d: %s at 0x%x (+%d) is outside RAM or misaligned",
                    index, what, addr, len));
        }
    }

    private int availIdx() {
        return ram.read16((int) availAddr + 2);
    }

    /** Chains the driver has made available and we have not taken yet. */
    public int pending() throws RingException {
        int n = (availIdx() - lastAvail) & 0xFFFF;
        if (n > size) {
            throw new RingException("queue " + index + ": available index jumped by " + n + " (size " + size + ")");
        }
        return n;
    }

    /** Takes the next available chain, or returns null when there is none. */
    public DescriptorChain pop() throws RingException {
        if (!ready || pending() == 0) {
            return null;
        }
        int head = ram.read16((int) availAddr + 4 + 2 * (lastAvail % size));
        lastAvail = (lastAvail + 1) & 0xFFFF;
        if (eventIdx) {
            ram.write16((int) usedAddr + 4 + 8 * size, lastAvail);   // avail_event
        }
        if (head >= size) {
            throw new RingException("queue " + index + ": head index " + head + " >= size " + size);
        }
        DescriptorChain chain = new DescriptorChain(ram, head);
        walk(chain, descAddr, size, head, false);
        lastChain = chain;
        return chain;
    }

    /** Puts {@code n} chains back (a device that found no room for its data); they come again next pop. */
    public void unpop(int n) {
        lastAvail = (lastAvail - n) & 0xFFFF;
    }

    private void walk(DescriptorChain chain, long table, int tableSize, int first, boolean inIndirect)
            throws RingException {
        int i = first;
        for (int steps = 0; ; steps++) {
            if (steps >= tableSize) {
                throw new RingException("queue " + index + ": descriptor chain at " + first + " loops or exceeds "
                        + tableSize + " entries");
            }
            int d = (int) table + 16 * i;
            long addr = ram.read64(d);
            long len = ram.read32(d + 8) & 0xFFFF_FFFFL;
            int flags = ram.read16(d + 12);
            int next = ram.read16(d + 14);
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (!indirect || inIndirect || (flags & DESC_F_NEXT) != 0) {
                    throw new RingException("queue " + index + ": indirect descriptor " + i + " not allowed here");
                }
                long entries = len / 16;
                if (len == 0 || len % 16 != 0 || entries > MAX_INDIRECT || !ram.contains(addr, len)) {
                    throw new RingException(String.format("queue %d: bad indirect table 0x%x+%d", index, addr, len));
                }
                walk(chain, addr, (int) entries, 0, true);
                return;
            }
            if (!ram.contains(addr, len)) {
                throw new RingException(String.format("queue %d: descriptor %d at 0x%x+%d is outside RAM",
                        index, i, addr, len));
            }
            if (len > 0) {
                chain.add((int) addr, (int) len, (flags & DESC_F_WRITE) != 0);
            }
            if ((flags & DESC_F_NEXT) == 0) {
                return;
            }
            if (next >= tableSize) {
                throw new RingException("queue " + index + ": next index " + next + " >= " + tableSize);
            }
            i = next;
        }
    }

    /** Returns a chain to the driver, telling it {@code written} bytes were written into it. */
    public void push(int head, int written) {
        int e = (int) usedAddr + 4 + 8 * (usedIdx % size);
        ram.write32(e, head);
        ram.write32(e + 4, written);
        usedIdx = (usedIdx + 1) & 0xFFFF;
        ram.write16((int) usedAddr + 2, usedIdx);
    }

    /**
     * After a batch of {@link #push} calls: should the driver be interrupted? With event index,
     * only if used_event lies in (last signalled, now]; without it, unless the driver set
     * VRING_AVAIL_F_NO_INTERRUPT.
     */
    public boolean needsInterrupt() {
        int old = signalledUsed;
        boolean valid = signalledValid;
        signalledUsed = usedIdx;
        signalledValid = true;
        if (old == usedIdx) {
            return false;   // nothing new since the last decision
        }
        if (!eventIdx) {
            return (ram.read16((int) availAddr) & AVAIL_F_NO_INTERRUPT) == 0;
        }
        int usedEvent = ram.read16((int) availAddr + 4 + 2 * size);
        return !valid || ((usedIdx - usedEvent - 1) & 0xFFFF) < ((usedIdx - old) & 0xFFFF);
    }

    /** One line for the monitor. */
    public String describe() {
        if (!ready) {
            return String.format("queue %d: not ready (max %d)", index, maxSize);
        }
        return String.format("queue %d: size %d desc 0x%x avail 0x%x (idx %d, taken %d) used 0x%x (idx %d); last %s",
                index, size, descAddr, availAddr, availIdx(), lastAvail, usedAddr, usedIdx, lastChain);
    }
}
