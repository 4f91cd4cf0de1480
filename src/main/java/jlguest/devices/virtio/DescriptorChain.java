package jlguest.devices.virtio;

import java.util.Arrays;

import jlguest.bus.Ram;

/**
 * One request from the guest: the buffers a chain of descriptors names, already checked.
 *
 * <p>tour:virtio:040 By the time a device sees a chain, {@link Virtqueue#pop()} has followed every
 * NEXT link and indirect table, checked every address against RAM and put the device-readable
 * segments before the device-writable ones. The device then sees two byte streams: what the
 * driver wrote (a block request's header and data, a network frame) and where the device may
 * answer (read data, a status byte, a received frame). Stream offsets hide how the driver cut its
 * buffers into descriptors, which virtio 1.x lets it do freely. Every write goes through
 * {@link Ram#load}, so the CPU's decoded-code cache hears about DMA into code pages.
 */
public final class DescriptorChain {
    private final Ram ram;
    private final int head;
    private int[] addrs = new int[4];
    private int[] lens = new int[4];
    private int count;
    private int firstWritable = -1;
    private long readable;
    private long writable;

    DescriptorChain(Ram ram, int head) {
        this.ram = ram;
        this.head = head;
    }

    /** Appends a checked segment; readable ones must come before writable ones. */
    void add(int addr, int len, boolean deviceWritable) throws RingException {
        if (!deviceWritable && firstWritable >= 0) {
            throw new RingException("device-readable descriptor after a device-writable one in chain " + head);
        }
        if (count == addrs.length) {
            addrs = Arrays.copyOf(addrs, count * 2);
            lens = Arrays.copyOf(lens, count * 2);
        }
        if (deviceWritable && firstWritable < 0) {
            firstWritable = count;
        }
        addrs[count] = addr;
        lens[count] = len;
        count++;
        if (deviceWritable) {
            writable += len;
        } else {
            readable += len;
        }
    }

    /** The descriptor index the used ring must return. */
    public int head() {
        return head;
    }

    /** Number of segments (descriptors with data), for the monitor. */
    public int segments() {
        return count;
    }

    /** Total bytes the device may read. */
    public long readableLength() {
        return readable;
    }

    /** Total bytes the device may write. */
    public long writableLength() {
        return writable;
    }

    private int readableCount() {
        return firstWritable < 0 ? count : firstWritable;
    }

    /**
     * Copies up to {@code len} bytes of the readable stream, starting at stream offset {@code from},
     * into {@code dst}; returns how many bytes were copied (fewer at the end of the stream).
     */
    public int read(long from, byte[] dst, int dstOff, int len) {
        int done = 0;
        long pos = 0;
        for (int i = 0, n = readableCount(); i < n && done < len; i++) {
            long end = pos + lens[i];
            if (from + done < end) {
                int skip = (int) (from + done - pos);
                int chunk = Math.min(lens[i] - skip, len - done);
                System.arraycopy(ram.bytes, addrs[i] + skip, dst, dstOff + done, chunk);
                done += chunk;
            }
            pos = end;
        }
        return done;
    }

    /**
     * Copies {@code len} bytes of {@code src} into the writable stream at stream offset {@code from};
     * returns how many bytes fit.
     */
    public int write(long from, byte[] src, int srcOff, int len) {
        int done = 0;
        long pos = 0;
        for (int i = readableCount(); i < count && done < len; i++) {
            long end = pos + lens[i];
            if (from + done < end) {
                int skip = (int) (from + done - pos);
                int chunk = Math.min(lens[i] - skip, len - done);
                ram.load(addrs[i] + skip, src, srcOff + done, chunk);
                done += chunk;
            }
            pos = end;
        }
        return done;
    }

    /** Writes one byte at the end of the writable stream (a block request's status). */
    public void writeLastByte(int value) {
        if (writable > 0) {
            write(writable - 1, new byte[] {(byte) value}, 0, 1);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("head ").append(head).append(':');
        for (int i = 0; i < count; i++) {
            sb.append(String.format(" %s%08x+%d", i >= readableCount() ? "W" : "R", addrs[i], lens[i]));
        }
        return sb.toString();
    }
}
