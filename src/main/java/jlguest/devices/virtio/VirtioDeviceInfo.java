package jlguest.devices.virtio;

/**
 * What a virtio device is, as the transport asks it once: its ID (1 network, 2 block, 4 entropy),
 * the device-specific and ring feature bits it offers (the transport adds VERSION_1), how many
 * virtqueues it has and how large each may be, and names for its feature bits (indexed by bit,
 * for the monitor).
 */
public record VirtioDeviceInfo(int deviceId, long features, int queueCount, int queueMaxSize,
                               String[] featureNames) {
}
