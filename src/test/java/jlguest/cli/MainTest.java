package jlguest.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import jlguest.boot.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input ends in one line on stderr and exit status 2, never a stack trace. */
class MainTest {
    @TempDir
    Path dir;

    record Result(int status, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void assertOneLineError(String expectedFragment, String... args) {
        Result r = run(args);
        assertEquals(2, r.status(), () -> "status for " + Arrays.toString(args) + ": " + r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), () -> "more than one line: " + err);
        assertTrue(err.startsWith("lguest: "), err);
        assertTrue(err.contains(expectedFragment), () -> "'" + err + "' lacks '" + expectedFragment + "'");
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
    }

    private Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private Path goodKernel() throws IOException {
        return file("vmlinux", TestImages.elf32(0x100000, new TestImages.Seg(0x100000, new byte[64], 64)));
    }

    @Test
    void helpAndVersionAnswer() {
        Result help = run("--help");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("lguest [options] <memory> <kernel> [kernel arguments...]"));
        assertTrue(help.out().contains("socket:listen=HOST:PORT") && help.out().contains("serial=S"), help.out());
        assertTrue(help.out().contains("--initrd"));
        Result version = run("--version");
        assertEquals(0, version.status());
        assertEquals(Main.VERSION, version.out().strip());
        // the pom's version, filtered into version.properties: not a second copy in the code
        assertTrue(version.out().strip().matches("jlguest \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), version.out());
    }

    @Test
    void badMemorySizes() throws IOException {
        String k = goodKernel().toString();
        assertOneLineError("too small", "0", k);
        assertOneLineError("bad memory size '64x'", "64x", k);
        assertOneLineError("too large", "9g", k);
        assertOneLineError("too small", "1m", k);
        assertOneLineError("multiple of 4 KiB", "16777217b", k);
        assertOneLineError("too large", "4096", k);      // a bare number is MiB
    }

    @Test
    void aBareNumberIsMebibytes() throws UsageException {
        assertEquals(64L << 20, MemorySize.parse("64"));
        assertEquals(64L << 20, MemorySize.parse("64m"));
        assertEquals(16L << 20, MemorySize.parse("16777216b"));
    }

    @Test
    void optionProblems() throws IOException {
        assertOneLineError("Unknown option: '--frobnicate'", "--frobnicate", "64m", goodKernel().toString());
        assertOneLineError("missing kernel", "64m");
        assertOneLineError("(did you mean --block?)", "--blok=x.img", "64m", goodKernel().toString());
        assertOneLineError("disk.img", "64m", goodKernel().toString(), "--block=" + dir.resolve("disk.img"));
        assertOneLineError("--net", "--net=carrier-pigeon:coo", "64m", goodKernel().toString());
        assertOneLineError("--net user: unknown option 'colour'", "--net=user,colour=blue", "64m", goodKernel().toString());
        assertOneLineError("hostfwd=tcp::22", "--net=user,hostfwd=tcp::22", "64m", goodKernel().toString());
        assertOneLineError("restrict must be on or off", "--net=user,restrict=maybe", "64m", goodKernel().toString());
        assertOneLineError("not a host address", "--net=user,host=10.0.3.2", "64m", goodKernel().toString());
    }

    @Test
    void aBusyHostForwardPortIsOneLine() throws IOException {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertOneLineError("hostfwd: cannot listen on tcp 127.0.0.1:" + busy.getLocalPort(),
                    "--net=user,hostfwd=tcp::" + busy.getLocalPort() + "-:22", "64m", goodKernel().toString());
        }
    }

    @Test
    void missingOrUnreadableFiles() throws IOException {
        assertOneLineError("no such kernel file", "64m", dir.resolve("nope").toString());
        assertOneLineError("is a directory", "64m", dir.toString());
        assertOneLineError("no such initrd file", "64m", goodKernel().toString(), "--initrd=" + dir.resolve("nope"));
    }

    @Test
    void filesThatAreNoKernel() throws IOException {
        byte[] good = TestImages.elf32(0x100000, new TestImages.Seg(0x100000, new byte[64], 64));
        byte[] sixtyFour = good.clone();
        sixtyFour[4] = 2;
        assertOneLineError("not a kernel", "64m", file("random", TestImages.pattern(100_000, 3)).toString());
        assertOneLineError("truncated", "64m", file("trunc", Arrays.copyOf(good, 70)).toString());
        assertOneLineError("64-bit ELF", "64m", file("elf64", sixtyFour).toString());
        byte[] high = TestImages.elf32(0x8000000, new TestImages.Seg(0x8000000, new byte[64], 64));
        assertOneLineError("outside the usable RAM", "64m", file("high", high).toString());
        assertOneLineError("empty", "64m", file("empty", new byte[0]).toString());
    }

    @Test
    void initrdThatDoesNotFit() throws IOException {
        Path big = file("big.img", new byte[17 << 20]);
        assertOneLineError("does not fit", "16m", goodKernel().toString(), "--initrd=" + big);
    }
}
