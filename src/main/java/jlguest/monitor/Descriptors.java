package jlguest.monitor;

/**
 * Segment and gate descriptors, decoded for people: the GDT, the IDT and the TSS.
 *
 * <p>tour:monitor:080 A descriptor is 8 bytes that scatter a base, a limit and a type across
 * two words for historical reasons (the 286 had 24-bit bases). Code and data segments carry a
 * base, a limit (in bytes or, with G, in 4 KiB units) and a DPL; gates in the IDT carry a
 * selector and an offset: the handler. The monitor reads the tables where the CPU's GDTR, IDTR
 * and TR say they are, through the guest's page tables.
 */
public final class Descriptors {
    private Descriptors() {
    }

    /** One descriptor as text. */
    public static String describe(long d) {
        int lo = (int) d;
        int hi = (int) (d >>> 32);
        boolean present = (hi & 0x8000) != 0;
        int dpl = (hi >>> 13) & 3;
        int type = (hi >>> 8) & 0xF;
        boolean system = (hi & 0x1000) == 0;
        if (d == 0) {
            return "null";
        }
        if (system && (type == 0x5 || type == 0x6 || type == 0x7 || type == 0xE || type == 0xF || type == 0x4 || type == 0xC)) {
            int sel = lo >>> 16;
            int off = (hi & 0xFFFF0000) | (lo & 0xFFFF);
            String kind = switch (type) {
                case 0x5 -> "task gate";
                case 0x4 -> "16-bit call gate";
                case 0xC -> "call gate";
                case 0x6 -> "16-bit interrupt gate";
                case 0x7 -> "16-bit trap gate";
                case 0xE -> "interrupt gate";
                default -> "trap gate";
            };
            return String.format("%s %04x:%08x dpl=%d%s", kind, sel, off, dpl, present ? "" : " not-present");
        }
        int base = (hi & 0xFF000000) | ((hi & 0xFF) << 16) | (lo >>> 16);
        int limit = (hi & 0xF0000) | (lo & 0xFFFF);
        boolean gran = (hi & 0x800000) != 0;
        long bytes = gran ? ((long) limit << 12) | 0xFFF : limit;
        String kind;
        if (system) {
            kind = switch (type) {
                case 0x1 -> "16-bit TSS (available)";
                case 0x2 -> "LDT";
                case 0x3 -> "16-bit TSS (busy)";
                case 0x9 -> "TSS (available)";
                case 0xB -> "TSS (busy)";
                default -> "system type " + type;
            };
        } else if ((type & 8) != 0) {
            kind = "code " + ((type & 2) != 0 ? "r-x" : "--x") + ((type & 4) != 0 ? " conforming" : "");
        } else {
            kind = "data " + ((type & 2) != 0 ? "rw-" : "r--") + ((type & 4) != 0 ? " expand-down" : "");
        }
        String size = system ? "" : (hi & 0x400000) != 0 ? " 32-bit" : " 16-bit";
        return String.format("base=%08x limit=%08x %s%s dpl=%d%s%s", base, bytes, kind, size, dpl,
                (type & 1) != 0 && !system ? " accessed" : "", present ? "" : " not-present");
    }

    /** The 32-bit TSS fields, from its 104 bytes (as little-endian dwords). */
    public static String describeTss(int[] dw) {
        String[] regs = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
        StringBuilder s = new StringBuilder();
        s.append(String.format("link=%04x  esp0=%08x ss0=%04x  esp1=%08x ss1=%04x  esp2=%08x ss2=%04x%n",
                dw[0] & 0xFFFF, dw[1], dw[2] & 0xFFFF, dw[3], dw[4] & 0xFFFF, dw[5], dw[6] & 0xFFFF));
        s.append(String.format("cr3=%08x eip=%08x eflags=%08x%n", dw[7], dw[8], dw[9]));
        for (int i = 0; i < 8; i++) {
            s.append(String.format("%s=%08x%s", regs[i], dw[10 + i], i == 3 || i == 7 ? "\n" : " "));
        }
        s.append(String.format("es=%04x cs=%04x ss=%04x ds=%04x fs=%04x gs=%04x ldt=%04x  iomap base=%04x%n",
                dw[18] & 0xFFFF, dw[19] & 0xFFFF, dw[20] & 0xFFFF, dw[21] & 0xFFFF, dw[22] & 0xFFFF,
                dw[23] & 0xFFFF, dw[24] & 0xFFFF, dw[25] >>> 16));
        return s.toString();
    }
}
