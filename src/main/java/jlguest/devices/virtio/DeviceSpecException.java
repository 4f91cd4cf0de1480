package jlguest.devices.virtio;

/**
 * A {@code --block} or {@code --net} the launcher cannot honour: a bad spec, a missing file, a
 * busy port. The message is one sentence for the user; the launcher prints it and exits with 2.
 */
public final class DeviceSpecException extends Exception {
    private static final long serialVersionUID = 1L;

    public DeviceSpecException(String message) {
        super(message, null, false, false);
    }
}
