package jlguest.debug.symbols;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The guest kernel's symbols: names to addresses and addresses to "function+offset".
 *
 * <p>tour:monitor:040 A debugger that prints 0xc10a2f3c makes you reach for System.map; one that
 * prints {@code do_idle+0x5c} tells a story. Symbols come from the vmlinux's own ELF symbol table
 * (a kernel built with symbols, as the bundled one is) or from a System.map given with
 * {@code --symbols}. Lookups are a binary search over the sorted addresses: every address the
 * monitor, the traces and the disassembler print goes through {@link #describe(int)}.
 */
public final class Symbols {
    /** No symbols at all: every address prints as a number. */
    public static final Symbols NONE = new Symbols(List.of());

    /** Beyond this distance from the nearest symbol below, an address is not "symbol+offset". */
    private static final long MAX_OFFSET = 0x10000;

    private record Entry(String name, long address, long size, int rank) {
    }

    private final long[] addresses;
    private final Entry[] entries;
    private final Map<String, Long> byName = new HashMap<>();
    private final TreeSet<String> names = new TreeSet<>();

    private Symbols(List<Entry> list) {
        List<Entry> sorted = new ArrayList<>(list);
        // At one address, prefer functions, then objects, then plain labels; then the shorter name.
        sorted.sort((a, b) -> a.address != b.address ? Long.compare(a.address, b.address)
                : a.rank != b.rank ? Integer.compare(a.rank, b.rank) : a.name.compareTo(b.name));
        List<Entry> unique = new ArrayList<>();
        for (Entry e : sorted) {
            if (unique.isEmpty() || unique.get(unique.size() - 1).address != e.address) {
                unique.add(e);
            }
            byName.putIfAbsent(e.name, e.address);
            names.add(e.name);
        }
        entries = unique.toArray(new Entry[0]);
        addresses = new long[entries.length];
        for (int i = 0; i < entries.length; i++) {
            addresses[i] = entries[i].address;
        }
    }

    /** Symbols from an ELF file's .symtab (functions, objects and labels; no file or section names). */
    public static Symbols fromElf(byte[] image) {
        List<Entry> list = new ArrayList<>();
        for (ElfImage.Sym s : new ElfImage(image).symbols()) {
            if (s.name().isEmpty() || s.shndx() == 0 || s.shndx() >= 0xFF00 || s.type() > 2 || s.value() == 0 || s.name().startsWith("$")) {
                continue;
            }
            list.add(new Entry(s.name(), s.value(), s.size(), s.type() == 2 ? 0 : s.type() == 1 ? 1 : 2));
        }
        return new Symbols(list);
    }

    /** Symbols from a System.map ("c1000000 T startup_32" per line). */
    public static Symbols fromSystemMap(List<String> lines) {
        List<Entry> list = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 3 || f[1].length() != 1) {
                continue;
            }
            try {
                long a = Long.parseLong(f[0], 16);
                char t = Character.toLowerCase(f[1].charAt(0));
                list.add(new Entry(f[2], a, 0, t == 't' ? 0 : t == 'd' || t == 'b' || t == 'r' ? 1 : 2));
            } catch (NumberFormatException e) {
                // not a symbol line
            }
        }
        return new Symbols(list);
    }

    /**
     * Loads symbols from {@code file}: an ELF file's symbol table, or else a System.map.
     * Throws IOException with a one-line message when it is neither.
     */
    public static Symbols load(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length > 4 && bytes[0] == 0x7F && bytes[1] == 'E') {
            try {
                return fromElf(bytes);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage());
            }
        }
        Symbols s = fromSystemMap(new String(bytes, StandardCharsets.ISO_8859_1).lines().toList());
        if (s.size() == 0) {
            throw new IOException(file + ": neither an ELF file with symbols nor a System.map");
        }
        return s;
    }

    public int size() {
        return entries.length;
    }

    /** The address of {@code name}, or null. */
    public Long lookup(String name) {
        return byName.get(name);
    }

    /** "name+0x12" (or "name" at offset 0) for an address inside or just after a symbol; else null. */
    public String describe(int address) {
        long a = address & 0xFFFFFFFFL;
        int i = Arrays.binarySearch(addresses, a);
        if (i < 0) {
            i = -i - 2;
        }
        if (i < 0) {
            return null;
        }
        Entry e = entries[i];
        long off = a - e.address;
        if (e.size > 0 ? off >= e.size && off >= MAX_OFFSET : off >= MAX_OFFSET) {
            return null;
        }
        return off == 0 ? e.name : e.name + "+0x" + Long.toHexString(off);
    }

    /** "0xc1234567 <name+0x12>", or just the number when no symbol is near. */
    public String format(int address) {
        String name = describe(address);
        String hex = String.format("0x%08x", address);
        return name == null ? hex : hex + " <" + name + ">";
    }

    /** Names that start with {@code prefix}, sorted, at most {@code max}. */
    public List<String> complete(String prefix, int max) {
        List<String> out = new ArrayList<>();
        for (String n : names.tailSet(prefix)) {
            if (!n.startsWith(prefix) || out.size() >= max) {
                break;
            }
            out.add(n);
        }
        return out;
    }
}
