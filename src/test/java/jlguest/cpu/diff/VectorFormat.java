package jlguest.cpu.diff;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The case and vector file format, shared with tools/difftest/harness.c. All numbers little-endian.
 *
 * <pre>
 * file    := "JLDT" u16 version(=1) u16 nforms { u8 len, name[len] }*nforms  case*   (to end of file)
 * case    := u16 form  u8 codeLen  code[codeLen]  u32 eflagsIn  u32 regs[8]  u32 seed
 *            u8 npatch { u16 offset, u8 len, bytes[len] }*npatch  u16 undefFlags
 *            result                                             (only in vector files)
 * result  := u8 kind
 *            kind 0 (completed): u32 eip
 *            kind 1 (exception): u8 vector  u32 eip  u32 errorCode  u32 cr2
 *            u32 eflags  u8 changedRegs { u32 reg }*popcount(changedRegs)   (bit i = register i)
 *            u8 changedSegs { u16 selector }*popcount(changedSegs)   (bits: ES CS SS DS, against
 *                                                      the user defaults 0x2B 0x23 0x2B 0x2B)
 *            u16 nruns { u16 offset, u8 len, bytes[len] }*nruns         (changed data bytes)
 * </pre>
 *
 * The generator writes case files; the harness reads one and writes it back with a result after every
 * case (a vector file); regenerate.sh gzips the vector files into src/test/resources/difftest/.
 */
final class VectorFormat {
    static final int VERSION = 1;
    /** ES CS SS DS as a user-mode process starts with them; vector files store only differences. */
    static final int[] USER_SEGS = {Layout.USER_DS, Layout.USER_CS, Layout.USER_DS, Layout.USER_DS};

    private VectorFormat() {
    }

    /** Writes a file: the header, then cases (with results when they have them). */
    static final class Writer implements AutoCloseable {
        private final OutputStream out;

        Writer(OutputStream out, List<String> forms) throws IOException {
            this.out = out;
            out.write("JLDT".getBytes(StandardCharsets.US_ASCII));
            u16(VERSION);
            u16(forms.size());
            for (String f : forms) {
                byte[] b = f.getBytes(StandardCharsets.UTF_8);
                out.write(b.length);
                out.write(b);
            }
        }

        void write(DiffCase c) throws IOException {
            u16(c.form());
            out.write(c.code().length);
            out.write(c.code());
            u32(c.eflagsIn());
            for (int r : c.regsIn()) {
                u32(r);
            }
            u32(c.seed());
            out.write(c.patches().size());
            for (DiffCase.Patch p : c.patches()) {
                u16(p.offset());
                out.write(p.bytes().length);
                out.write(p.bytes());
            }
            u16(c.undefFlags());
            DiffCase.Result r = c.result();
            if (r == null) {
                return;
            }
            if (r.completed()) {
                out.write(0);
                u32(r.eip());
            } else {
                out.write(1);
                out.write(r.vector());
                u32(r.eip());
                u32(r.errorCode());
                u32(r.cr2());
            }
            u32(r.eflags());
            int mask = 0;
            for (int i = 0; i < 8; i++) {
                mask |= r.regs()[i] != c.regsIn()[i] ? 1 << i : 0;
            }
            out.write(mask);
            for (int i = 0; i < 8; i++) {
                if ((mask & 1 << i) != 0) {
                    u32(r.regs()[i]);
                }
            }
            int smask = 0;
            for (int i = 0; i < 4; i++) {
                smask |= r.segs()[i] != USER_SEGS[i] ? 1 << i : 0;
            }
            out.write(smask);
            for (int i = 0; i < 4; i++) {
                if ((smask & 1 << i) != 0) {
                    u16(r.segs()[i]);
                }
            }
            u16(r.memory().size());
            for (DiffCase.Run run : r.memory()) {
                u16(run.offset());
                out.write(run.bytes().length);
                out.write(run.bytes());
            }
        }

        private void u16(int v) throws IOException {
            out.write(v);
            out.write(v >>> 8);
        }

        private void u32(int v) throws IOException {
            u16(v);
            u16(v >>> 16);
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /** Reads a case file or a vector file, one case at a time. */
    static final class Reader implements AutoCloseable {
        private final DataInputStream in;
        private final boolean withResults;
        private final List<String> forms = new ArrayList<>();

        Reader(InputStream in, boolean withResults) throws IOException {
            this.in = new DataInputStream(new BufferedInputStream(in, 1 << 16));
            this.withResults = withResults;
            byte[] magic = this.in.readNBytes(4);
            if (!"JLDT".equals(new String(magic, StandardCharsets.US_ASCII)) || u16() != VERSION) {
                throw new IOException("not a version-" + VERSION + " JLDT file");
            }
            int n = u16();
            for (int i = 0; i < n; i++) {
                forms.add(new String(bytes(u8()), StandardCharsets.UTF_8));
            }
        }

        List<String> forms() {
            return forms;
        }

        /** The next case, or null at the end of the file. */
        DiffCase next() throws IOException {
            int lo = in.read();
            if (lo < 0) {
                return null;
            }
            int form = lo | u8() << 8;
            byte[] code = bytes(u8());
            int eflags = u32();
            int[] regs = new int[8];
            for (int i = 0; i < 8; i++) {
                regs[i] = u32();
            }
            int seed = u32();
            int np = u8();
            List<DiffCase.Patch> patches = new ArrayList<>(np);
            for (int i = 0; i < np; i++) {
                int off = u16();
                patches.add(new DiffCase.Patch(off, bytes(u8())));
            }
            int undef = u16();
            DiffCase c = new DiffCase(form, code, eflags, regs, seed, patches, undef, null);
            return withResults ? c.withResult(result(regs)) : c;
        }

        private DiffCase.Result result(int[] regsIn) throws IOException {
            boolean completed = u8() == 0;
            int vector = -1;
            int eip;
            int err = 0;
            int cr2 = 0;
            if (completed) {
                eip = u32();
            } else {
                vector = u8();
                eip = u32();
                err = u32();
                cr2 = u32();
            }
            int eflags = u32();
            int mask = u8();
            int[] regs = regsIn.clone();
            for (int i = 0; i < 8; i++) {
                if ((mask & 1 << i) != 0) {
                    regs[i] = u32();
                }
            }
            int smask = u8();
            int[] segs = USER_SEGS.clone();
            for (int i = 0; i < 4; i++) {
                if ((smask & 1 << i) != 0) {
                    segs[i] = u16();
                }
            }
            int nruns = u16();
            List<DiffCase.Run> runs = new ArrayList<>(nruns);
            for (int i = 0; i < nruns; i++) {
                int off = u16();
                runs.add(new DiffCase.Run(off, bytes(u8())));
            }
            return new DiffCase.Result(completed, vector, eip, err, cr2, eflags, regs, segs, runs);
        }

        private int u8() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("truncated vector file");
            }
            return b;
        }

        private int u16() throws IOException {
            return u8() | u8() << 8;
        }

        private int u32() throws IOException {
            return u16() | u16() << 16;
        }

        private byte[] bytes(int n) throws IOException {
            byte[] b = in.readNBytes(n);
            if (b.length != n) {
                throw new EOFException("truncated vector file");
            }
            return b;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
