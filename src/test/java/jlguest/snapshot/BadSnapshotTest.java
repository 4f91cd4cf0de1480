package jlguest.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import jlguest.cli.Main;
import jlguest.console.ConsoleOutput;
import jlguest.devices.virtio.VirtioDevices;
import jlguest.launch.Launcher;
import jlguest.machine.Disks;
import jlguest.machine.Machine;
import jlguest.machine.MachineConfig;
import jlguest.machine.VirtioBuilder;
import jlguest.state.StateException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot of the hello guest (guest-images/hello) restored by the launcher, and every way a
 * snapshot can be wrong: each is one line, a non-zero status, and nothing written to any disk.
 */
class BadSnapshotTest {
    @TempDir
    Path dir;
    Path disk;
    Path good;

    static MachineConfig hello(Path disk, long ram) {
        return new MachineConfig(ram, Path.of("guest-images/hello/hello.elf"), null, Disks.of(List.of(disk.toString())),
                List.of(), true, false, true, List.of());
    }

    @BeforeEach
    void saveHelloEarly() throws Exception {
        disk = dir.resolve("disk.img");
        Files.copy(Path.of("guest-images/hello/disk.img"), disk);
        RoundTripTest.Run r = RoundTripTest.run(hello(disk, 16 << 20), null, new long[] {3_000}, dir);
        assertTrue(r.end().message() != null && r.end().message().contains("bye from hello"), r.console());
        good = r.saved().get(0);
    }

    record Result(int status, String err) {
    }

    static Result lguest(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theLauncherRestoresAndRunsOn() {
        Result r = lguest("--restore=" + good, "--block=" + disk);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("bye from hello"), r.err());
    }

    private void assertRefused(Path snapshot, String fragment, String... more) throws Exception {
        String before = diskHash();
        List<Path> files = listing();
        String[] args = Stream.concat(Stream.of("--restore=" + snapshot, "--block=" + disk), Stream.of(more))
                .toArray(String[]::new);
        Result r = lguest(args);
        assertEquals(2, r.status(), r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertTrue(err.startsWith("lguest: --restore ") && err.contains(fragment), err);
        assertEquals(before, diskHash(), "the disk is untouched");
        assertEquals(files, listing(), "no file was written");
    }

    private String diskHash() throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(disk)));
    }

    private List<Path> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private Path variant(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void aTruncatedFileIsRefused() throws Exception {
        byte[] b = Files.readAllBytes(good);
        assertRefused(variant("short.snap", Arrays.copyOf(b, b.length / 2)), "damaged or truncated");
        assertRefused(variant("tiny.snap", Arrays.copyOf(b, 10)), "truncated");
    }

    @Test
    void anotherVersionIsRefused() throws Exception {
        byte[] b = Files.readAllBytes(good);
        b[11] = 99;
        assertRefused(variant("v99.snap", b), "format version 99, but this jlguest reads version " + SnapshotFile.VERSION);
    }

    @Test
    void flippedBytesAreRefused() throws Exception {
        byte[] b = Files.readAllBytes(good);
        for (int at : new int[] {20, b.length / 2, b.length - 1}) {
            byte[] c = b.clone();
            c[at] ^= 0x10;
            assertRefused(variant("flip" + at + ".snap", c), "checksum does not match");
        }
        assertRefused(variant("notes.snap", "just some text, not a snapshot".getBytes(StandardCharsets.US_ASCII)),
                "not a jlguest snapshot");
    }

    @Test
    void aChangedDiskIsRefusedUnlessForced() throws Exception {
        byte[] d = Files.readAllBytes(disk);
        d[0] ^= 1;
        Files.write(disk, d);
        assertRefused(good, "disk vda (" + disk.toAbsolutePath() + ") is not the image it was");
        Result forced = lguest("--restore=" + good, "--block=" + disk, "--force-restore");
        assertEquals(0, forced.status(), forced.err());
    }

    @Test
    void otherDevicesAreRefused() throws Exception {
        String before = diskHash();
        Result r = lguest("--restore=" + good);
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("its virtio devices were [vda:2], this machine has []"), r.err());
        assertEquals(before, diskHash());
    }

    @Test
    void aMachineWithOtherRamIsRefused() throws Exception {
        MachineConfig other = hello(disk, 32 << 20);
        try (VirtioDevices virtio = VirtioBuilder.open(other.disks(), other.networks(), true)) {
            Launcher.Prepared guest = Launcher.prepare(other, virtio.commandLineWords());
            Machine m = new Machine(guest.ram(), guest.kernel(), other, new ConsoleOutput(new ByteArrayOutputStream()),
                    virtio);
            StateException e = assertThrows(StateException.class, () -> SnapshotFile.restore(good, m, false));
            assertEquals("it was taken of a machine with 16 MiB of RAM, this one has 32 MiB", e.getMessage());
        }
    }
}
