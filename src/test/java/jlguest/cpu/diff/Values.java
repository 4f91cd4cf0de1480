package jlguest.cpu.diff;

import java.util.SplittableRandom;

/**
 * Operand values worth trying: the edges where carries, overflows and sign changes happen, small
 * numbers, and plain random bits.
 *
 * <p>tour:difftest:060 Random 32-bit operands almost never hit 0x7FFFFFFF + 1 or a zero result, and
 * those are exactly where an emulator's flag code goes wrong. So half of all values come from the
 * edges of the operand's width (0, 1, 0x7F, 0x80, 0xFF, ...), the rest are small or random.
 */
final class Values {
    private Values() {
    }

    private static final long[] EDGES32 = {0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF,
        0x1_0000, 0x7FFF_FFFFL, 0x8000_0000L, 0x8000_0001L, 0xFFFF_FFFFL, 0xFFFF_FFFEL, 0x5555_5555L,
        0xAAAA_AAAAL, 0x0000_FF00L, 0x00FF_00FFL, 0xFFFF_8000L, 0xFFFF_FF80L, 0xFFFF_7FFFL};

    /** Shift and rotate counts: both sides of 1, of each operand width, and of the 5-bit mask. */
    private static final int[] COUNTS = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 64, 255};

    /** A value of {@code bits} (8, 16, 32; 64 allowed) width, unsigned in a long. */
    static long operand(SplittableRandom rnd, int bits) {
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        int pick = rnd.nextInt(10);
        if (pick < 5) {
            return edge(rnd, bits);
        } else if (pick < 7) {
            return rnd.nextInt(64) & mask;
        }
        return rnd.nextLong() & mask;
    }

    /** An edge value of {@code bits} width. */
    static long edge(SplittableRandom rnd, int bits) {
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        long top = bits == 64 ? Long.MIN_VALUE : 1L << (bits - 1);
        switch (rnd.nextInt(8)) {
            case 0: return 0;
            case 1: return 1;
            case 2: return top - 1;          // 0x7F..
            case 3: return top;              // 0x80..
            case 4: return mask;             // 0xFF..
            case 5: return (top + 1) & mask;
            case 6: return (mask - 1) & mask;
            default: return EDGES32[rnd.nextInt(EDGES32.length)] & mask;
        }
    }

    /** A full 32-bit register value (random, edge or small). */
    static int register(SplittableRandom rnd) {
        return (int) operand(rnd, 32);
    }

    /** A shift or rotate count as the instruction would see it (CL or an Ib). */
    static int count(SplittableRandom rnd) {
        return rnd.nextInt(4) == 0 ? rnd.nextInt(256) : COUNTS[rnd.nextInt(COUNTS.length)];
    }

    /** The six arithmetic flags at random, DF sometimes, plus the bits user mode always has. */
    static int eflags(SplittableRandom rnd) {
        int f = rnd.nextInt() & 0x8D5;      // OF SF ZF AF PF CF
        if (rnd.nextInt(5) == 0) {
            f |= 0x400;                      // DF
        }
        return f | Layout.EFLAGS_FIXED;
    }
}
