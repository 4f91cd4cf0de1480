package jlguest.state;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Where a {@link Stateful} part writes its state: a flat little-endian byte stream of plain values,
 * read back by {@link StateReader} in the same order. No field names and no types on the wire: a
 * section's layout is its class's save method, and a change to it changes the format's version
 * (docs/snapshots.md).
 */
public final class StateWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public StateWriter bool(boolean v) {
        out.write(v ? 1 : 0);
        return this;
    }

    public StateWriter i32(int v) {
        for (int i = 0; i < 4; i++) {
            out.write(v >>> (8 * i));
        }
        return this;
    }

    public StateWriter i64(long v) {
        i32((int) v);
        return i32((int) (v >>> 32));
    }

    /** A length, then the bytes. */
    public StateWriter bytes(byte[] v) {
        i32(v.length);
        out.write(v, 0, v.length);
        return this;
    }

    /** A length, then the values. */
    public StateWriter ints(int[] v) {
        i32(v.length);
        for (int x : v) {
            i32(x);
        }
        return this;
    }

    public StateWriter longs(long[] v) {
        i32(v.length);
        for (long x : v) {
            i64(x);
        }
        return this;
    }

    /** UTF-8 with a length; null is written as length -1. */
    public StateWriter string(String v) {
        if (v == null) {
            return i32(-1);
        }
        return bytes(v.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
