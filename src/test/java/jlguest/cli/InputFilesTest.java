package jlguest.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import jlguest.boot.TestImages;

/**
 * Issue 17 items 8 and 11: endless, blocking or odd inputs (devices, FIFOs, directories, symbolic
 * link loops, files larger than the guest) are refused with one line and status 2, naming the
 * file and the cause; nothing is read from them first.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)   // a FIFO read would block for ever
class InputFilesTest {
    @TempDir
    Path dir;

    private void refused(String expected, String... args) {
        MainTest.Result r = MainTest.run(args);
        String err = r.err().strip();
        assertEquals(2, r.status(), () -> Arrays.toString(args) + ": " + err);
        assertFalse(err.contains("\n"), () -> "more than one line: " + err);
        assertEquals("lguest: " + expected, err, () -> Arrays.toString(args));
    }

    private Path kernel() throws IOException {
        Path p = dir.resolve("vmlinux");
        Files.write(p, TestImages.elf32(0x100000, new TestImages.Seg(0x100000, new byte[64], 64)));
        return p;
    }

    private Path fifo() throws Exception {
        Path p = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", p.toString()).start().waitFor());
        return p;
    }

    private Path loop() throws IOException {
        Path a = dir.resolve("loop-a");
        Files.createSymbolicLink(a, dir.resolve("loop-b"));
        Files.createSymbolicLink(dir.resolve("loop-b"), a);
        return a;
    }

    @Test
    void devZeroAsKernelInitrdOrSymbols() throws Exception {
        String k = kernel().toString();
        refused("/dev/zero: is not a regular file (a device, a FIFO or a socket), so it is no kernel", "64m", "/dev/zero");
        refused("/dev/zero: is not a regular file (a device, a FIFO or a socket), so it is no initrd",
                "64m", k, "--initrd=/dev/zero");
        refused("--symbols /dev/zero: is not a regular file (a device, a FIFO or a socket), so it is no symbol file",
                "64m", k, "--symbols=/dev/zero");
    }

    @Test
    void fifoAsKernelOrInitrd() throws Exception {
        Path f = fifo();
        refused(f + ": is not a regular file (a device, a FIFO or a socket), so it is no kernel", "64m", f.toString());
        refused(f + ": is not a regular file (a device, a FIFO or a socket), so it is no initrd",
                "64m", kernel().toString(), "--initrd=" + f);
    }

    @Test
    void directoriesNameTheOption() throws Exception {
        refused(dir + ": is a directory, not a kernel", "64m", dir.toString());
        refused("--symbols " + dir + ": is a directory, not a symbol file", "64m", kernel().toString(), "--symbols=" + dir);
    }

    @Test
    void devNullIsNoDisk() throws Exception {
        refused("--block /dev/null: is neither a regular file nor a block device (a character device, a FIFO or a socket),"
                + " so it is no disk image", "64m", kernel().toString(), "--block=/dev/null");
    }

    @Test
    void symbolicLinkLoopsAreCalledSo() throws Exception {
        Path l = loop();
        refused("--block " + l + ": Too many levels of symbolic links", "64m", kernel().toString(), "--block=" + l);
        refused(l + ": cannot read the kernel: Too many levels of symbolic links", "64m", l.toString());
    }

    @Test
    void anInitrdLargerThanTheGuestIsNotRead() throws Exception {
        Path big = dir.resolve("big.img");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(100L << 20);   // sparse
        }
        refused(big + ": the initrd (100 MiB) does not fit in 64 MiB", "64m", kernel().toString(), "--initrd=" + big);
    }

    @Test
    void serialFileErrorsSayWhy() throws Exception {
        refused("--serial: cannot write /nonexistent/dir/x: No such file or directory",
                "64m", kernel().toString(), "--serial=file:/nonexistent/dir/x");
    }
}
