package jlguest.devices.virtio;

import java.util.SplittableRandom;

import jlguest.bus.Ram;

/**
 * A hostile virtio driver for the fuzz harnesses: it speaks the virtio-mmio protocol well enough
 * to get queues running most of the time, then does random things to them (as QEMU's OSS-Fuzz
 * virtio targets do): random queue sizes and ring addresses (inside RAM, at its edge, past 2^32,
 * near 2^63), random descriptors (addresses, lengths, flags, next links, indirect tables, loops),
 * random available indices, kicks on any queue, random register writes and status changes. The
 * harness asks the device-specific {@link Filler} to write plausible payloads (block headers,
 * frames) so that chains reach the device's own code, not just the ring checks.
 */
public final class RandomDriver {
    /** Writes device-specific content at a guest address (a block header, a frame header). */
    public interface Filler {
        void fill(Ram ram, int addr, int len, SplittableRandom r);
    }

    private final Ram ram;
    private final VirtioMmio dev;
    private final SplittableRandom r;
    private final Filler filler;
    private final int queues;
    private final int[] desc;
    private final int[] avail;
    private final int[] used;
    private final int[] size;
    private final int[] availIdx;
    /** Register writes and kicks made, for the harness's report. */
    public long operations;

    public RandomDriver(Ram ram, VirtioMmio dev, int queues, SplittableRandom r, Filler filler) {
        this.ram = ram;
        this.dev = dev;
        this.r = r;
        this.filler = filler;
        this.queues = queues;
        desc = new int[queues];
        avail = new int[queues];
        used = new int[queues];
        size = new int[queues];
        availIdx = new int[queues];
    }

    private void reg(int off, int v) {
        operations++;
        dev.write(off, 4, v);
    }

    /** An address: mostly inside RAM, sometimes at its end or far outside (64-bit). */
    long address(int len) {
        int ramSize = ram.size();
        return switch (r.nextInt(12)) {
            case 0 -> 0x7FFF_FFFF_FFFF_FFFFL - r.nextInt(r.nextBoolean() ? 16 : 0x10000);
            case 1 -> -1L - r.nextInt(0x10000);
            case 2 -> 0xFFFF_FFFFL - r.nextInt(0x10000);
            case 3 -> ramSize - r.nextInt(Math.max(1, Math.min(len, 64) + 1));
            case 4 -> r.nextLong();
            case 5 -> (long) ramSize + r.nextInt(0x1000);
            default -> r.nextInt(Math.max(1, ramSize - Math.max(0, Math.min(len, ramSize - 1))));
        };
    }

    /** A length: mostly small, sometimes 0, huge or 0xFFFFFFFF. */
    int length() {
        return switch (r.nextInt(10)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> r.nextInt();
            case 3 -> 16 << 20;
            case 4 -> 1 + r.nextInt(16);
            case 5 -> 512 * (1 + r.nextInt(8));
            default -> 1 + r.nextInt(2048);
        };
    }

    /** The probe, mostly by the book: features (random), queues (random layouts), DRIVER_OK. */
    public void start() {
        reg(VirtioMmio.REG_STATUS, 0);
        reg(VirtioMmio.REG_STATUS, 3);
        long features = r.nextInt(8) == 0 ? r.nextLong() : -1L;
        reg(VirtioMmio.REG_DRIVER_FEATURES_SEL, 1);
        reg(VirtioMmio.REG_DRIVER_FEATURES, (int) (features >>> 32) & 1 | (r.nextInt(8) == 0 ? r.nextInt() : 0));
        reg(VirtioMmio.REG_DRIVER_FEATURES_SEL, 0);
        dev.write(VirtioMmio.REG_DEVICE_FEATURES_SEL, 4, 0);
        reg(VirtioMmio.REG_DRIVER_FEATURES, (int) features & dev.read(VirtioMmio.REG_DEVICE_FEATURES, 4));
        reg(VirtioMmio.REG_STATUS, 3 | VirtioFeatures.STATUS_FEATURES_OK);
        for (int q = 0; q < queues; q++) {
            setupQueue(q);
        }
        reg(VirtioMmio.REG_STATUS, 3 | VirtioFeatures.STATUS_FEATURES_OK | VirtioFeatures.STATUS_DRIVER_OK);
    }

