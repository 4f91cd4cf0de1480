package jlguest.cpu.diff;

/**
 * The initial contents of a case's data pages, from a 32-bit seed.
 *
 * <p>Storing 8 KiB per case would make the vectors huge, so both sides compute the pages from the
 * case's seed with xorshift32 (Marsaglia, 2003), one little-endian word at a time, and then apply the
 * case's few explicit patches. fill() in tools/difftest/harness.c is the same loop in C.
 */
final class DataFill {
    private DataFill() {
    }

    /** Fills {@code page[0 .. Layout.DATA_SIZE)} from {@code seed}. */
    static void fill(byte[] page, int seed) {
        int x = seed ^ 0x9E37_79B9;
        if (x == 0) {
            x = 1;
        }
        for (int i = 0; i < Layout.DATA_SIZE; i += 4) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            page[i] = (byte) x;
            page[i + 1] = (byte) (x >>> 8);
            page[i + 2] = (byte) (x >>> 16);
            page[i + 3] = (byte) (x >>> 24);
        }
    }

    /** The initial data pages of {@code c}: the seed's fill plus the patches. */
    static byte[] initial(DiffCase c) {
        byte[] page = new byte[Layout.DATA_SIZE];
        fill(page, c.seed());
        for (DiffCase.Patch p : c.patches()) {
            System.arraycopy(p.bytes(), 0, page, p.offset(), p.bytes().length);
        }
        return page;
    }
}
