package jlguest.machine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A second initramfs for a test: an uncompressed newc cpio of a few files, appended after the
 * bundled initrd.img. Linux unpacks concatenated archives one after the other into the same
 * rootfs (init/initramfs.c: after the gzip member it skips zero padding and expects the next
 * "070701" header on a 4-byte boundary), so the guest finds the files at / next to busybox, and
 * the launcher needs no notion of several initrds.
 */
public final class InitramfsLayer {
    /** A file's bytes and mode bits (type included: 0100000 a regular file, 040000 a directory). */
    private record Entry(byte[] bytes, int mode) {
    }

    private final Map<String, Entry> files = new LinkedHashMap<>();

    /** Adds a regular file at {@code /name} (its directories must be added first). */
    public InitramfsLayer file(String name, byte[] bytes) {
        files.put(name, new Entry(bytes, 0100644));
        return this;
    }

    /** Adds an executable file at {@code /name} (its directories must be added first). */
    InitramfsLayer executable(String name, byte[] bytes) {
        files.put(name, new Entry(bytes, 0100755));
        return this;
    }

    /** Adds the directory {@code /name}. */
    InitramfsLayer directory(String name) {
        files.put(name, new Entry(new byte[0], 040755));
        return this;
    }

    /** Adds host directory {@code dir}'s tree under {@code /name}: directories and regular files. */
    InitramfsLayer tree(String name, Path dir) throws IOException {
        directory(name);
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted().toList()) {
                String to = name + "/" + dir.relativize(p).toString().replace('\\', '/');
                if (p.equals(dir)) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    directory(to);
                } else if (Files.isRegularFile(p)) {
                    files.put(to, new Entry(Files.readAllBytes(p), 0100644));
                }
            }
        }
        return this;
    }

    /** Writes {@code base} (zero-padded to 4 bytes) followed by this layer to {@code out}. */
    Path appendTo(Path base, Path out) throws IOException {
        return appendTo(base, out, false);
    }

    /** As {@link #appendTo(Path, Path)}, the layer packed as a gzip stream when {@code gzip} is true. */
    Path appendTo(Path base, Path out, boolean gzip) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        buf.write(Files.readAllBytes(base));
        pad(buf);
        if (gzip) {
            try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(buf)) {
                z.write(cpio());
            }
        } else {
            buf.write(cpio());
        }
        Files.write(out, buf.toByteArray());
        return out;
    }

    /** This layer as one newc cpio archive, TRAILER!!! included. */
    public byte[] cpio() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int ino = 0x7000;
        for (Map.Entry<String, Entry> f : files.entrySet()) {
            entry(buf, f.getKey(), f.getValue().mode(), f.getValue().bytes(), ino++);
        }
        entry(buf, "TRAILER!!!", 0, new byte[0], 0);
        return buf.toByteArray();
    }

    private static void entry(ByteArrayOutputStream buf, String name, int mode, byte[] data, int ino) {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
        String header = String.format("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0);
        buf.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        buf.writeBytes(nameBytes);
        pad(buf);
        buf.writeBytes(data);
        pad(buf);
    }

    private static void pad(ByteArrayOutputStream buf) {
        while (buf.size() % 4 != 0) {
            buf.write(0);
        }
    }
}
