package jlguest.snapshot;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

import jlguest.bus.Ram;
import jlguest.devices.virtio.VirtioDevices;
import jlguest.devices.virtio.blk.BlockImage;
import jlguest.devices.virtio.blk.VirtioBlk;
import jlguest.machine.Machine;
import jlguest.machine.MachineConfig;
import jlguest.state.StateException;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;

/**
 * The snapshot file: one machine, frozen, in one file (docs/snapshots.md has the layout).
 *
 * <p>tour:snapshot:070 The file is a short header ("JLGSNAP", a format version), a deflate stream
 * of sections, and a CRC-32C of everything before it. The first section describes the machine
 * (RAM size, kernel, devices, the identity of every disk); then one section per stateful part,
 * each a flat byte string its class wrote; then RAM, as (page number, 4 KiB) pairs for the pages
 * that are not all zeros, so an idle 2 GiB guest costs what its used pages cost. Saving writes a
 * temporary file beside the target, forces it to disk and renames it over the target in one
 * step, so a crash mid-save leaves the old file or the new one, never half of one. Loading checks
 * the checksum, the version, the RAM size, the device set and the disks before it touches the
 * machine.
 */
public final class SnapshotFile {
    static final byte[] MAGIC = {'J', 'L', 'G', 'S', 'N', 'A', 'P', 0};
    /** Bumped whenever any section's layout changes: a file of another version is refused. */
    public static final int VERSION = 1;
    private static final int HEADER = MAGIC.length + 4;
    private static final int PAGE = 4096;
    private static final String META = "meta";
    private static final String RAM = "ram";
    private static final String END = "end";
    private static final String OVERLAY = "overlay";

    private SnapshotFile() {
    }

    // ---- saving ---------------------------------------------------------------------------------

    /**
     * Saves {@code m} to {@code file} (CPU thread, or with the guest held). Throws StateException
     * (one sentence) when a part cannot be saved, IOException when the file cannot be written; in
     * either case nothing is left under {@code file}'s name that was not there before.
     */
    public static void save(Machine m, Path file) throws IOException {
        String why = m.unsavable();
        if (why != null) {
            throw new StateException("cannot snapshot this machine: " + why);
        }
        m.quiesce();
        Map<String, byte[]> sections = new LinkedHashMap<>();
        sections.put(META, writeInfo(describe(m)));
        for (Map.Entry<String, Stateful> e : m.stateParts().entrySet()) {
            StateWriter w = new StateWriter();
            e.getValue().save(w);
            sections.put(e.getKey(), w.toByteArray());
        }
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                CRC32C crc = new CRC32C();
                OutputStream raw = java.nio.channels.Channels.newOutputStream(ch);
                BufferedOutputStream buffered = new BufferedOutputStream(raw, 1 << 16);
                CheckedOutputStream checked = new CheckedOutputStream(buffered, crc);
                checked.write(MAGIC);
                new DataOutputStream(checked).writeInt(VERSION);
                Deflater deflater = new Deflater(Deflater.BEST_SPEED);
                try {
                    DeflaterOutputStream z = new DeflaterOutputStream(checked, deflater, 1 << 16);
                    DataOutputStream out = new DataOutputStream(z);
                    for (Map.Entry<String, byte[]> e : sections.entrySet()) {
                        out.writeUTF(e.getKey());
                        out.writeInt(e.getValue().length);
                        out.write(e.getValue());
                    }
                    out.writeUTF(RAM);
                    writeRam(m.ram(), out);
                    for (BlockImage image : overlays(m)) {
                        out.writeUTF(OVERLAY);
                        image.saveOverlay(out);
                    }
                    out.writeUTF(END);
                    out.flush();
                    z.finish();
                } finally {
                    deflater.end();
                }
                new DataOutputStream(buffered).writeInt((int) crc.getValue());
                buffered.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Every disk's image, in device order (as the meta section lists them). */
    private static List<BlockImage> disks(Machine m) {
        List<BlockImage> out = new ArrayList<>();
        for (int i = 0; i < m.virtio().size(); i++) {
            if (m.virtio().device(i) instanceof VirtioBlk blk) {
                out.add(blk.image());
            }
        }
        return out;
    }

    /** The copy-on-write disks, in device order: their overlays follow RAM in the file. */
    private static List<BlockImage> overlays(Machine m) {
        return disks(m).stream().filter(BlockImage::copyOnWrite).toList();
    }

    /** Non-zero pages as (page number, 4096 bytes), then -1. */
    private static void writeRam(Ram ram, DataOutputStream out) throws IOException {
        byte[] b = ram.bytes;
        byte[] zero = new byte[PAGE];
        for (int p = 0; p < b.length / PAGE; p++) {
            int off = p * PAGE;
            if (Arrays.mismatch(b, off, off + PAGE, zero, 0, PAGE) >= 0) {
                out.writeInt(p);
                out.write(b, off, PAGE);
            }
        }
        out.writeInt(-1);
    }

    /** The machine as the first section describes it. */
    static SnapshotInfo describe(Machine m) throws IOException {
        MachineConfig c = m.config();
        VirtioDevices v = m.virtio();
        List<String> devices = new ArrayList<>();
        List<SnapshotInfo.DiskIdentity> disks = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            devices.add(v.name(i) + ":" + v.device(i).info().deviceId());
            if (v.device(i) instanceof VirtioBlk blk) {
                disks.add(new SnapshotInfo.DiskIdentity(v.name(i), blk.image().path().toAbsolutePath().toString(),
                        blk.image().size(), HexFormat.of().formatHex(blk.image().contentHash()),
                        blk.image().copyOnWrite()));
            }
        }
        return new SnapshotInfo(m.ram().size(), c.kernel().toAbsolutePath().toString(),
                c.initrd() == null ? null : c.initrd().toAbsolutePath().toString(), c.kernelArgs(),
                m.kernel().commandLine(), c.deterministic(), c.testExit(), devices, disks);
    }

