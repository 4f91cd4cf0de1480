package jlguest.cpu.fpu;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The recorded host-CPU vectors (tools/fpudiff): reading them, one {@link Case} per record. */
final class FpuVectors {
    /** Inputs and the host's outputs of one instruction. */
    static final class Case {
        int b0, b1, eflagsIn, nregs, cw, swIn;
        int[] se = new int[8];
        long[] m = new long[8];
        byte[] memIn;
        Result host = new Result();
    }

    /** What an instruction left: status, tag and control words, non-empty registers, memory, flags. */
    static final class Result {
        int sw, tw, cw, eflags;
        List<int[]> regSe = new ArrayList<>();
        List<Long> regM = new ArrayList<>();
        byte[] memOut;
    }

    private FpuVectors() {
    }

    static List<Case> load(String resource) {
        List<Case> cases = new ArrayList<>();
        try (InputStream raw = FpuVectors.class.getResourceAsStream(resource)) {
            if (raw == null) {
                throw new IllegalArgumentException("no resource " + resource);
            }
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(new GZIPInputStream(raw), 1 << 16));
            while (true) {
                Case c = new Case();
                try {
                    c.b0 = in.readUnsignedByte();
                } catch (EOFException e) {
                    break;
                }
                c.b1 = in.readUnsignedByte();
                c.eflagsIn = in.readUnsignedByte();
                c.nregs = in.readUnsignedByte();
                c.cw = u16(in);
                for (int k = 0; k < c.nregs; k++) {
                    c.m[k] = u64(in);
                    c.se[k] = u16(in);
                }
                c.swIn = u16(in);
                c.memIn = new byte[in.readUnsignedByte()];
                in.readFully(c.memIn);
                Result r = c.host;
                r.sw = u16(in);
                r.tw = u16(in);
                r.cw = u16(in);
                int top = (r.sw >>> 11) & 7;
                for (int k = 0; k < 8; k++) {
                    if (((r.tw >>> (2 * ((top + k) & 7))) & 3) != 3) {
                        long m = u64(in);
                        r.regM.add(m);
                        r.regSe.add(new int[] {k, u16(in)});
                    }
                }
                r.memOut = new byte[in.readUnsignedByte()];
                in.readFully(r.memOut);
                r.eflags = u16(in);
                cases.add(c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cases;
    }

    private static int u16(DataInputStream in) throws IOException {
        int lo = in.readUnsignedByte();
        return lo | (in.readUnsignedByte() << 8);
    }

    private static long u64(DataInputStream in) throws IOException {
        long v = 0;
        for (int k = 0; k < 8; k++) {
            v |= (long) in.readUnsignedByte() << (8 * k);
        }
        return v;
    }
}
