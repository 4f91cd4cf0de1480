package jlguest.bus;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Guest RAM: one flat byte array, guest physical address 0 at index 0.
 *
 * <p>tour:bus:010 The guest's memory is the simplest thing in the machine and the hottest: every
 * instruction fetch, every stack push and every virtio descriptor read ends here. It is a single
 * {@code byte[]} read and written through little-endian VarHandle views, which HotSpot compiles to
 * plain loads and stores (no ByteBuffer, no bounds beyond the array's own). The legacy hole at
 * 0x9FC00..0x100000 is still backed by the array: e820 tells the guest not to use it, and nothing
 * else is behind it since we have no BIOS.
 */
public final class Ram {
    private static final VarHandle LE16 =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE32 =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE64 =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The bytes themselves; the CPU's TLB fast path indexes this array directly. */
    public final byte[] bytes;

    /**
     * One byte per 4 KiB page: non-zero when writes to that page must be reported to the
     * {@link WriteWatcher} (the CPU marks pages holding decoded code). tour:bus:015 Devices that
     * DMA into guest RAM must write through the methods of this class (or call
     * {@link #written(int, int)} after touching {@link #bytes} directly), so that a kernel loading
     * code by DMA never runs stale decoded instructions.
     */
    public final byte[] watched;
    private WriteWatcher watcher;

    /** Told about writes to watched pages; the CPU uses it to drop stale decoded code. */
    public interface WriteWatcher {
        void written(int addr, int length);
    }

    public Ram(int size) {
        if (size <= 0 || (size & 0xFFF) != 0) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB: " + size);
        }
        this.bytes = new byte[size];
        this.watched = new byte[size >>> 12];
    }

    public void setWriteWatcher(WriteWatcher w) {
        this.watcher = w;
    }

    /** Reports a write of {@code length} bytes at {@code addr} if it touched a watched page. */
    public void written(int addr, int length) {
        if (length <= 0 || watcher == null) {
            return;
        }
        int last = (addr + length - 1) >>> 12;
        for (int p = addr >>> 12; p <= last && p < watched.length; p++) {
            if (watched[p] != 0) {
                watcher.written(addr, length);
                return;
            }
        }
    }

    private void check(int addr, int length) {
        if (watched[addr >>> 12] != 0 || watched[(addr + length - 1) >>> 12] != 0) {
            watcher.written(addr, length);
        }
    }

    /**
     * Back to power-on: every byte zero, no page watched, no watcher (the next CPU sets its own).
     * A reboot reuses the array this way instead of allocating a second one while the first is
     * still referenced, which a large guest's heap could not hold (issue 17).
     */
    public void clear() {
        java.util.Arrays.fill(bytes, (byte) 0);
        java.util.Arrays.fill(watched, (byte) 0);
        watcher = null;
    }

    /** Size in bytes. */
    public int size() {
        return bytes.length;
    }

    /**
     * True when [addr, addr+len) lies wholly inside RAM. Both come from the guest (64-bit virtio
     * addresses, 32-bit lengths), so the sum is never formed: {@code addr + len} wraps for addresses
     * near 2^63 and would pass. Subtracting from the bound cannot overflow.
     */
    public boolean contains(long addr, long len) {
        return addr >= 0 && len >= 0 && len <= bytes.length && addr <= bytes.length - len;
    }

    public int read8(int addr) {
        return bytes[addr] & 0xFF;
    }

    public int read16(int addr) {
        return (short) LE16.get(bytes, addr) & 0xFFFF;
    }

    public int read32(int addr) {
        return (int) LE32.get(bytes, addr);
    }

    public long read64(int addr) {
        return (long) LE64.get(bytes, addr);
    }

    public void write8(int addr, int value) {
        bytes[addr] = (byte) value;
        if (watched[addr >>> 12] != 0) {
            watcher.written(addr, 1);
        }
    }

    public void write16(int addr, int value) {
        LE16.set(bytes, addr, (short) value);
        check(addr, 2);
    }

    public void write32(int addr, int value) {
        LE32.set(bytes, addr, value);
        check(addr, 4);
    }

    public void write64(int addr, long value) {
        LE64.set(bytes, addr, value);
        check(addr, 8);
    }

    /** Copies host bytes into guest RAM (used by loaders and devices; the caller checks the range). */
    public void load(int addr, byte[] src, int srcOffset, int length) {
        System.arraycopy(src, srcOffset, bytes, addr, length);
        written(addr, length);
    }

    /** Zeroes a range, as loaders do for an ELF segment's .bss part. */
    public void zero(int addr, int length) {
        java.util.Arrays.fill(bytes, addr, addr + length, (byte) 0);
        written(addr, length);
    }

    /** Reads a NUL-terminated string of at most {@code max} bytes (for diagnostics and hypercalls). */
    public String readCString(int addr, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < max && contains(addr + (long) i, 1); i++) {
            int c = bytes[addr + i] & 0xFF;
            if (c == 0) {
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }
}
