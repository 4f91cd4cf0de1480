package jlguest.launch;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import jlguest.boot.BootException;

/** Reads the host files a guest is made of, turning every I/O failure into one clear sentence. */
public final class HostFiles {
    private HostFiles() {
    }

    /** Reads all of {@code path}; {@code what} ("kernel", "initrd") names it in errors. */
    public static byte[] read(Path path, String what) throws BootException {
        if (Files.isDirectory(path)) {
            throw new BootException(path + ": is a directory, not a " + what);
        }
        try {
            long size = Files.size(path);
            if (size > Integer.MAX_VALUE - 16) {
                throw new BootException(path + ": the " + what + " is too large (" + (size >> 20) + " MiB)");
            }
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new BootException(path + ": no such " + what + " file");
        } catch (AccessDeniedException e) {
            throw new BootException(path + ": permission denied reading the " + what);
        } catch (IOException e) {
            throw new BootException(path + ": cannot read the " + what + ": " + e.getMessage());
        }
    }
}