    private void setupQueue(int q) {
        reg(VirtioMmio.REG_QUEUE_SEL, q);
        int max = Math.max(1, dev.read(VirtioMmio.REG_QUEUE_NUM_MAX, 4));
        int n = switch (r.nextInt(10)) {
            case 0 -> r.nextInt();
            case 1 -> 1 + r.nextInt(max + 2);
            default -> 1 << r.nextInt(Integer.numberOfTrailingZeros(max) + 1);
        };
        size[q] = n;
        int s = Math.max(1, Math.min(n, max));
        long d = r.nextInt(10) == 0 ? address(16 * s) : placed(16 * s, 16);
        long a = r.nextInt(10) == 0 ? address(6 + 2 * s) : placed(6 + 2 * s, 2);
        long u = r.nextInt(10) == 0 ? address(6 + 8 * s) : placed(6 + 8 * s, 4);
        desc[q] = (int) d;
        avail[q] = (int) a;
        used[q] = (int) u;
        availIdx[q] = 0;
        reg(VirtioMmio.REG_QUEUE_NUM, n);
        reg(VirtioMmio.REG_QUEUE_DESC_LOW, (int) d);
        reg(VirtioMmio.REG_QUEUE_DESC_HIGH, (int) (d >>> 32));
        reg(VirtioMmio.REG_QUEUE_DRIVER_LOW, (int) a);
        reg(VirtioMmio.REG_QUEUE_DRIVER_HIGH, (int) (a >>> 32));
        reg(VirtioMmio.REG_QUEUE_DEVICE_LOW, (int) u);
        reg(VirtioMmio.REG_QUEUE_DEVICE_HIGH, (int) (u >>> 32));
        if (ram.contains(a, 6 + 2L * s)) {
            ram.zero((int) a, 6 + 2 * s);
        }
        reg(VirtioMmio.REG_QUEUE_READY, r.nextInt(20) == 0 ? r.nextInt() : 1);
    }

    /** An aligned place inside RAM (rings may overlap each other and the data: the guest's choice). */
    private long placed(int len, int align) {
        return (long) r.nextInt(Math.max(1, ram.size() - len)) & -align;
    }

    private int queue() {
        return r.nextInt(queues);
    }

    /** One random step. */
    public void step() {
        int q = queue();
        int s = Math.max(1, Math.min(size[q], 1 << 16));
        switch (r.nextInt(20)) {
            case 0, 1, 2, 3, 4 -> chain(q, s);
            case 5, 6 -> kick(q);
            case 7 -> randomDescriptor(q, s);
            case 8 -> bumpAvail(q, s);
            case 9 -> indirect(q, s);
            case 10 -> reg(register(), r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(512));
            case 11 -> dev.read(r.nextBoolean() ? register() : r.nextInt(0x1000), r.nextBoolean() ? 4 : 1 << r.nextInt(3));
            case 12 -> reg(VirtioMmio.REG_INTERRUPT_ACK, r.nextInt(4));
            case 13 -> {
                if (r.nextInt(8) == 0) {
                    start();   // reset and a new layout
                }
            }
            case 14 -> reg(VirtioMmio.REG_QUEUE_NOTIFY, r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(4));
            case 15 -> scribble();
            default -> dev.poll();
        }
    }

    private static final int[] REGISTERS = {VirtioMmio.REG_DEVICE_FEATURES_SEL, VirtioMmio.REG_DRIVER_FEATURES_SEL,
        VirtioMmio.REG_DRIVER_FEATURES, VirtioMmio.REG_QUEUE_SEL, VirtioMmio.REG_QUEUE_NUM, VirtioMmio.REG_QUEUE_READY,
        VirtioMmio.REG_QUEUE_NOTIFY, VirtioMmio.REG_STATUS, VirtioMmio.REG_QUEUE_DESC_LOW, VirtioMmio.REG_QUEUE_DESC_HIGH,
        VirtioMmio.REG_QUEUE_DRIVER_LOW, VirtioMmio.REG_QUEUE_DRIVER_HIGH, VirtioMmio.REG_QUEUE_DEVICE_LOW,
        VirtioMmio.REG_QUEUE_DEVICE_HIGH};

    /** A register offset: mostly one the transport knows, sometimes any word of the window. */
    private int register() {
        return r.nextInt(4) == 0 ? r.nextInt(0x400) * 4 : REGISTERS[r.nextInt(REGISTERS.length)];
    }

    private void kick(int q) {
        reg(VirtioMmio.REG_QUEUE_NOTIFY, q);
    }

    private boolean writable(long addr, int len) {
        return ram.contains(addr, len);
    }

