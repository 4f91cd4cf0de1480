package jlguest.devices.virtio.blk;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.BitSet;

import jlguest.devices.virtio.DeviceSpecException;

/**
 * A raw disk image on the host: a file of whole 512-byte sectors, opened once, locked, and read and
 * written at positions. Safe to use from the I/O worker thread (positional FileChannel calls are).
 *
 * <p>tour:virtio:210 Two emulators writing one disk image corrupt it, so we lock it as QEMU does,
 * with a byte-range lock: exclusive when we may write, shared when read-only. On Linux Java's
 * {@link FileChannel#tryLock} is an fcntl POSIX lock. It keeps out another jlguest, and QEMU too
 * (QEMU's OFD locks on its permission bytes meet our whole-file lock; docs/virtio.md has the
 * table, including the one gap: a read-only jlguest may open an image QEMU is writing).
 * It does not keep out programs that take no lock at all (dd, a loop mount, a text editor): the
 * locks are advisory. POSIX locks belong to the process and vanish when it exits, even if it is
 * killed; they also vanish if the process closes <em>any</em> descriptor of the file, so nothing
 * else in jlguest must open an image we hold. Inside one JVM, Java refuses overlapping locks
 * itself, which catches the same file given twice.
 */
public final class BlockImage implements AutoCloseable {
    public static final int SECTOR = 512;

    private final Path path;
    private final boolean readOnly;
    private final FileChannel channel;
    private final FileLock lock;
    private final long size;
    /** The copy-on-write overlay ({@code ,snapshot}): a deleted-on-close temporary file, or null. */
    private final FileChannel overlay;
    /** Sectors the guest wrote, which live in the overlay (guarded by this). */
    private final BitSet written;

    private BlockImage(Path path, boolean readOnly, FileChannel channel, FileLock lock, long size, FileChannel overlay) {
        this.path = path;
        this.readOnly = readOnly;
        this.channel = channel;
        this.lock = lock;
        this.size = size;
        this.overlay = overlay;
        this.written = overlay == null ? null : new BitSet();
    }

