package jlguest.devices.virtio;

/** A one-queue test device: copies each chain's readable bytes into its writable bytes. */
final class EchoDevice implements VirtioDevice {
    VirtioMmio t;
    int resets;
    final byte[] config = {1, 2, 3, 4, 5, 6, 7, 8};

    @Override
    public VirtioDeviceInfo info() {
        return new VirtioDeviceInfo(42, VirtioFeatures.bit(VirtioFeatures.RING_INDIRECT_DESC)
                | VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX) | VirtioFeatures.bit(3), 1, 16, new String[0]);
    }

    @Override
    public byte[] config() {
        return config;
    }

    @Override
    public void attach(VirtioMmio transport) {
        t = transport;
    }

    @Override
    public void queueNotified(int queue) throws RingException {
        Virtqueue q = t.queue(queue);
        DescriptorChain c;
        while ((c = q.pop()) != null) {
            byte[] b = new byte[(int) c.readableLength()];
            c.read(0, b, 0, b.length);
            q.push(c.head(), c.write(0, b, 0, b.length));
        }
        t.usedBuffers(q);
    }

    @Override
    public void poll() {
    }

    @Override
    public void reset() {
        resets++;
    }

    @Override
    public void close() {
    }

    @Override
    public String describe() {
        return "echo\n";
    }

}
