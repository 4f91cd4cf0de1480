package jlguest.bus;

import java.util.ArrayList;
import java.util.List;

/**
 * The guest-physical address space: RAM from 0, MMIO windows above it, and nothing elsewhere.
 *
 * <p>tour:bus:030 The CPU's TLB points straight into {@link Ram} for RAM pages; this class is the
 * slow path for everything else. An address that is neither RAM nor a device reads all ones and
 * swallows writes, as an empty bus does on real hardware. Addresses are unsigned 32-bit values
 * carried in a Java int.
 */
public final class PhysicalBus {
    private record Window(int base, int size, MmioDevice device) {
        boolean contains(int addr) {
            return Integer.compareUnsigned(addr - base, size) < 0;
        }
    }

    private final Ram ram;
    private final List<Window> windows = new ArrayList<>();
    private volatile BusObserver observer;

    /** Reports every access that is not RAM to {@code observer} (null: none, the normal case). */
    public void setObserver(BusObserver observer) {
        this.observer = observer;
    }

    public PhysicalBus(Ram ram) {
        this.ram = ram;
    }

    public Ram ram() {
        return ram;
    }

    /** Maps {@code device} at [base, base+size). Windows must not overlap RAM or each other. */
    public void map(int base, int size, MmioDevice device) {
        long start = base & 0xFFFF_FFFFL;
        long end = start + size;   // exclusive; as longs, so a window at the top of 4 GiB cannot wrap
        if (size <= 0 || end > 1L << 32) {
            throw new IllegalArgumentException(String.format("MMIO window 0x%x+0x%x leaves the 4 GiB space", base, size));
        }
        if (start < ram.size()) {
            throw new IllegalArgumentException(String.format("MMIO window 0x%x overlaps RAM", base));
        }
        for (Window w : windows) {
            long wStart = w.base() & 0xFFFF_FFFFL;
            // Two half-open intervals overlap when each starts before the other ends: this
            // catches a new window inside an old one, around it, or across either edge.
            if (start < wStart + w.size() && wStart < end) {
                throw new IllegalArgumentException(String.format("MMIO window 0x%x+0x%x overlaps 0x%x+0x%x",
                        base, size, w.base(), w.size()));
            }
        }
        windows.add(new Window(base, size, device));
    }

    /** True when the physical page holding {@code addr} is ordinary RAM. */
    public boolean isRam(int addr) {
        return Integer.compareUnsigned(addr, ram.size()) < 0;
    }

    private Window find(int addr) {
        for (Window w : windows) {
            if (w.contains(addr)) {
                return w;
            }
        }
        return null;
    }

    /** Reads {@code size} (1, 2, 4) bytes at a physical address that may be RAM, MMIO or nothing. */
    public int read(int addr, int size) {
        if (isRam(addr) && isRam(addr + size - 1)) {
            return switch (size) {
                case 1 -> ram.read8(addr);
                case 2 -> ram.read16(addr);
                default -> ram.read32(addr);
            };
        }
        Window w = find(addr);
        int v = 0;
        if (w != null) {
            v = w.device.read(addr - w.base, size);
        } else {
            for (int i = 0; i < size; i++) {   // straddles the end of RAM, or empty space
                int a = addr + i;
                v |= (isRam(a) ? ram.read8(a) : 0xFF) << (8 * i);
            }
        }
        BusObserver o = observer;
        if (o != null) {
            o.access(addr, size, false, v);
        }
        return v;
    }

    /** Writes {@code size} (1, 2, 4) bytes at a physical address that may be RAM, MMIO or nothing. */
    public void write(int addr, int size, int value) {
        if (isRam(addr) && isRam(addr + size - 1)) {
            switch (size) {
                case 1 -> ram.write8(addr, value);
                case 2 -> ram.write16(addr, value);
                default -> ram.write32(addr, value);
            }
            return;
        }
        BusObserver o = observer;
        if (o != null) {
            o.access(addr, size, true, value);
        }
        Window w = find(addr);
        if (w != null) {
            w.device.write(addr - w.base, size, value);
            return;
        }
        for (int i = 0; i < size; i++) {
            int a = addr + i;
            if (isRam(a)) {
                ram.write8(a, value >>> (8 * i));
            }
        }
    }
}
