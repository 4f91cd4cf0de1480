package jlguest.boot;

import jlguest.bus.Ram;

/** An initial RAM disk (Linux) or boot module (multiboot): bytes the kernel finds in RAM at boot. */
public record Initrd(byte[] bytes, String name) {
    public long size() {
        return bytes.length;
    }

    /**
     * Copies the initrd to the highest page-aligned address where it ends at or below {@code limit},
     * and checks that it stays clear of the kernel, which ends at {@code kernelEnd}.
     *
     * @return the physical address it was placed at
     */
    public long placeBelow(Ram ram, long limit, long kernelEnd) throws BootException {
        if (bytes.length == 0) {
            throw new BootException(name + ": the initrd is empty");
        }
        long start = (limit - bytes.length) & ~0xFFFL;
        if (start < kernelEnd || start < GuestLayout.HIGH_MEMORY) {
            throw new BootException(String.format("%s: the initrd (%.1f MiB) does not fit in a %d MiB guest above the kernel",
                    name, bytes.length / 1048576.0, ram.size() >> 20));
        }
        ram.load((int) start, bytes, 0, bytes.length);
        return start;
    }
}
