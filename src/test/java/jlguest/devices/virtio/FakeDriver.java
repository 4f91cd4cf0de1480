package jlguest.devices.virtio;

import java.util.ArrayList;
import java.util.List;

import jlguest.bus.Ram;
import jlguest.bus.IrqLine;

/**
 * A test driver that speaks to a {@link VirtioMmio} as Linux's virtio_mmio.c and virtio_ring.c do:
 * reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queue setup, DRIVER_OK; then descriptor
 * chains through the available ring and answers from the used ring. It also writes raw
 * descriptors, so tests can build broken rings on purpose.
 */
public final class FakeDriver {
    /** A buffer in a chain: guest address, length, device-writable or not. */
    public record Buf(int addr, int len, boolean writable) {
    }

    /** One used-ring entry. */
    public record Used(int head, int len) {
    }

    /** An IRQ line that remembers its level and counts rising edges. */
    public static final class Line implements IrqLine {
        public boolean level;
        public int raises;

        @Override
        public void set(boolean l) {
            if (l && !level) {
                raises++;
            }
            level = l;
        }
    }

    public final Ram ram;
    public final VirtioMmio dev;
    public final Line irq;
    private int next;   // bump allocator
    private final List<Q> queues = new ArrayList<>();
    public boolean useIndirect;
    public boolean useEventIdx = true;

    /** Per-queue driver state. */
    public final class Q {
        public final int index;
        public final int size;
        public final int desc;
        public final int avail;
        public final int used;
        int freeHead;
        int availIdx;
        int lastUsed;

        Q(int index, int size) {
            this.index = index;
            this.size = size;
            desc = alloc(16 * size, 16);
            avail = alloc(6 + 2 * size, 2);
            used = alloc(6 + 8 * size, 4);
        }
    }

    public FakeDriver(Ram ram, Line irq, VirtioMmio dev) {
        this.ram = ram;
        this.irq = irq;
        this.dev = dev;
        this.next = 0x10000;
    }

    /** Allocates zeroed guest memory. */
    public int alloc(int len, int align) {
        next = (next + align - 1) & -align;
        int a = next;
        next += len;
        ram.zero(a, len);
        return a;
    }

    public int reg(int off) {
        return dev.read(off, 4);
    }

    public void reg(int off, int value) {
        dev.write(off, 4, value);
    }

    public long deviceFeatures() {
        reg(VirtioMmio.REG_DEVICE_FEATURES_SEL, 1);
        long hi = reg(VirtioMmio.REG_DEVICE_FEATURES) & 0xFFFF_FFFFL;
        reg(VirtioMmio.REG_DEVICE_FEATURES_SEL, 0);
        return hi << 32 | reg(VirtioMmio.REG_DEVICE_FEATURES) & 0xFFFF_FFFFL;
    }

    /** Linux's probe up to FEATURES_OK; returns whether FEATURES_OK stuck. */
    public boolean negotiate(long wanted) {
        reg(VirtioMmio.REG_STATUS, 0);
        if (reg(VirtioMmio.REG_MAGIC) != VirtioMmio.MAGIC || reg(VirtioMmio.REG_VERSION) != 2) {
            throw new AssertionError("not a virtio-mmio v2 device");
        }
        reg(VirtioMmio.REG_STATUS, VirtioFeatures.STATUS_ACKNOWLEDGE);
        reg(VirtioMmio.REG_STATUS, VirtioFeatures.STATUS_ACKNOWLEDGE | VirtioFeatures.STATUS_DRIVER);
        long f = deviceFeatures() & wanted;
        reg(VirtioMmio.REG_DRIVER_FEATURES_SEL, 1);
        reg(VirtioMmio.REG_DRIVER_FEATURES, (int) (f >>> 32));
        reg(VirtioMmio.REG_DRIVER_FEATURES_SEL, 0);
        reg(VirtioMmio.REG_DRIVER_FEATURES, (int) f);
        reg(VirtioMmio.REG_STATUS, 1 | 2 | VirtioFeatures.STATUS_FEATURES_OK);
        return (reg(VirtioMmio.REG_STATUS) & VirtioFeatures.STATUS_FEATURES_OK) != 0;
    }

