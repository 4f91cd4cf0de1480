package jlguest.bus;

/**
 * A device mapped into the guest-physical address space (virtio-mmio). It sees offsets inside its
 * own window and access sizes of 1, 2 or 4 bytes.
 */
public interface MmioDevice {
    int read(int offset, int size);

    void write(int offset, int size, int value);
}
