package jlguest.machine;

import java.nio.file.Path;

/**
 * One {@code --block} disk, as the user asked for it: an image file, whether the guest may write
 * to it, the serial number the guest reads (virtio-blk's GET_ID, at most 20 bytes), and whether
 * the guest's writes go to a copy-on-write overlay that vanishes at exit ({@code ,snapshot}).
 */
public record DiskConfig(Path file, boolean readOnly, String serial, boolean overlay) {
    /** A disk written in place (or read-only). */
    public DiskConfig(Path file, boolean readOnly, String serial) {
        this(file, readOnly, serial, false);
    }

    /** The serial a disk gets when none is given: the last 20 characters of its file name. */
    public static String defaultSerial(Path file) {
        String n = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        return n.length() > 20 ? n.substring(n.length() - 20) : n;
    }
}
