package jlguest.cpu.simd;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The SIMD differential-test file format (tools/ssediff/ssediff.c writes the results half).
 *
 * <p>Little-endian. Header: "JLSS", u16 version 1, u16 form count, forms as (u8 length, ASCII name).
 * Case: u16 form, u8 code length, code bytes, u32 MXCSR, u32 EFLAGS, u8 abridged x87 tag byte,
 * u32 seed, u8 override count, overrides as (u8 kind: 0 XMM, 1 MMX, 2 general register, 3 data
 * byte offset; u8 index; u8 length; bytes). Result: u8 vector (0xFF: completed), u32 MXCSR,
 * u32 EFLAGS, u16 FSW, u8 tag byte, then the changed XMM registers (u8 mask, 16 bytes each),
 * MMX registers (u8 mask, 8 bytes each), general registers (u8 mask, 4 bytes each) and 16-byte
 * chunks of the 64-byte data area (u8 mask).
 *
 * <p>The initial state comes from the seed: xorshift64 from 0x9E3779B97F4A7C15 ^ seed gives XMM0..7
 * (low then high quadword), MM0..7, EAX..EDI, then the data bytes; ESP and EDI are then fixed.
 */
final class SimdVectors {
    static final int CODE_PAGE = 0x10000000, CODE_OFFSET = 0x800, DATA_PAGE = 0x20000000, DATA_OFFSET = 0x100,
            DATA_LEN = 64;

    /** The machine state a case starts from or ends in. */
    static final class State {
        long[] xmm = new long[16];
        long[] mm = new long[8];
        int[] gpr = new int[8];
        byte[] mem = new byte[DATA_LEN];

        State copy() {
            State s = new State();
            s.xmm = xmm.clone();
            s.mm = mm.clone();
            s.gpr = gpr.clone();
            s.mem = mem.clone();
            return s;
        }
    }

    static final class Case {
        int form;
        byte[] code;
        int mxcsr, eflags, ftw, seed;
        List<byte[]> overrides = new ArrayList<>();   // kind, index, bytes...
        State in;
        // host result
        int vector, mxcsrOut, eflagsOut, fsw, ftwOut;
        State out;
    }

    static State fill(int seed) {
        State s = new State();
        long[] x = {0x9E3779B97F4A7C15L ^ (seed & 0xFFFFFFFFL)};
        for (int i = 0; i < 16; i++) {
            s.xmm[i] = next(x);
        }
        for (int i = 0; i < 8; i++) {
            s.mm[i] = next(x);
        }
        for (int i = 0; i < 8; i++) {
            s.gpr[i] = (int) next(x);
        }
        for (int i = 0; i < DATA_LEN; i += 8) {
            long v = next(x);
            for (int k = 0; k < 8; k++) {
                s.mem[i + k] = (byte) (v >>> (8 * k));
            }
        }
        s.gpr[4] = DATA_PAGE + 0xF00;
        s.gpr[7] = DATA_PAGE + DATA_OFFSET;
        return s;
    }

    private static long next(long[] x) {
        long v = x[0];
        v ^= v << 13;
        v ^= v >>> 7;
        v ^= v << 17;
        x[0] = v;
        return v;
    }

    static void apply(State s, int kind, int index, byte[] b, int from, int len) {
        for (int k = 0; k < len; k++) {
            int v = b[from + k] & 0xFF;
            switch (kind) {
                case 0 -> {
                    int bytePos = 16 * index + k;
                    s.xmm[bytePos / 8] = setByte(s.xmm[bytePos / 8], bytePos % 8, v);
                }
                case 1 -> {
                    int bytePos = 8 * index + k;
                    s.mm[bytePos / 8] = setByte(s.mm[bytePos / 8], bytePos % 8, v);
                }
                case 2 -> {
                    int bytePos = 4 * index + k;
                    int g = bytePos / 4, sh = 8 * (bytePos % 4);
                    s.gpr[g] = s.gpr[g] & ~(0xFF << sh) | v << sh;
                }
                default -> s.mem[index + k] = (byte) v;
            }
        }
    }

    private static long setByte(long w, int k, int v) {
        return w & ~(0xFFL << (8 * k)) | ((long) v << (8 * k));
    }

    /** Reads a vector file (gzipped): the form names into {@code forms}, the cases returned. */
    static List<Case> load(InputStream raw, List<String> forms) {
        List<Case> cases = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(
                new GZIPInputStream(raw, 1 << 16).readAllBytes()))) {
            byte[] magic = new byte[4];
            in.readFully(magic);
            if (!new String(magic, java.nio.charset.StandardCharsets.US_ASCII).equals("JLSS") || u16(in) != 1) {
                throw new IllegalArgumentException("not a JLSS v1 file");
            }
            int nforms = u16(in);
            for (int i = 0; i < nforms; i++) {
                byte[] name = new byte[in.readUnsignedByte()];
                in.readFully(name);
                forms.add(new String(name, java.nio.charset.StandardCharsets.US_ASCII));
            }
            while (true) {
                Case c = new Case();
                try {
                    c.form = u16(in);
                } catch (EOFException e) {
                    break;
                }
                c.code = new byte[in.readUnsignedByte()];
                in.readFully(c.code);
                c.mxcsr = u32(in);
                c.eflags = u32(in);
                c.ftw = in.readUnsignedByte();
                c.seed = u32(in);
                int n = in.readUnsignedByte();
                c.in = fill(c.seed);
                for (int i = 0; i < n; i++) {
                    int kind = in.readUnsignedByte(), index = in.readUnsignedByte(), len = in.readUnsignedByte();
                    byte[] b = new byte[len];
                    in.readFully(b);
                    apply(c.in, kind, index, b, 0, len);
                }
                c.vector = in.readUnsignedByte();
                c.mxcsrOut = u32(in);
                c.eflagsOut = u32(in);
                c.fsw = u16(in);
                c.ftwOut = in.readUnsignedByte();
                State o = c.in.copy();
                int mask = in.readUnsignedByte();
                for (int i = 0; i < 8; i++) {
                    if ((mask & (1 << i)) != 0) {
                        o.xmm[2 * i] = u64(in);
                        o.xmm[2 * i + 1] = u64(in);
                    }
                }
                mask = in.readUnsignedByte();
                for (int i = 0; i < 8; i++) {
                    if ((mask & (1 << i)) != 0) {
                        o.mm[i] = u64(in);
                    }
                }
                mask = in.readUnsignedByte();
                for (int i = 0; i < 8; i++) {
                    if ((mask & (1 << i)) != 0) {
                        o.gpr[i] = u32(in);
                    }
                }
                mask = in.readUnsignedByte();
                for (int i = 0; i < 4; i++) {
                    if ((mask & (1 << i)) != 0) {
                        in.readFully(o.mem, 16 * i, 16);
                    }
                }
                c.out = o;
                cases.add(c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cases;
    }

    static int u16(DataInputStream in) throws IOException {
        return in.readUnsignedByte() | in.readUnsignedByte() << 8;
    }

    static int u32(DataInputStream in) throws IOException {
        return u16(in) | u16(in) << 16;
    }

    static long u64(DataInputStream in) throws IOException {
        return (u32(in) & 0xFFFFFFFFL) | (long) u32(in) << 32;
    }

    /** Little-endian writer for the generator. */
    static final class Out {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();

        void u8(int v) {
            b.write(v);
        }

        void u16(int v) {
            u8(v);
            u8(v >>> 8);
        }

        void u32(int v) {
            u16(v);
            u16(v >>> 16);
        }

        void bytes(byte[] v) {
            b.write(v, 0, v.length);
        }
    }
}
