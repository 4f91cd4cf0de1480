package jlguest.debug.symbols;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of an ELF32 file the monitor reads: section headers and the symbol table.
 *
 * <p>The loader (jlguest.boot.Elf32) reads program headers, which is all a boot needs; symbols
 * live in sections, which the loader never looks at. Everything is bounds-checked: a truncated
 * file gives an IllegalArgumentException with one sentence, never an index error.
 */
public final class ElfImage {
    /** One section header. */
    public record Section(String name, int type, long addr, long offset, long size) {
    }

    /** One symbol: name, value, size, ELF type (STT_FUNC = 2, STT_OBJECT = 1) and section index. */
    public record Sym(String name, long value, long size, int type, int shndx) {
    }

    private static final int SHT_SYMTAB = 2;
    private static final int SHT_NOBITS = 8;

    private final byte[] image;
    private final ByteBuffer b;
    private final List<Section> sections = new ArrayList<>();

    public ElfImage(byte[] image) {
        this.image = image;
        if (image.length < 52 || image[0] != 0x7F || image[1] != 'E' || image[2] != 'L' || image[3] != 'F'
                || image[4] != 1) {
            throw new IllegalArgumentException("not an ELF32 file");
        }
        b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = u32(32);
        int shentsize = u16(46);
        int shnum = u16(48);
        int shstrndx = u16(50);
        if (shnum == 0 || shentsize < 40 || shoff + (long) shnum * shentsize > image.length || shstrndx >= shnum) {
            throw new IllegalArgumentException("no readable ELF section headers");
        }
        long[][] raw = new long[shnum][];
        for (int i = 0; i < shnum; i++) {
            int h = (int) (shoff + (long) i * shentsize);
            raw[i] = new long[] {u32(h), u32(h + 4), u32(h + 12), u32(h + 16), u32(h + 20)};
        }
        long strOff = raw[shstrndx][3];
        for (long[] s : raw) {
            sections.add(new Section(string(strOff + s[0]), (int) s[1], s[2], s[3], s[4]));
        }
    }

    public List<Section> sections() {
        return sections;
    }

    /** The named section, or null. */
    public Section section(String name) {
        for (Section s : sections) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** The file bytes of a section (empty for a NOBITS section like .bss). */
    public byte[] contents(Section s) {
        if (s.type() == SHT_NOBITS) {
            return new byte[0];
        }
        check(s.offset(), s.size());
        byte[] out = new byte[(int) s.size()];
        System.arraycopy(image, (int) s.offset(), out, 0, out.length);
        return out;
    }

    /** Every symbol of the .symtab section (empty when the file is stripped). */
    public List<Sym> symbols() {
        List<Sym> out = new ArrayList<>();
        for (int i = 0; i < sections.size(); i++) {
            Section s = sections.get(i);
            if (s.type() != SHT_SYMTAB) {
                continue;
            }
            int link = u32at(sectionHeaderField(i, 24));
            long strOff = sections.get(link).offset();
            check(s.offset(), s.size());
            for (long e = s.offset(); e + 16 <= s.offset() + s.size(); e += 16) {
                int p = (int) e;
                String name = string(strOff + u32(p));
                out.add(new Sym(name, u32(p + 4), u32(p + 8), image[p + 12] & 0xF, u16(p + 14)));
            }
        }
        return out;
    }

    private int sectionHeaderField(int index, int field) {
        return (int) (u32(32) + (long) index * u16(46) + field);
    }

    private int u32at(int off) {
        return (int) u32(off);
    }

    private long u32(long off) {
        check(off, 4);
        return b.getInt((int) off) & 0xFFFFFFFFL;
    }

    private int u16(long off) {
        check(off, 2);
        return b.getShort((int) off) & 0xFFFF;
    }

    private String string(long off) {
        check(off, 1);
        int end = (int) off;
        while (end < image.length && image[end] != 0) {
            end++;
        }
        return new String(image, (int) off, end - (int) off, StandardCharsets.ISO_8859_1);
    }

    private void check(long off, long len) {
        if (off < 0 || len < 0 || off + len > image.length) {
            throw new IllegalArgumentException("truncated ELF file");
        }
    }
}
