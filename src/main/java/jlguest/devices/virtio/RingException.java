package jlguest.devices.virtio;

/**
 * The guest broke the virtqueue protocol: a descriptor outside RAM, a loop, a bad index. The
 * transport answers by setting DEVICE_NEEDS_RESET; the emulator itself carries on.
 */
public final class RingException extends Exception {
    private static final long serialVersionUID = 1L;

    public RingException(String message) {
        super(message, null, false, false);
    }
}
