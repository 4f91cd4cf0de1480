package jlguest.boot;

import java.util.List;

/**
 * The physical memory map the machine reports, in the e820 form both Linux and multiboot use.
 *
 * <p>tour:boot:020 There is no BIOS to ask "what memory is there?", so the launcher answers for it
 * with three ranges (machine.md): low RAM, the reserved legacy hole where a PC keeps its BIOS and
 * VGA windows, and RAM from 1 MiB to the end. Linux builds its page allocator from this table.
 */
public final class E820 {
    private E820() {
    }

    public static final int RAM = 1;
    public static final int RESERVED = 2;

    /** One range of the map: [base, base+length) of the given type. */
    public record Entry(long base, long length, int type) {
    }

    /** The map for a machine with {@code ramSize} bytes of RAM. */
    public static List<Entry> forRam(long ramSize) {
        return List.of(
                new Entry(0, GuestLayout.LEGACY_HOLE_START, RAM),
                new Entry(GuestLayout.LEGACY_HOLE_START,
                        GuestLayout.HIGH_MEMORY - GuestLayout.LEGACY_HOLE_START, RESERVED),
                new Entry(GuestLayout.HIGH_MEMORY, ramSize - GuestLayout.HIGH_MEMORY, RAM));
    }
}
