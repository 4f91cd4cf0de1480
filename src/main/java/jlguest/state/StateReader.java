package jlguest.state;

import java.nio.charset.StandardCharsets;

/**
 * Reads back what a {@link StateWriter} wrote, checking as it goes: reading past the end, a length
 * that does not fit, a value outside its range each throw {@link StateException} naming the
 * section, never an index or allocation error. A snapshot passed its checksum before any section
 * is read, so these fire only for a file written by a different layout (or crafted).
 */
public final class StateReader {
    private final String section;
    private final byte[] data;
    private int pos;

    public StateReader(String section, byte[] data) {
        this.section = section;
        this.data = data;
    }

    private StateException bad(String what) {
        return new StateException("section " + section + ": " + what);
    }

    private int u8() {
        if (pos >= data.length) {
            throw bad("ends early");
        }
        return data[pos++] & 0xFF;
    }

    public boolean bool() {
        int v = u8();
        if (v > 1) {
            throw bad("a flag reads " + v);
        }
        return v == 1;
    }

    public int i32() {
        return u8() | u8() << 8 | u8() << 16 | u8() << 24;
    }

    /** An int that must lie in [min, max]. */
    public int i32(int min, int max, String what) {
        int v = i32();
        if (v < min || v > max) {
            throw bad(what + " is " + v + ", outside " + min + ".." + max);
        }
        return v;
    }

    public long i64() {
        return (i32() & 0xFFFF_FFFFL) | (long) i32() << 32;
    }

    private int length(int expected, String what) {
        int n = i32();
        if (expected >= 0 ? n != expected : n < 0 || n > data.length - pos) {
            throw bad(what + " has length " + n + (expected >= 0 ? ", not " + expected : ""));
        }
        return n;
    }

    /** A byte array of any length that fits in the section. */
    public byte[] bytes() {
        int n = length(-1, "a byte string");
        byte[] v = java.util.Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return v;
    }

    /** Fills {@code into}, whose length the saved array must have. */
    public void bytes(byte[] into, String what) {
        int n = length(into.length, what);
        System.arraycopy(data, pos, into, 0, n);
        pos += n;
    }

    public void ints(int[] into, String what) {
        length(into.length, what);
        for (int i = 0; i < into.length; i++) {
            into[i] = i32();
        }
    }

    public void longs(long[] into, String what) {
        length(into.length, what);
        for (int i = 0; i < into.length; i++) {
            into[i] = i64();
        }
    }

    public String string() {
        int n = i32();
        if (n == -1) {
            return null;
        }
        pos -= 4;
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    /** The section must have been read to its last byte (a longer one is another layout). */
    public void end() {
        if (pos != data.length) {
            throw bad((data.length - pos) + " bytes left over");
        }
    }
}
