package jlguest.bus;

/**
 * A device on the I/O port bus. It sees the absolute port number and the access size in bytes
 * (1, 2 or 4); it never knows how it was wired.
 */
public interface PortDevice {
    /** Reads {@code size} bytes at {@code port}; the result's unused high bits are ignored. */
    int in(int port, int size);

    /** Writes the low {@code size} bytes of {@code value} to {@code port}. */
    void out(int port, int size, int value);
}
