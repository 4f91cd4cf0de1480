package jlguest.snapshot;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jlguest.console.ConsoleOutput;
import jlguest.devices.virtio.VirtioDevices;
import jlguest.fuzz.Fuzz;
import jlguest.launch.Launcher;
import jlguest.machine.Machine;
import jlguest.machine.MachineConfig;
import jlguest.machine.VirtioBuilder;
import jlguest.state.StateException;

/**
 * Issue 17: random and damaged snapshot files fed to the restore path. The seeds are real
 * snapshots of the hello guest (early, and once its virtio disk is busy). Most cases take one
 * apart into its sections, damage them (bytes flipped, a section cut short or given a wild
 * length, sections dropped, doubled, swapped or spliced in from the other snapshot, a name that
 * is not text, RAM pages out of order) and put it together again with a valid deflate stream and
 * checksum, as a crafted file would be; the rest are damaged on the outside (the checksum
 * catches them) or pure noise. Each must be refused with one sentence (a StateException, which
 * the launcher prints as one line) or restore; a restored machine then runs a few slices, and
 * nothing may escape from that either.
 */
class SnapshotFuzzTest {
    @TempDir
    Path dir;

    private static final int HEADER = SnapshotFile.MAGIC.length + 4;

    /** A snapshot's plain (inflated) stream, cut into its sections: each chunk is name, length and bytes. */
    private static List<byte[]> sections(byte[] file) throws IOException {
        Inflater inflater = new Inflater();
        inflater.setInput(file, HEADER, file.length - HEADER - 4);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        try {
            while (!inflater.finished()) {
                plain.write(buf, 0, inflater.inflate(buf));
            }
        } catch (java.util.zip.DataFormatException e) {
            throw new IOException(e);
        } finally {
            inflater.end();
        }
        byte[] p = plain.toByteArray();
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(p));
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        while (true) {
            String name = in.readUTF();
            if (name.equals("ram")) {
                while (in.readInt() != -1) {
                    in.skipNBytes(4096);
                }
            } else if (!name.equals("end")) {
                in.skipNBytes(in.readInt());
            }
            int next = p.length - in.available();
            out.add(Arrays.copyOfRange(p, at, next));
            at = next;
            if (name.equals("end")) {
                return out;
            }
        }
    }

    /** Header, deflated sections and a checksum that matches: a file only the sections' contents can fault. */
    private static byte[] assemble(byte[] plain) {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(SnapshotFile.MAGIC);
        file.writeBytes(new byte[] {0, 0, 0, (byte) SnapshotFile.VERSION});
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        deflater.setInput(plain);
        deflater.finish();
        byte[] buf = new byte[1 << 16];
        while (!deflater.finished()) {
            file.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        CRC32C crc = new CRC32C();
        crc.update(file.toByteArray());
        int c = (int) crc.getValue();
        file.writeBytes(new byte[] {(byte) (c >>> 24), (byte) (c >>> 16), (byte) (c >>> 8), (byte) c});
        return file.toByteArray();
    }

    /** One damaged file, from seed snapshots {@code files} (whole) and {@code cut} (their sections). */
    static byte[] damage(SplittableRandom r, byte[][] files, List<List<byte[]>> cut) {
        int kind = r.nextInt(20);
        if (kind == 0) {            // noise, sometimes behind a good header
            byte[] b = new byte[r.nextInt(2000)];
            r.nextBytes(b);
            if (r.nextBoolean() && b.length >= HEADER) {
                System.arraycopy(files[0], 0, b, 0, HEADER);
            }
            return b;
        }
        if (kind == 1) {            // damaged outside: truncated, or bytes flipped under the checksum
            byte[] b = files[r.nextInt(files.length)];
            if (r.nextBoolean()) {
                return Arrays.copyOf(b, r.nextInt(b.length));
            }
            b = b.clone();
            for (int i = 1 + r.nextInt(4); i > 0; i--) {
                b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
            }
            return b;
        }
        List<byte[]> s = new ArrayList<>();
        for (byte[] chunk : cut.get(r.nextInt(cut.size()))) {
            s.add(chunk.clone());
        }
        for (int m = 1 + r.nextInt(3); m > 0; m--) {
            int i = r.nextInt(s.size());
            byte[] c = s.get(i);
            switch (r.nextInt(9)) {
                case 0, 1 -> {      // flip bytes, most often in the first ones (name, length, header fields)
                    for (int k = 1 + r.nextInt(8); k > 0 && c.length > 0; k--) {
                        int at = r.nextBoolean() ? r.nextInt(Math.min(c.length, 64)) : r.nextInt(c.length);
                        c[at] = (byte) (r.nextInt(3) == 0 ? r.nextInt(256) : c[at] ^ 1 << r.nextInt(8));
                    }
                }
                case 2 -> s.set(i, Arrays.copyOf(c, r.nextInt(c.length + 1)));     // cut short
                case 3 -> {         // a wild length: after the name, at 2 + name length
                    int at = c.length < 2 ? c.length : 2 + ((c[0] & 0xFF) << 8 | c[1] & 0xFF);
                    if (at + 4 <= c.length) {
                        int[] wild = {-1, 0, 1, Integer.MAX_VALUE, 1 << 24, (1 << 24) + 1, c.length, r.nextInt()};
                        int v = wild[r.nextInt(wild.length)];
                        c[at] = (byte) (v >>> 24);
                        c[at + 1] = (byte) (v >>> 16);
                        c[at + 2] = (byte) (v >>> 8);
                        c[at + 3] = (byte) v;
                    }
                }
                case 4 -> s.remove(i);
                case 5 -> s.add(r.nextInt(s.size() + 1), c.clone());
                case 6 -> {         // swap two sections
                    int j = r.nextInt(s.size());
                    s.set(i, s.get(j));
                    s.set(j, c);
                }
                case 7 -> {         // a section of the other snapshot in place of this one
                    List<byte[]> other = cut.get(r.nextInt(cut.size()));
                    s.set(i, other.get(r.nextInt(other.size())).clone());
                }
                default -> {        // a name that is not text (bytes no modified UTF-8 allows)
                    if (c.length > 3) {
                        c[2 + r.nextInt(Math.min(c.length - 2, 2))] = (byte) (0x80 | r.nextInt(0x80));
                    }
                }
            }
            if (s.isEmpty()) {
                break;
            }
        }
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        s.forEach(plain::writeBytes);
        if (r.nextInt(10) == 0) {   // something after the end
            byte[] tail = new byte[1 + r.nextInt(64)];
            r.nextBytes(tail);
            plain.writeBytes(tail);
        }
        return assemble(plain.toByteArray());
    }

    /** A refusal is one sentence: something to say, on one line. */
    private static void assertOneLine(StateException e) {
        String m = e.getMessage();
        assertTrue(m != null && !m.isBlank(), "a refusal without words");
        assertFalse(m.chars().anyMatch(c -> c < 0x20 || c == 0x7F), "more than one line, or control characters: " + m);
    }

    private void fuzz(String name, long base, int cases) throws Exception {
        Path disk = dir.resolve("disk.img");
        Files.copy(Path.of("guest-images/hello/disk.img"), disk);
        MachineConfig config = BadSnapshotTest.hello(disk, 16 << 20);
        RoundTripTest.Run straight = RoundTripTest.run(config, null, new long[0], dir);
        RoundTripTest.Run saving = RoundTripTest.run(config, null, new long[] {3_000, straight.instructions() / 2}, dir);
        byte[][] files = new byte[saving.saved().size()][];
        List<List<byte[]>> cut = new ArrayList<>();
        for (int i = 0; i < files.length; i++) {
            files[i] = Files.readAllBytes(saving.saved().get(i));
            cut.add(sections(files[i]));
        }
        Path file = dir.resolve("fuzz.snap");
        int[] restored = new int[1];
        try (VirtioDevices virtio = VirtioBuilder.open(config.disks(), config.networks(), true)) {
            Launcher.Prepared guest = Launcher.prepare(config, virtio.commandLineWords());
            ConsoleOutput console = new ConsoleOutput(new ByteArrayOutputStream());
            Machine[] previous = new Machine[1];
            Fuzz.run(name, base, cases, seed -> {
                SplittableRandom r = new SplittableRandom(seed);
                Files.write(file, damage(r, files, cut));
                Machine m = new Machine(guest.ram(), guest.kernel(), config, console, virtio, previous[0]);
                previous[0] = m;
                try {
                    SnapshotFile.info(file);
                    SnapshotFile.restore(file, m, r.nextInt(4) != 0);
                } catch (StateException e) {
                    assertOneLine(e);
                    return;
                }
                restored[0]++;
                runSlices(m, 3);
            });
        }
        System.out.printf("fuzz %s: %d of %d damaged snapshots restored and ran on%n", name, restored[0], cases);
    }

    /** Runs a restored machine for {@code slices} run slices, then ends the run. */
    private static void runSlices(Machine m, int slices) {
        m.setDebugHook(new Machine.DebugHook() {
            int left = slices;

            @Override
            public long beforeSlice(long budget) {
                if (left-- == 0) {
                    m.request(Machine.Ending.QUIT, 0, null);
                    return 0;
                }
                return budget;
            }

            @Override
            public boolean wantsControl() {
                // Always: a restored guest may halt with no interrupt to wake it (no timer armed),
                // and an idle wait would then never end. Here it only ends the slice early.
                return true;
            }
        });
        m.run();
    }

    @Test
    void damagedSnapshotsAreRefusedInOneSentence() throws Exception {
        fuzz("snapshots", 7_000_000, Fuzz.cases("snapshots", 300));
    }

    @Test
    @Tag("long")
    void damagedSnapshotsAreRefusedInOneSentenceLong() throws Exception {
        fuzz("snapshots long", 70_000_000, 30_000);
    }
}