    private static byte[] writeInfo(SnapshotInfo s) {
        StateWriter w = new StateWriter();
        w.i64(s.ramSize()).string(s.kernel()).string(s.initrd()).i32(s.kernelArgs().size());
        s.kernelArgs().forEach(w::string);
        w.string(s.commandLine()).bool(s.deterministic()).bool(s.testExit()).i32(s.devices().size());
        s.devices().forEach(w::string);
        w.i32(s.disks().size());
        for (SnapshotInfo.DiskIdentity d : s.disks()) {
            w.string(d.name()).string(d.path()).i64(d.size()).string(d.sha256()).bool(d.overlay());
        }
        return w.toByteArray();
    }

    private static SnapshotInfo readInfo(byte[] bytes) {
        StateReader r = new StateReader(META, bytes);
        long ramSize = r.i64();
        String kernel = r.string();
        String initrd = r.string();
        List<String> args = new ArrayList<>();
        for (int i = r.i32(0, 4096, "kernel argument count"); i > 0; i--) {
            args.add(r.string());
        }
        String cmdline = r.string();
        boolean deterministic = r.bool();
        boolean testExit = r.bool();
        List<String> devices = new ArrayList<>();
        for (int i = r.i32(0, VirtioDevices.MAX_DEVICES, "device count"); i > 0; i--) {
            devices.add(r.string());
        }
        List<SnapshotInfo.DiskIdentity> disks = new ArrayList<>();
        for (int i = r.i32(0, VirtioDevices.MAX_DEVICES, "disk count"); i > 0; i--) {
            disks.add(new SnapshotInfo.DiskIdentity(r.string(), r.string(), r.i64(), r.string(), r.bool()));
        }
        r.end();
        if (kernel == null || cmdline == null || args.contains(null) || devices.contains(null)) {
            throw new StateException("section meta: a name is missing");
        }
        List<String> words = new ArrayList<>(List.of(kernel, cmdline));
        words.addAll(args);
        words.addAll(devices);
        if (initrd != null) {
            words.add(initrd);
        }
        disks.forEach(d -> words.addAll(Arrays.asList(d.name(), d.path(), d.sha256())));
        for (String w : words) {
            if (w == null || w.chars().anyMatch(SnapshotFile::isControl)) {
                // They reach error messages and file names: a line break or an escape sequence there
                // would forge output, a NUL makes no path.
                throw new StateException("section meta: a name or path holds control characters");
            }
        }
        return new SnapshotInfo(ramSize, kernel, initrd, args, cmdline, deterministic, testExit, devices, disks);
    }