    /** Sets up queue {@code index} with {@code size} entries (0 = the device's maximum). */
    public Q setupQueue(int index, int size) {
        reg(VirtioMmio.REG_QUEUE_SEL, index);
        if (reg(VirtioMmio.REG_QUEUE_READY) != 0) {
            throw new AssertionError("queue already set up");
        }
        int max = reg(VirtioMmio.REG_QUEUE_NUM_MAX);
        Q q = new Q(index, size == 0 ? max : size);
        for (int i = 0; i < q.size - 1; i++) {   // free list through next, as virtio_ring.c
            ram.write16(q.desc + 16 * i + 14, i + 1);
        }
        reg(VirtioMmio.REG_QUEUE_NUM, q.size);
        reg(VirtioMmio.REG_QUEUE_DESC_LOW, q.desc);
        reg(VirtioMmio.REG_QUEUE_DESC_HIGH, 0);
        reg(VirtioMmio.REG_QUEUE_DRIVER_LOW, q.avail);
        reg(VirtioMmio.REG_QUEUE_DRIVER_HIGH, 0);
        reg(VirtioMmio.REG_QUEUE_DEVICE_LOW, q.used);
        reg(VirtioMmio.REG_QUEUE_DEVICE_HIGH, 0);
        reg(VirtioMmio.REG_QUEUE_READY, 1);
        while (queues.size() <= index) {
            queues.add(null);
        }
        queues.set(index, q);
        return q;
    }

    public void driverOk() {
        reg(VirtioMmio.REG_STATUS, reg(VirtioMmio.REG_STATUS) | VirtioFeatures.STATUS_DRIVER_OK);
    }

    /** The whole probe: negotiate everything offered, set up {@code n} queues, DRIVER_OK. */
    public FakeDriver start(int n) {
        if (!negotiate(useEventIdx ? -1L : ~VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX))) {
            throw new AssertionError("FEATURES_OK refused");
        }
        for (int i = 0; i < n; i++) {
            setupQueue(i, 0);
        }
        driverOk();
        return this;
    }

    public Q q(int i) {
        return queues.get(i);
    }

    /** Writes one raw descriptor. */
    public void desc(Q q, int i, long addr, int len, int flags, int next) {
        int d = q.desc + 16 * i;
        ram.write64(d, addr);
        ram.write32(d + 8, len);
        ram.write16(d + 12, flags);
        ram.write16(d + 14, next);
    }

    /** Puts {@code head} in the available ring (without notifying). */
    public void publish(Q q, int head) {
        ram.write16(q.avail + 4 + 2 * (q.availIdx % q.size), head);
        q.availIdx = (q.availIdx + 1) & 0xFFFF;
        ram.write16(q.avail + 2, q.availIdx);
    }

    /**
     * Adds a chain (direct, or through one indirect table when {@link #useIndirect}) and publishes
     * it; returns its head. Descriptors come from a simple rotating allocator: the tests never keep
     * more than a queue's worth in flight.
     */
    public int add(Q q, Buf... bufs) {
        int head = q.freeHead;
        if (useIndirect) {
            int table = alloc(16 * bufs.length, 16);
            for (int i = 0; i < bufs.length; i++) {
                int d = table + 16 * i;
                ram.write64(d, bufs[i].addr & 0xFFFF_FFFFL);
                ram.write32(d + 8, bufs[i].len);
                ram.write16(d + 12, (bufs[i].writable ? 2 : 0) | (i + 1 < bufs.length ? 1 : 0));
                ram.write16(d + 14, i + 1);
            }
            desc(q, head, table, 16 * bufs.length, 4, 0);
            q.freeHead = (head + 1) % q.size;
        } else {
            int i = head;
            for (int k = 0; k < bufs.length; k++) {
                int n = (i + 1) % q.size;
                desc(q, i, bufs[k].addr & 0xFFFF_FFFFL, bufs[k].len, (bufs[k].writable ? 2 : 0)
                        | (k + 1 < bufs.length ? 1 : 0), n);
                i = n;
            }
            q.freeHead = i;
        }
        publish(q, head);
        return head;
    }

    public void kick(Q q) {
        reg(VirtioMmio.REG_QUEUE_NOTIFY, q.index);
    }

    /** Takes the used entries published since the last call; re-arms used_event; acks the IRQ. */
    public List<Used> used(Q q) {
        List<Used> out = new ArrayList<>();
        int idx = ram.read16(q.used + 2);
        while (q.lastUsed != idx) {
            int e = q.used + 4 + 8 * (q.lastUsed % q.size);
            out.add(new Used(ram.read32(e), ram.read32(e + 4)));
            q.lastUsed = (q.lastUsed + 1) & 0xFFFF;
        }
        ram.write16(q.avail + 4 + 2 * q.size, q.lastUsed);   // used_event: interrupt at the next one
        int isr = reg(VirtioMmio.REG_INTERRUPT_STATUS);
        reg(VirtioMmio.REG_INTERRUPT_ACK, isr);
        return out;
    }

    /** Polls the device until {@code n} used entries arrived (or fails after two seconds). */
    public List<Used> await(Q q, int n) {
        List<Used> got = new ArrayList<>();
        long end = System.nanoTime() + 2_000_000_000L;
        while (true) {
            dev.poll();
            got.addAll(used(q));
            if (got.size() >= n) {
                return got;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("waited for " + n + " used buffers, got " + got.size());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        }
    }

    public boolean needsReset() {
        return (reg(VirtioMmio.REG_STATUS) & VirtioFeatures.STATUS_NEEDS_RESET) != 0;
    }
}
