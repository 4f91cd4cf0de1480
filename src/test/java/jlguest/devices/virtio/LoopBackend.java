package jlguest.devices.virtio;

import java.util.ArrayList;
import java.util.List;

import jlguest.devices.virtio.net.NetBackend;

/** A network backend in memory: remembers what the guest sent, injects frames on request. */
public final class LoopBackend implements NetBackend {
    public final List<byte[]> sent = new ArrayList<>();
    private Sink sink;

    @Override
    public void start(Sink s) {
        this.sink = s;
    }

    /** Hands {@code frame} to the device as if it came from the network. */
    public void inject(byte[] frame) {
        sink.frame(frame, frame.length);
    }

    @Override
    public void send(byte[] frame, int offset, int length) {
        if (sent.size() < 1024) {
            sent.add(java.util.Arrays.copyOfRange(frame, offset, offset + length));
        }
    }

    @Override
    public boolean linkUp() {
        return true;
    }

    @Override
    public String describe() {
        return "loop";
    }

    @Override
    public void close() {
    }
}
