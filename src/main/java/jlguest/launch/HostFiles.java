package jlguest.launch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import jlguest.boot.BootException;

/**
 * Reads the host files a guest is made of, turning every I/O failure into one clear sentence.
 *
 * <p>tour:launcher:015 What the user names is checked before it is read: only a regular file of
 * a sane size is read at all. {@code /dev/zero} as a kernel would otherwise fill the heap, a FIFO
 * would block for ever, a directory or a symbolic link loop would end in a puzzling message. Each
 * is refused with one line naming the file and what is wrong with it, and exit status 2
 * (InputFilesTest).
 */
public final class HostFiles {
    private HostFiles() {
    }

    /** Reads all of {@code path}; {@code what} ("kernel", "initrd") names it in errors. */
    public static byte[] read(Path path, String what) throws BootException {
        return read(path, what, Integer.MAX_VALUE - 16);
    }

    /**
     * Reads all of {@code path}, a regular file of at most {@code max} bytes, into one array of its
     * size (no growing buffer copied at the end: a 20 MiB initrd costs 20 MiB of heap, not 60).
     */
    public static byte[] read(Path path, String what, long max) throws BootException {
        long size = checkRegular(path, what, max);
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = new byte[(int) size];
            int n = in.readNBytes(bytes, 0, bytes.length);
            if (n == bytes.length && in.read() >= 0) {   // it grew since we looked
                throw new BootException(path + ": the " + what + " changed size while it was read");
            }
            return n == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, n);   // it shrank
        } catch (AccessDeniedException e) {
            throw new BootException(path + ": permission denied reading the " + what);
        } catch (IOException e) {
            throw new BootException(path + ": cannot read the " + what + ": " + reason(e));
        } catch (OutOfMemoryError e) {
            throw new BootException(path + ": not enough Java heap to read the " + what + " ("
                    + describe(size) + "): raise it with JLGUEST_JAVA_OPTS=-Xmx...");
        }
    }

    /**
     * Checks that {@code path} is a regular file (following links) of at most {@code max} bytes;
     * returns its size. Throws one sentence otherwise: no such file, a directory, a device or a
     * FIFO, a symbolic link loop, too large.
     */
    public static long checkRegular(Path path, String what, long max) throws BootException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new BootException(path + ": no such " + what + " file");
        } catch (AccessDeniedException e) {
            throw new BootException(path + ": permission denied reading the " + what);
        } catch (IOException e) {
            throw new BootException(path + ": cannot read the " + what + ": " + reason(e));
        }
        if (a.isDirectory()) {
            throw new BootException(path + ": is a directory, not a " + what);
        }
        if (!a.isRegularFile()) {
            throw new BootException(path + ": is not a regular file (a device, a FIFO or a socket), so it is no " + what);
        }
        if (a.size() > max) {
            throw new BootException(path + ": the " + what + " (" + describe(a.size()) + ") does not fit in "
                    + describe(max));
        }
        return a.size();
    }

    /** The operating system's words for an I/O failure ("Too many levels of symbolic links"). */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException f) {
            if (f instanceof NoSuchFileException) {
                return "No such file or directory";
            }
            if (f.getReason() != null) {
                String r = f.getReason();
                return r.startsWith("Too many levels of symbolic links") ? "Too many levels of symbolic links" : r;
            }
        }
        return e.getMessage();
    }

    private static String describe(long bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }
}
