package jlguest.devices.legacy;

/**
 * The hand-over point between the console's reader thread and the UART on the CPU thread: a
 * bounded single-consumer byte ring.
 *
 * <p>tour:devices:060 Keystrokes (or a piped file) arrive on a host thread, but the UART lives on
 * the CPU thread and must never wait for a lock. The producer copies bytes into the ring and then
 * publishes the new tail with a volatile write; the consumer reads the tail (volatile read), takes
 * bytes, and publishes its head. The Java memory model makes the bytes visible in that order, so
 * no lock is needed on the consumer side. Producers serialize among themselves only. When the ring
 * is full the producer is told how much it took, and keeps the rest: a guest that reads slowly
 * slows the pipe down instead of losing input.
 */
final class SerialInputQueue {
    private final byte[] ring;
    private final int mask;
    /** Next byte to take; written by the consumer only. */
    private volatile int head;
    /** Next free slot; written by producers only, under {@link #producerLock}. */
    private volatile int tail;
    private final Object producerLock = new Object();

    /** A ring of {@code capacity} bytes, a power of two. */
    SerialInputQueue(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        ring = new byte[capacity];
        mask = capacity - 1;
    }

    /** Any thread: copies as many bytes as fit, returns how many. */
    int offer(byte[] b, int off, int len) {
        synchronized (producerLock) {
            int t = tail;
            int free = ring.length - (t - head);
            int n = Math.min(free, len);
            for (int i = 0; i < n; i++) {
                ring[(t + i) & mask] = b[off + i];
            }
            tail = t + n;
            return n;
        }
    }

    /** Consumer thread only: the next byte (0..255), or -1 if the ring is empty. */
    int take() {
        int h = head;
        if (h == tail) {
            return -1;
        }
        int v = ring[h & mask] & 0xFF;
        head = h + 1;
        return v;
    }

    /** How many bytes wait (a snapshot). */
    int size() {
        return tail - head;
    }

    int capacity() {
        return ring.length;
    }
}
