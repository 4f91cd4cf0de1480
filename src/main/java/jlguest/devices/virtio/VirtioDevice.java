package jlguest.devices.virtio;

/**
 * The device half of a virtio device: what makes a block device a block device. The transport
 * ({@link VirtioMmio}) owns registers, feature negotiation, queues and the interrupt line, and calls
 * in here on the CPU thread.
 */
public interface VirtioDevice {
    /** Its ID, features and queues: constant for the device's life. */
    VirtioDeviceInfo info();

    /** The device configuration space as it is now (read by the transport at 0x100+). */
    byte[] config();

    /** Called once by the transport that carries this device, before anything else. */
    void attach(VirtioMmio transport);

    /** The driver set DRIVER_OK, or notified queue {@code queue} (only after DRIVER_OK). */
    void queueNotified(int queue) throws RingException;

    /**
     * The CPU thread's regular visit: finish host I/O that completed since the last call. Called
     * in every state; a device that is not {@link VirtioMmio#live()} must only drop work.
     */
    void poll() throws RingException;

    /** The driver wrote 0 to Status: forget every request in flight (host resources stay open). */
    void reset();

    /** Where to signal, from host threads, that I/O completed and {@link #poll} has work. */
    default void setWakeup(Runnable wakeup) {
    }

    /**
     * True while requests are with host threads (a block device's I/O worker): a snapshot waits,
     * calling {@link #poll} meanwhile, until every one has completed into the rings.
     */
    default boolean busy() {
        return false;
    }

    /** Releases host resources (flush, unlock, close sockets); the device is dead afterwards. */
    void close();

    /** Device-specific lines for the monitor. */
    String describe();
}