    // ---- loading --------------------------------------------------------------------------------

    /** A snapshot file opened for reading: header and checksum verified, positioned after "meta". */
    private static final class Reader implements AutoCloseable {
        final DataInputStream in;
        final Inflater inflater = new Inflater();
        final SnapshotInfo info;

        Reader(Path file) throws IOException {
            verify(file);
            InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            try {
                raw.skipNBytes(HEADER);
                in = new DataInputStream(new InflaterInputStream(raw, inflater, 1 << 16));
                if (!META.equals(in.readUTF())) {
                    throw new StateException("the first section is not meta");
                }
                info = readInfo(readSection(in));
            } catch (IOException | RuntimeException e) {
                raw.close();
                inflater.end();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            try {
                in.close();
            } finally {
                inflater.end();
            }
        }
    }

    private static byte[] readSection(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1 << 24) {
            throw new StateException("a section claims " + n + " bytes");
        }
        return in.readNBytes(n);
    }

    /** Magic, version and checksum; each failure is one sentence (StateException). */
    private static void verify(Path file) throws IOException {
        long size;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            size = ch.size();
            ByteBuffer head = ByteBuffer.allocate(HEADER);
            while (head.hasRemaining() && ch.read(head) > 0) {
                // read the whole header
            }
            if (head.position() < MAGIC.length || !Arrays.equals(head.array(), 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                throw new StateException("not a jlguest snapshot");
            }
            if (head.position() < HEADER) {
                throw new StateException("truncated (" + size + " bytes)");
            }
            int version = head.getInt(MAGIC.length);
            if (version != VERSION) {
                throw new StateException("format version " + version + ", but this jlguest reads version " + VERSION);
            }
            if (size < HEADER + 4) {
                throw new StateException("truncated (" + size + " bytes)");
            }
            CRC32C crc = new CRC32C();
            ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
            ch.position(0);
            long left = size - 4;
            while (left > 0) {
                b.clear();
                if (b.capacity() > left) {
                    b.limit((int) left);
                }
                int n = ch.read(b);
                if (n < 0) {
                    throw new StateException("truncated while reading");
                }
                b.flip();
                crc.update(b);
                left -= n;
            }
            ByteBuffer tail = ByteBuffer.allocate(4);
            while (tail.hasRemaining() && ch.read(tail) > 0) {
                // the stored checksum
            }
            if (tail.getInt(0) != (int) crc.getValue()) {
                throw new StateException("damaged or truncated: its checksum does not match its contents");
            }
        } catch (NoSuchFileException e) {
            throw new StateException("no such file");
        }
    }

    /** Checks the file and reads its first section (for --restore: the machine to build). */
    public static SnapshotInfo info(Path file) throws IOException {
        try (Reader r = open(file)) {
            return r.info;
        }
    }

    /**
     * Section names are written as Java's modified UTF-8; a crafted file whose checksum matches
     * may hold bytes there that are no text at all (SnapshotFuzzTest found it escaping as an I/O error).
     */
    private static final String NOT_TEXT = "damaged: a section name is not text";

    /** A control character (C0 but tab, DEL, C1): no name or path we write holds one. */
    private static boolean isControl(int c) {
        return c < 0x20 && c != '\t' || c >= 0x7F && c < 0xA0;
    }

    /** A section id as this jlguest writes them (lower-case letters and digits), or a refusal. */
    private static String sectionId(String id) {
        if (id.isEmpty() || id.length() > 32 || !id.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9')) {
            throw new StateException("damaged: a section name holds characters no section name has");
        }
        return id;
    }

    private static Reader open(Path file) throws IOException {
        try {
            return new Reader(file);
        } catch (EOFException e) {
            throw new StateException("truncated");
        } catch (UTFDataFormatException e) {
            throw new StateException(NOT_TEXT);
        } catch (ZipException e) {
            throw new StateException("damaged: " + e.getMessage());
        }
    }

