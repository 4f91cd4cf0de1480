package jlguest.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Just enough of the ELF format to load a 32-bit x86 kernel: the header and its PT_LOAD segments.
 *
 * <p>Everything read from the file is checked before it is believed: a truncated or hostile file
 * produces a {@link BootException} with one clear sentence, never an index error.
 */
public final class Elf32 {
    private static final int EM_386 = 3;
    private static final int PT_LOAD = 1;

    /** A loadable segment: file bytes [offset, offset+fileSize) go to paddr, the rest of memSize is zeroed. */
    public record Segment(long offset, long fileSize, long paddr, long vaddr, long memSize) {
    }

    private final int entry;
    private final List<Segment> loads;

    private Elf32(int entry, List<Segment> loads) {
        this.entry = entry;
        this.loads = loads;
    }

    /** True when the bytes start with the ELF magic (of any class or machine). */
    public static boolean isElf(byte[] image) {
        return image.length >= 4 && image[0] == 0x7F && image[1] == 'E' && image[2] == 'L' && image[3] == 'F';
    }

    /** Parses and validates an ELF32 i386 executable; {@code name} is used in error messages. */
    public static Elf32 parse(byte[] image, String name) throws BootException {
        if (!isElf(image)) {
            throw new BootException(name + ": not an ELF file");
        }
        if (image.length < 52) {
            throw new BootException(name + ": truncated ELF header");
        }
        if (image[4] == 2) {
            throw new BootException(name + ": is a 64-bit ELF; jlguest runs 32-bit x86 kernels");
        }
        if (image[4] != 1 || image[5] != 1) {
            throw new BootException(name + ": not a little-endian ELF32 file");
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int machine = b.getShort(18) & 0xFFFF;
        if (machine != EM_386) {
            throw new BootException(name + ": ELF for machine " + machine + ", not i386");
        }
        int entry = b.getInt(24);
        long phoff = b.getInt(28) & 0xFFFFFFFFL;
        int phentsize = b.getShort(42) & 0xFFFF;
        int phnum = b.getShort(44) & 0xFFFF;
        if (phnum == 0 || phentsize < 32 || phoff + (long) phnum * phentsize > image.length) {
            throw new BootException(name + ": truncated or missing ELF program headers");
        }
        List<Segment> loads = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int ph = (int) (phoff + (long) i * phentsize);
            if (b.getInt(ph) != PT_LOAD) {
                continue;
            }
            Segment s = new Segment(b.getInt(ph + 4) & 0xFFFFFFFFL, b.getInt(ph + 16) & 0xFFFFFFFFL,
                    b.getInt(ph + 12) & 0xFFFFFFFFL, b.getInt(ph + 8) & 0xFFFFFFFFL,
                    b.getInt(ph + 20) & 0xFFFFFFFFL);
            if (s.offset() + s.fileSize() > image.length) {
                throw new BootException(name + ": truncated ELF file (segment " + i + " runs past the end)");
            }
            if (s.memSize() < s.fileSize()) {
                throw new BootException(name + ": malformed ELF segment " + i + " (memsz < filesz)");
            }
            if (s.memSize() > 0) {
                loads.add(s);
            }
        }
        if (loads.isEmpty()) {
            throw new BootException(name + ": ELF file has no loadable segments");
        }
        return new Elf32(entry, List.copyOf(loads));
    }

    public int entry() {
        return entry;
    }

    public List<Segment> loads() {
        return loads;
    }

    /**
     * Copies every PT_LOAD segment to its physical address and zeroes its .bss tail.
     *
     * @return the first byte above the highest loaded segment
     */
    public long loadInto(byte[] image, jlguest.bus.Ram ram, String name) throws BootException {
        long end = 0;
        for (Segment s : loads) {
            if (s.paddr() < GuestLayout.HIGH_MEMORY && s.paddr() + s.memSize() > GuestLayout.LEGACY_HOLE_START
                    || !ram.contains(s.paddr(), s.memSize())) {
                throw new BootException(String.format(
                        "%s: segment at 0x%x..0x%x lies outside the usable RAM of a %d MiB guest",
                        name, s.paddr(), s.paddr() + s.memSize(), ram.size() >> 20));
            }
            end = Math.max(end, s.paddr() + s.memSize());
        }
        for (Segment s : loads) {
            ram.load((int) s.paddr(), image, (int) s.offset(), (int) s.fileSize());
            ram.zero((int) (s.paddr() + s.fileSize()), (int) (s.memSize() - s.fileSize()));
        }
        return end;
    }
}
