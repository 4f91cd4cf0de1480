package jlguest.cpu;

import java.nio.charset.StandardCharsets;

/**
 * The extended CPUID leaves (0x80000000 and up) and the features they and leaf 1 report for paging.
 *
 * <p>tour:cpu:805 Leaf 0x80000000 gives the highest extended leaf, 0x80000001 the extended feature
 * bits, and 0x80000002..4 the 48-byte brand string that /proc/cpuinfo shows as "model name". An Intel
 * CPU in 32-bit mode reports a single bit in 0x80000001, EDX bit 20, NX (execute disable); SYSCALL and
 * long mode are 64-bit only, and LAHF/SAHF in 64-bit mode means nothing here. We report NX because
 * PAE paging honours the XD bit (see {@link PaePaging}), and PAE (leaf 1 EDX bit 6). The brand says
 * what we are: a virtual CPU, not a Pentium that never existed with these features. Leaves we do not
 * have (0x80000005 and up) read as zeros, and the maximum says so.
 */
final class ExtendedCpuid {
    /** Leaf 1 EDX: PAE (bit 6). */
    static final int LEAF1_EDX = 1 << 6;
    static final int MAX_EXTENDED = 0x80000004;
    /** Leaf 0x80000001 EDX: NX (bit 20). */
    static final int EXT1_EDX = 1 << 20;
    static final String BRAND = "jlguest virtual i686 CPU";

    private static final int[] BRAND_WORDS = brandWords();

    private ExtendedCpuid() {
    }

    /** Fills EAX, EBX, ECX, EDX for a leaf in 0x80000000..0xFFFFFFFF. */
    static void leaf(int leaf, int[] out) {
        java.util.Arrays.fill(out, 0);
        if (leaf == 0x80000000) {
            out[0] = MAX_EXTENDED;
        } else if (leaf == 0x80000001) {
            out[3] = EXT1_EDX;
        } else if (leaf >= 0x80000002 && leaf <= 0x80000004) {
            System.arraycopy(BRAND_WORDS, (leaf - 0x80000002) * 4, out, 0, 4);
        }
    }

    /** The brand string as 12 little-endian words, padded with NULs to 48 bytes. */
    private static int[] brandWords() {
        byte[] b = new byte[48];
        byte[] s = BRAND.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(s, 0, b, 0, s.length);
        int[] w = new int[12];
        for (int i = 0; i < 48; i++) {
            w[i / 4] |= (b[i] & 0xFF) << (8 * (i % 4));
        }
        return w;
    }
}