    /**
     * Restores {@code file} into {@code m}, which must be the same machine: the same RAM size, the
     * same virtio devices in the same order, the same disk images unchanged since the save (unless
     * {@code force}). Everything that can be checked is checked before the machine is touched;
     * the parts' own sections are checked as they are read (a StateException there leaves the
     * machine half-restored, which only a crafted file that passed the checksum can cause: the
     * monitor's loadvm keeps a copy of the machine to go back to).
     */
    public static SnapshotInfo restore(Path file, Machine m, boolean force) throws IOException {
        try (Reader r = open(file)) {
            SnapshotInfo saved = r.info;
            SnapshotInfo now = describe(m);
            if (saved.ramSize() != now.ramSize()) {
                throw new StateException("it was taken of a machine with " + mib(saved.ramSize())
                        + " of RAM, this one has " + mib(now.ramSize()));
            }
            if (!saved.devices().equals(now.devices())) {
                throw new StateException("its virtio devices were " + saved.devices() + ", this machine has "
                        + now.devices() + " (give the same --block and --net options)");
            }
            for (int i = 0; i < saved.disks().size(); i++) {
                SnapshotInfo.DiskIdentity was = saved.disks().get(i);
                SnapshotInfo.DiskIdentity is = now.disks().get(i);
                if (was.overlay() && !is.overlay()) {
                    throw new StateException("disk " + was.name() + " was a copy-on-write overlay on " + was.path()
                            + " when the snapshot was taken: give --block=" + is.path() + ",snapshot");
                }
                if (!force && (was.size() != is.size() || !was.sha256().equals(is.sha256()))) {
                    throw new StateException("disk " + was.name() + " (" + is.path() + ") is not the image it was"
                            + " when the snapshot was taken (" + was.path() + "); add --force-restore to use it anyway");
                }
            }
            Map<String, byte[]> sections = new LinkedHashMap<>();
            String id;
            while (!(id = sectionId(r.in.readUTF())).equals(RAM)) {
                if (sections.put(id, readSection(r.in)) != null) {
                    throw new StateException("section " + id + " appears twice");
                }
            }
            if (!sections.keySet().equals(m.stateParts().keySet())) {
                throw new StateException("its parts are " + sections.keySet() + ", this machine's are "
                        + m.stateParts().keySet());
            }
            readRam(m.ram(), r.in);
            List<BlockImage> images = disks(m);
            for (int i = 0; i < images.size(); i++) {
                if (saved.disks().get(i).overlay()) {
                    if (!r.in.readUTF().equals(OVERLAY)) {
                        throw new StateException("the overlay of " + saved.disks().get(i).name() + " is missing");
                    }
                    images.get(i).restoreOverlay(r.in);
                } else if (images.get(i).copyOnWrite()) {
                    images.get(i).discardOverlay();   // the disk as it was: the image alone
                }
            }
            if (!r.in.readUTF().equals(END)) {
                throw new StateException("something follows RAM and the overlays");
            }
            for (Map.Entry<String, Stateful> e : m.stateParts().entrySet()) {
                StateReader in = new StateReader(e.getKey(), sections.get(e.getKey()));
                e.getValue().restore(in);
                in.end();
            }
            m.restored();
            return saved;
        } catch (EOFException e) {
            throw new StateException("truncated");
        } catch (UTFDataFormatException e) {
            throw new StateException(NOT_TEXT);
        } catch (ZipException e) {
            throw new StateException("damaged: " + e.getMessage());
        }
    }

    private static void readRam(Ram ram, DataInputStream in) throws IOException {
        byte[] b = ram.bytes;
        Arrays.fill(b, (byte) 0);
        int pages = b.length / PAGE;
        int last = -1;
        for (int p; (p = in.readInt()) != -1; last = p) {
            if (p <= last || p >= pages) {
                throw new StateException("RAM page " + p + " is out of order or beyond RAM");
            }
            in.readFully(b, p * PAGE, PAGE);
        }
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }
}