    /**
     * tour:snapshot:090 {@code --block=FILE,snapshot}, QEMU's {@code -snapshot}: the image is opened
     * read-only (and locked shared), and every sector the guest writes goes to an overlay, a
     * temporary file deleted when it is closed, with one bit per sector saying where a sector's
     * current contents are. Reads take each sector from the overlay or the image, in runs. The
     * image itself is never written, so its sha256 stays what it was; the guest sees its writes
     * until jlguest exits, and a machine snapshot carries the overlay's sectors, so a restore
     * starts from the same disk the guest saw.
     */
    public static BlockImage openOverlay(Path path) throws DeviceSpecException {
        BlockImage base = open(path, true);
        try {
            Path tmp = Files.createTempFile("jlguest-overlay-", ".img");
            FileChannel o = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.DELETE_ON_CLOSE);
            return new BlockImage(path, false, base.channel, base.lock, base.size, o);
        } catch (IOException e) {
            try {
                base.close();
            } catch (IOException ignored) {
                // the first error is the one to report
            }
            throw new DeviceSpecException("--block " + path + ",snapshot: cannot make the overlay: " + e.getMessage());
        }
    }

    /** True for a {@code ,snapshot} disk: writes go to an overlay, never to the image. */
    public boolean copyOnWrite() {
        return overlay != null;
    }

    /** Opens and locks {@code path}; every failure is one sentence naming the file. */
    public static BlockImage open(Path path, boolean readOnly) throws DeviceSpecException {
        String name = "--block " + path;
        checkKind(path, name);
        FileChannel ch;
        try {
            ch = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                    : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new DeviceSpecException(name + ": permission denied"
                    + (readOnly ? "" : " (add ,ro to use it read-only)"));
        } catch (NoSuchFileException e) {
            throw new DeviceSpecException(name + ": no such file");
        } catch (IOException | UnsupportedOperationException e) {
            throw new DeviceSpecException(name + ": cannot open: " + e.getMessage());
        }
        try {
            long size = ch.size();
            if (size % SECTOR != 0) {
                throw new DeviceSpecException(name + ": size " + size
                        + " bytes is not a multiple of 512, so it is no raw disk image");
            }
            FileLock lock;
            try {
                lock = ch.tryLock(0, Long.MAX_VALUE, readOnly);
            } catch (OverlappingFileLockException e) {
                throw new DeviceSpecException(name + ": the same image is given twice");
            }
            if (lock == null) {
                throw new DeviceSpecException(name + ": in use by another program (it holds a lock on the file)");
            }
            return new BlockImage(path, readOnly, ch, lock, size, null);
        } catch (DeviceSpecException e) {
            closeQuietly(ch);
            throw e;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new DeviceSpecException(name + ": cannot lock: " + e.getMessage());
        }
    }

    /** S_IFMT and S_IFBLK of st_mode, as the "unix:mode" attribute reports it. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    /**
     * A disk is a regular file or a block device; a directory, a character device ({@code /dev/null},
     * {@code /dev/zero}), a FIFO or a socket is refused by name, and so is a symbolic link loop.
     */
    private static void checkKind(Path path, String name) throws DeviceSpecException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new DeviceSpecException(name + ": no such file");
        } catch (FileSystemException e) {
            String r = e.getReason() == null ? e.getMessage() : e.getReason();
            throw new DeviceSpecException(name + ": "
                    + (r.startsWith("Too many levels of symbolic links") ? "Too many levels of symbolic links" : r));
        } catch (IOException e) {
            throw new DeviceSpecException(name + ": cannot open: " + e.getMessage());
        }
        if (a.isDirectory()) {
            throw new DeviceSpecException(name + ": is a directory, not a disk image");
        }
        if (a.isRegularFile()) {
            return;
        }
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            mode = 0;
        }
        if ((mode & S_IFMT) != S_IFBLK) {
            throw new DeviceSpecException(name + ": is neither a regular file nor a block device"
                    + " (a character device, a FIFO or a socket), so it is no disk image");
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing; the first error is the one the user needs
        }
    }

    public Path path() {
        return path;
    }

    public boolean readOnly() {
        return readOnly;
    }

    /** Size in bytes (a multiple of 512). */
    public long size() {
        return size;
    }

    /**
     * Reads exactly {@code len} bytes at {@code offset}; bytes past the end of the file read as 0.
     * With an overlay, offset and length are whole sectors (as virtio_blk asks).
     */
    public void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
        if (overlay == null) {
            readFrom(channel, offset, dst, dstOff, len);
            return;
        }
        synchronized (this) {
            for (int done = 0; done < len; ) {
                int sector = (int) ((offset + done) / SECTOR);
                boolean over = written.get(sector);
                int end = over ? written.nextClearBit(sector) : written.nextSetBit(sector);
                long runEnd = end < 0 ? Long.MAX_VALUE : (long) end * SECTOR;
                int n = (int) Math.min(len - done, runEnd - (offset + done));
                readFrom(over ? overlay : channel, offset + done, dst, dstOff + done, n);
                done += n;
            }
        }
    }

    private static void readFrom(FileChannel ch, long offset, byte[] dst, int dstOff, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(dst, dstOff, len);
        while (b.hasRemaining()) {
            int n = ch.read(b, offset + (b.position() - dstOff));
            if (n < 0) {
                java.util.Arrays.fill(dst, b.position(), dstOff + len, (byte) 0);
                return;
            }
        }
    }

    public void write(long offset, byte[] src, int srcOff, int len) throws IOException {
        if (readOnly) {
            throw new IOException("read-only image");
        }
        if (overlay == null) {
            writeTo(channel, offset, src, srcOff, len);
            return;
        }
        synchronized (this) {
            writeTo(overlay, offset, src, srcOff, len);
            written.set((int) (offset / SECTOR), (int) ((offset + len + SECTOR - 1) / SECTOR));
        }
    }

    private static void writeTo(FileChannel ch, long offset, byte[] src, int srcOff, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(src, srcOff, len);
        while (b.hasRemaining()) {
            ch.write(b, offset + (b.position() - srcOff));
        }
    }

    /** Sectors the guest has written to the overlay (0 without one). */
    public synchronized long overlaySectors() {
        return written == null ? 0 : written.cardinality();
    }

    /**
     * The overlay's written sectors as runs: (first sector, count, the bytes), ended by -1. A
     * machine snapshot carries them (jlguest.snapshot).
     */
    public synchronized void saveOverlay(DataOutputStream out) throws IOException {
        byte[] buf = new byte[1 << 20];
        for (int s = written.nextSetBit(0); s >= 0; s = written.nextSetBit(s)) {
            int end = written.nextClearBit(s);
            out.writeLong(s);
            out.writeInt(end - s);
            for (long pos = (long) s * SECTOR; pos < (long) end * SECTOR; ) {
                int n = (int) Math.min(buf.length, (long) end * SECTOR - pos);
                readFrom(overlay, pos, buf, 0, n);
                out.write(buf, 0, n);
                pos += n;
            }
            s = end;
        }
        out.writeLong(-1);
    }

    /** Forgets every write: the disk reads as the image again. */
    public synchronized void discardOverlay() throws IOException {
        written.clear();
        overlay.truncate(0);
    }

    /** Replaces the overlay with runs that {@link #saveOverlay} wrote; a run beyond the disk is refused. */
    public synchronized void restoreOverlay(DataInputStream in) throws IOException {
        discardOverlay();
        long sectors = size / SECTOR;
        byte[] buf = new byte[1 << 20];
        for (long s; (s = in.readLong()) != -1; ) {
            int count = in.readInt();
            if (s < 0 || count <= 0 || count > sectors - s) {
                throw new IOException("an overlay run at sector " + s + " (" + count + " sectors) lies beyond the disk");
            }
            for (long pos = s * SECTOR; pos < (s + count) * SECTOR; ) {
                int n = (int) Math.min(buf.length, (s + count) * SECTOR - pos);
                in.readFully(buf, 0, n);
                writeTo(overlay, pos, buf, 0, n);
                pos += n;
            }
            written.set((int) s, (int) (s + count));
        }
    }

    /**
     * SHA-256 of the whole image, read through this image's own channel (opening the file a
     * second time and closing it would drop our lock, see above). A snapshot records it to tell
     * whether the disk changed since.
     */
    public byte[] contentHash() throws IOException {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        for (long pos = 0; pos < size; ) {
            b.clear();
            int n = channel.read(b, pos);
            if (n < 0) {
                break;
            }
            b.flip();
            sha.update(b);
            pos += n;
        }
        return sha.digest();
    }

    /** Data and metadata to the host disk (fsync). */
    public void flush() throws IOException {
        if (!readOnly && overlay == null) {   // an overlay vanishes anyway: nothing to make durable
            channel.force(true);
        }
    }

    /** Flushes, unlocks and closes (an overlay vanishes). Closing again does nothing. */
    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) {
            return;
        }
        try {
            if (overlay != null) {
                overlay.close();
            }
            flush();
        } finally {
            try {
                if (lock.isValid()) {
                    lock.release();
                }
            } finally {
                channel.close();
            }
        }
    }
}
