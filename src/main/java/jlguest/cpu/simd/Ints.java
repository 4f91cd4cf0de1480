package jlguest.cpu.simd;

/**
 * The integer instructions of MMX and SSE2, on 64-bit chunks.
 *
 * <p>tour:simd:200 An MMX register is one 64-bit chunk, an XMM register two. Most integer
 * instructions work lane by lane (bytes, words, dwords or qwords) and never cross a chunk, so one
 * method per operation on a {@code long} serves both register files: {@link #lanewise} is called
 * once for MMX and twice for XMM. The few that move data between lanes (packs, unpacks, shuffles,
 * byte shifts) work on the whole vector, in {@link Simd}.
 */
final class Ints {
    private Ints() {
    }

    static long lane(long v, int k, int bits) {
        return bits == 64 ? v : (v >>> (k * bits)) & ((1L << bits) - 1);
    }

    static long signedLane(long v, int k, int bits) {
        return bits == 64 ? v : (v << (64 - bits - k * bits)) >> (64 - bits);
    }

    /** Applies f to each lane of a and b. */
    private interface LaneOp {
        long apply(long a, long b);
    }

    private static long map(long a, long b, int bits, boolean signed, LaneOp f) {
        long r = 0;
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        for (int k = 0; k < 64 / bits; k++) {
            long x = signed ? signedLane(a, k, bits) : lane(a, k, bits);
            long y = signed ? signedLane(b, k, bits) : lane(b, k, bits);
            r |= (f.apply(x, y) & mask) << (k * bits);
        }
        return r;
    }

    private static long sat(long v, long lo, long hi) {
        return v < lo ? lo : v > hi ? hi : v;
    }

    /**
     * The lane-wise operation of opcode 0F {@code code} (MMX numbering; the 66-prefixed SSE2 form is
     * the same operation on each half). {@code a} is the destination's old value, {@code b} the source.
     */
    static long lanewise(int code, long a, long b) {
        switch (code) {
            case 0x64: return map(a, b, 8, true, (x, y) -> x > y ? -1 : 0);
            case 0x65: return map(a, b, 16, true, (x, y) -> x > y ? -1 : 0);
            case 0x66: return map(a, b, 32, true, (x, y) -> x > y ? -1 : 0);
            case 0x74: return map(a, b, 8, false, (x, y) -> x == y ? -1 : 0);
            case 0x75: return map(a, b, 16, false, (x, y) -> x == y ? -1 : 0);
            case 0x76: return map(a, b, 32, false, (x, y) -> x == y ? -1 : 0);
            case 0xD4: return a + b;
            case 0xD5: return map(a, b, 16, true, (x, y) -> x * y);
            case 0xD8: return map(a, b, 8, false, (x, y) -> sat(x - y, 0, 255));
            case 0xD9: return map(a, b, 16, false, (x, y) -> sat(x - y, 0, 65535));
            case 0xDA: return map(a, b, 8, false, Math::min);
            case 0xDB: return a & b;
            case 0xDC: return map(a, b, 8, false, (x, y) -> sat(x + y, 0, 255));
            case 0xDD: return map(a, b, 16, false, (x, y) -> sat(x + y, 0, 65535));
            case 0xDE: return map(a, b, 8, false, Math::max);
            case 0xDF: return ~a & b;
            case 0xE0: return map(a, b, 8, false, (x, y) -> (x + y + 1) >> 1);
            case 0xE3: return map(a, b, 16, false, (x, y) -> (x + y + 1) >> 1);
            case 0xE4: return map(a, b, 16, false, (x, y) -> (x * y) >>> 16);
            case 0xE5: return map(a, b, 16, true, (x, y) -> (x * y) >> 16);
            case 0xE8: return map(a, b, 8, true, (x, y) -> sat(x - y, -128, 127));
            case 0xE9: return map(a, b, 16, true, (x, y) -> sat(x - y, -32768, 32767));
            case 0xEA: return map(a, b, 16, true, Math::min);
            case 0xEB: return a | b;
            case 0xEC: return map(a, b, 8, true, (x, y) -> sat(x + y, -128, 127));
            case 0xED: return map(a, b, 16, true, (x, y) -> sat(x + y, -32768, 32767));
            case 0xEE: return map(a, b, 16, true, Math::max);
            case 0xEF: return a ^ b;
            case 0xF4: return (a & 0xFFFFFFFFL) * (b & 0xFFFFFFFFL);
            case 0xF5: {
                long r = 0;
                for (int k = 0; k < 2; k++) {
                    long s = signedLane(a, 2 * k, 16) * signedLane(b, 2 * k, 16)
                            + signedLane(a, 2 * k + 1, 16) * signedLane(b, 2 * k + 1, 16);
                    r |= (s & 0xFFFFFFFFL) << (32 * k);
                }
                return r;
            }
            case 0xF6: {
                long s = 0;
                for (int k = 0; k < 8; k++) {
                    s += Math.abs(lane(a, k, 8) - lane(b, k, 8));
                }
                return s;
            }
            case 0xF8: return map(a, b, 8, false, (x, y) -> x - y);
            case 0xF9: return map(a, b, 16, false, (x, y) -> x - y);
            case 0xFA: return map(a, b, 32, false, (x, y) -> x - y);
            case 0xFB: return a - b;
            case 0xFC: return map(a, b, 8, false, (x, y) -> x + y);
            case 0xFD: return map(a, b, 16, false, (x, y) -> x + y);
            case 0xFE: return map(a, b, 32, false, (x, y) -> x + y);
            default: throw new IllegalArgumentException("not a lane-wise op " + code);
        }
    }

    /** Lane width in bits of the shift opcodes (by register D1..F3 and by immediate 71..73). */
    static int shiftBits(int code) {
        switch (code) {
            case 0xD1: case 0xE1: case 0xF1: case 0x71: return 16;
            case 0xD2: case 0xE2: case 0xF2: case 0x72: return 32;
            default: return 64;
        }
    }

    /**
     * Shifts each lane: kind 0 logical right, 1 arithmetic right, 2 left; {@code count} is the
     * whole 64-bit count (anything at or past the lane width empties it, or fills it with signs).
     */
    static long shift(long v, int bits, int kind, long count) {
        long r = 0;
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        boolean big = Long.compareUnsigned(count, bits - 1) > 0;
        int c = (int) count;
        for (int k = 0; k < 64 / bits; k++) {
            long x;
            if (kind == 1) {
                long s = signedLane(v, k, bits);
                x = s >> (big ? bits - 1 : c);
            } else if (big) {
                x = 0;
            } else {
                long u = lane(v, k, bits);
                x = kind == 0 ? u >>> c : u << c;
            }
            r |= (x & mask) << (k * bits);
        }
        return r;
    }

    /** Saturates a signed lane to a byte or word (signed or unsigned). */
    static long pack(long v, int bits, boolean unsigned) {
        if (bits == 8) {
            return unsigned ? sat(v, 0, 255) : sat(v, -128, 127) & 0xFF;
        }
        return sat(v, -32768, 32767) & 0xFFFF;
    }
}
