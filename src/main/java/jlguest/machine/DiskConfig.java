package jlguest.machine;

import java.nio.file.Path;

/**
 * One {@code --block} disk, as the user asked for it: an image file, whether the guest may write
 * to it, and the serial number the guest reads (virtio-blk's GET_ID, at most 20 bytes).
 */
public record DiskConfig(Path file, boolean readOnly, String serial) {
    /** The serial a disk gets when none is given: the last 20 characters of its file name. */
    public static String defaultSerial(Path file) {
        String n = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        return n.length() > 20 ? n.substring(n.length() - 20) : n;
    }
}