    private void descriptor(int table, int i, long addr, int len, int flags, int next) {
        int d = table + 16 * i;
        if (writable(table + 16L * i, 16) && table >= 0) {
            ram.write64(d, addr);
            ram.write32(d + 8, len);
            ram.write16(d + 12, flags);
            ram.write16(d + 14, next);
        }
    }

    /** A plausible chain: header, data, status, perturbed now and then. */
    private void chain(int q, int s) {
        int head = r.nextInt(s);
        int parts = 1 + r.nextInt(4);
        int i = head;
        for (int k = 0; k < parts; k++) {
            int len = r.nextInt(6) == 0 ? length() : (k == 0 ? 16 : k == parts - 1 ? 1 : 512 * (1 + r.nextInt(4)));
            long addr = r.nextInt(12) == 0 ? address(len) : placed(Math.max(1, Math.min(len, ram.size() - 1)), 1);
            if (k == 0 && ram.contains(addr, 16)) {
                filler.fill(ram, (int) addr, 16, r);
            }
            boolean w = k > 0 && (k == parts - 1 || r.nextBoolean());
            int next = r.nextInt(10) == 0 ? r.nextInt(1 << 16) : (i + 1 + r.nextInt(2)) % s;
            int flags = (w ? 2 : 0) | (k + 1 < parts ? 1 : 0) | (r.nextInt(30) == 0 ? 4 : 0);
            descriptor(desc[q], i, addr, len, flags, next);
            i = next % s;
        }
        publish(q, s, head);
    }

    private void indirect(int q, int s) {
        int entries = 1 + r.nextInt(6);
        long table = r.nextInt(8) == 0 ? address(16 * entries) : placed(16 * entries, 16);
        for (int k = 0; k < entries && ram.contains(table, 16L * entries); k++) {
            int len = k == 0 ? 16 : r.nextInt(4) == 0 ? length() : 1 + r.nextInt(4096);
            long addr = r.nextInt(10) == 0 ? address(len) : placed(Math.max(1, Math.min(len, ram.size() - 1)), 1);
            if (k == 0 && ram.contains(addr, 16)) {
                filler.fill(ram, (int) addr, 16, r);
            }
            int flags = (k > 0 && r.nextInt(3) > 0 ? 2 : 0) | (k + 1 < entries ? 1 : 0) | (r.nextInt(20) == 0 ? 4 : 0);
            descriptor((int) table, k, addr, len, flags, r.nextInt(10) == 0 ? r.nextInt(1 << 16) : k + 1);
        }
        int head = r.nextInt(s);
        int len = r.nextInt(8) == 0 ? length() : 16 * entries;
        descriptor(desc[q], head, table, len, 4 | (r.nextInt(10) == 0 ? 1 : 0), r.nextInt(s));
        publish(q, s, head);
    }

    private void randomDescriptor(int q, int s) {
        descriptor(desc[q], r.nextInt(s), address(64), length(), r.nextInt(8), r.nextInt(r.nextBoolean() ? s : 1 << 16));
    }

    private void publish(int q, int s, int head) {
        long a = avail[q] & 0xFFFF_FFFFL;
        if (ram.contains(a, 6 + 2L * s)) {
            ram.write16((int) a + 4 + 2 * (availIdx[q] % s), r.nextInt(16) == 0 ? r.nextInt(1 << 16) : head);
            availIdx[q] = (availIdx[q] + 1) & 0xFFFF;
            ram.write16((int) a + 2, availIdx[q]);
            if (r.nextInt(3) == 0) {
                ram.write16((int) a + 4 + 2 * s, r.nextInt(1 << 16));   // used_event
            }
        }
        if (r.nextBoolean()) {
            kick(q);
        }
    }

    private void bumpAvail(int q, int s) {
        long a = avail[q] & 0xFFFF_FFFFL;
        if (ram.contains(a, 4)) {
            availIdx[q] = (availIdx[q] + (r.nextBoolean() ? r.nextInt(s + 2) : r.nextInt(1 << 16))) & 0xFFFF;
            ram.write16((int) a + 2, availIdx[q]);
        }
    }

    /** Random bytes anywhere in RAM, rings included. */
    private void scribble() {
        int n = 1 + r.nextInt(64);
        int at = r.nextInt(ram.size() - n);
        for (int k = 0; k < n; k++) {
            ram.write8(at + k, r.nextInt(256));
        }
    }
}
