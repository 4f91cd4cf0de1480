package jlguest.cpu.simd;

import java.io.FileOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import jlguest.cpu.Opcode;
import jlguest.cpu.OpcodeTable;

/**
 * Makes the SIMD differential-test cases from the opcode table's MMX and SSE rows.
 *
 * <p>tour:simd:910 Every row with the MMX or SSE attribute becomes a register form and a memory
 * form (as its ModRM allows), each with a few hundred cases. The operands get values of the kind
 * the instruction reads (singles, doubles or integers; a conversion reads the kind before the
 * "2"), drawn to hit what breaks emulators: signed zeros, denormals, infinities, quiet and
 * signalling NaNs, the largest and smallest normals, products and sums that overflow, underflow
 * or cancel, integers past 2^24 and 2^31, halfway cases. MXCSR gets every rounding mode, FTZ and
 * DAZ, random masks (so #XM is taken) and sticky flags; a memory operand is misaligned now and
 * then (#GP for the aligned forms). Usage: {@code SimdCaseGenerator OUT [scale] [seed]}.
 */
public final class SimdCaseGenerator {
    /** Rows left out: their results differ between CPU families by design. */
    static final List<String> EXCLUDED = List.of("RCPPS", "RCPSS", "RSQRTPS", "RSQRTSS");

    enum Kind { F32, F64, INT }

    record Variant(Opcode row, boolean mem, String name, int count) { }

    private final SplittableRandom rnd;

    SimdCaseGenerator(long seed) {
        rnd = new SplittableRandom(seed);
    }

    static List<Variant> variants(double scale) {
        List<Variant> v = new ArrayList<>();
        for (Opcode o : OpcodeTable.ROWS) {
            if ((o.attrs() & (Opcode.MMX | Opcode.SSE)) == 0 || EXCLUDED.contains(o.mnemonic())) {
                continue;
            }
            Kind k = kind(o);
            int n = (int) Math.max(20, Math.round(scale * (k == Kind.INT ? 150 : 450)));
            String base = (o.prefix() != 0 ? String.format("%02X ", o.prefix()) : "") + o.mnemonic()
                    + (o.operands().isEmpty() ? "" : " " + String.join(",", o.operands()));
            if (o.mod() != Opcode.Mod.MEM) {
                v.add(new Variant(o, false, base + (o.mod() == Opcode.Mod.NONE ? "" : " reg"), n));
            }
            if (o.mod() == Opcode.Mod.MEM || o.mod() == Opcode.Mod.ANY) {
                v.add(new Variant(o, true, base + " mem", n));
            }
        }
        return v;
    }

    static Kind kind(Opcode o) {
        String m = o.mnemonic();
        if (m.startsWith("CVT")) {
            String src = m.substring(m.startsWith("CVTT") ? 4 : 3, m.indexOf('2'));
            return src.equals("PS") || src.equals("SS") ? Kind.F32 : src.equals("PD") || src.equals("SD") ? Kind.F64 : Kind.INT;
        }
        for (String op : o.operands()) {
            if (op.endsWith("ps") || op.endsWith("ss")) {
                return Kind.F32;
            }
            if (op.endsWith("pd") || op.endsWith("sd")) {
                return Kind.F64;
            }
        }
        return Kind.INT;
    }

    // ---- values ---------------------------------------------------------------------------------

    long f32() {
        int s = rnd.nextBoolean() ? 0x80000000 : 0;
        int frac = rnd.nextInt() & 0x7FFFFF;
        int r = rnd.nextInt(100);
        int v;
        if (r < 5) {
            v = s;
        } else if (r < 12) {
            v = s | Math.max(1, frac >>> rnd.nextInt(23));
        } else if (r < 16) {
            v = s | 0x7F800000;
        } else if (r < 20) {
            v = s | 0x7FC00000 | frac & rnd.nextInt(0x400000);
        } else if (r < 24) {
            v = s | 0x7F800000 | Math.max(1, frac & 0x3FFFFF);
        } else if (r < 30) {
            v = s | (253 + rnd.nextInt(2)) << 23 | frac;
        } else if (r < 36) {
            v = s | (1 + rnd.nextInt(3)) << 23 | frac;
        } else if (r < 60) {
            v = s | (127 - 20 + rnd.nextInt(40)) << 23 | frac;
        } else if (r < 72) {
            v = s | (1 + rnd.nextInt(254)) << 23 | frac;
        } else if (r < 84) {
            // integers and halves, and values near 2^31 for the conversions
            double d = rnd.nextInt(5) == 0 ? (rnd.nextBoolean() ? 2147483648.0 : 2147483520.0) + rnd.nextInt(-256, 256)
                    : rnd.nextInt(-100000, 100000) / (rnd.nextBoolean() ? 1.0 : 2.0);
            v = Float.floatToRawIntBits((float) d);
        } else {
            v = s | (127 - 60 + rnd.nextInt(120)) << 23 | frac & (-1 << rnd.nextInt(24));
        }
        return v & 0xFFFFFFFFL;
    }

    long f64() {
        long s = rnd.nextBoolean() ? Long.MIN_VALUE : 0;
        long frac = rnd.nextLong() & 0xFFFFFFFFFFFFFL;
        int r = rnd.nextInt(100);
        if (r < 5) {
            return s;
        } else if (r < 12) {
            return s | Math.max(1, frac >>> rnd.nextInt(52));
        } else if (r < 16) {
            return s | 0x7FF0000000000000L;
        } else if (r < 20) {
            return s | 0x7FF8000000000000L | frac & rnd.nextLong(0x8000000000000L);
        } else if (r < 24) {
            return s | 0x7FF0000000000000L | Math.max(1, frac & 0x7FFFFFFFFFFFFL);
        } else if (r < 30) {
            return s | (long) (2045 + rnd.nextInt(2)) << 52 | frac;
        } else if (r < 36) {
            return s | (long) (1 + rnd.nextInt(3)) << 52 | frac;
        } else if (r < 60) {
            return s | (long) (1023 - 40 + rnd.nextInt(80)) << 52 | frac;
        } else if (r < 72) {
            return s | (long) (1 + rnd.nextInt(2046)) << 52 | frac;
        } else if (r < 84) {
            double d = rnd.nextInt(5) == 0 ? (rnd.nextBoolean() ? 2147483648.0 : -2147483649.0) + rnd.nextInt(-4, 4) / 2.0
                    : rnd.nextInt(-100000, 100000) / (rnd.nextBoolean() ? 1.0 : 4.0);
            return Double.doubleToRawLongBits(d);
        } else if (r < 92) {
            // exactly representable in single, or one bit past it: conversions round here
            return s | (long) (1023 - 140 + rnd.nextInt(280)) << 52 | frac & (-1L << (29 - rnd.nextInt(2)));
        }
        return s | (long) (1023 - 126 - 30 + rnd.nextInt(60)) << 52 | frac;
    }

    long int64() {
        int r = rnd.nextInt(10);
        if (r < 5) {
            return rnd.nextLong();
        }
        long v = 0;
        for (int k = 0; k < 8; k++) {
            int b = switch (rnd.nextInt(6)) {
                case 0 -> 0;
                case 1 -> 0xFF;
                case 2 -> 0x80;
                case 3 -> 0x7F;
                case 4 -> rnd.nextInt(4);
                default -> rnd.nextInt(256);
            };
            v |= (long) b << (8 * k);
        }
        return v;
    }

    int int32() {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> rnd.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE;
            case 2 -> (1 << (24 + rnd.nextInt(7))) + rnd.nextInt(-3, 4);
            case 3 -> -((1 << (24 + rnd.nextInt(7))) + rnd.nextInt(-3, 4));
            case 4 -> rnd.nextInt(-1000, 1000);
            default -> rnd.nextInt();
        };
    }

    /** 128 bits of operand values of the given kind: {lo, hi}. */
    long[] vector(Kind k) {
        return switch (k) {
            case F32 -> new long[] {f32() | f32() << 32, f32() | f32() << 32};
            case F64 -> new long[] {f64(), f64()};
            default -> rnd.nextInt(4) == 0
                    ? new long[] {int32() & 0xFFFFFFFFL | (long) int32() << 32, int32() & 0xFFFFFFFFL | (long) int32() << 32}
                    : new long[] {int64(), int64()};
        };
    }

    /** A source close to the negated (or equal) destination: cancellation, tiny and exact results. */
    long[] near(long[] d, Kind k) {
        long[] r = d.clone();
        for (int i = 0; i < 2; i++) {
            if (k == Kind.F64) {
                r[i] = d[i] ^ (rnd.nextBoolean() ? Long.MIN_VALUE : 0) ^ rnd.nextInt(8);
            } else {
                long lo = d[i] & 0xFFFFFFFFL ^ (rnd.nextBoolean() ? 0x80000000L : 0) ^ rnd.nextInt(8);
                long hi = (d[i] >>> 32) ^ (rnd.nextBoolean() ? 0x80000000L : 0) ^ rnd.nextInt(8);
                r[i] = lo | hi << 32;
            }
        }
        return r;
    }

    int mxcsr(Kind k) {
        if (k == Kind.INT && rnd.nextInt(4) != 0) {
            return 0x1F80;
        }
        int v = rnd.nextInt(4) << 13;
        if (rnd.nextInt(4) == 0) {
            v |= 0x8000;
        }
        if (rnd.nextInt(4) == 0) {
            v |= 0x40;
        }
        v |= rnd.nextInt(4) == 0 ? rnd.nextInt(64) << 7 : 0x1F80;
        if (rnd.nextInt(4) == 0) {
            v |= rnd.nextInt(64);
        }
        return v;
    }

    // ---- one case -------------------------------------------------------------------------------

    void write(SimdVectors.Out out, int form, Variant v) {
        Opcode o = v.row();
        Kind k = kind(o);
        boolean xmmForm = o.operands().stream().anyMatch(s -> s.startsWith("V") || s.startsWith("W") || s.startsWith("U"));
        int reg = o.reg() >= 0 ? o.reg() : rnd.nextInt(8);
        int rm = rnd.nextInt(8);
        List<byte[]> ov = new ArrayList<>();
        byte[] code;
        int p = 0;
        byte[] c = new byte[15];
        if (o.prefix() != 0) {
            c[p++] = (byte) o.prefix();
        }
        c[p++] = 0x0F;
        c[p++] = (byte) o.code();
        int memOff = 0;
        if (o.mod() != Opcode.Mod.NONE) {
            if (v.mem()) {
                c[p++] = (byte) (0x40 | reg << 3 | 3);    // [EBX + disp8]
                memOff = rnd.nextInt(12) == 0 ? 4 * (1 + rnd.nextInt(3)) : 16 * rnd.nextInt(4);
                if (memOff > 48) {
                    memOff = 48;
                }
                c[p++] = (byte) memOff;
                ov.add(override(2, 3, le(SimdVectors.DATA_PAGE + SimdVectors.DATA_OFFSET, 4)));
            } else {
                c[p++] = (byte) (0xC0 | reg << 3 | rm);
            }
        }
        if (o.operands().contains("Ib")) {
            int imm;
            if (o.mnemonic().startsWith("CMP")) {
                imm = rnd.nextInt(10) == 0 ? rnd.nextInt(256) : rnd.nextInt(8);
            } else if (o.code() >= 0x171 && o.code() <= 0x173) {
                imm = rnd.nextInt(4) == 0 ? rnd.nextInt(256) : rnd.nextInt(66);
            } else {
                imm = rnd.nextInt(256);
            }
            c[p++] = (byte) imm;
        }
        code = java.util.Arrays.copyOf(c, p);
        // operand values: destination and source registers of both files, and the memory operand
        long[] dst = vector(k);
        long[] src = rnd.nextInt(6) == 0 && k != Kind.INT ? near(dst, k) : vector(k);
        if (o.mnemonic().equals("LDMXCSR")) {
            int m = mxcsr(Kind.F32);
            if (rnd.nextInt(20) == 0) {
                m |= 1 << (16 + rnd.nextInt(16));
            }
            src = new long[] {m & 0xFFFFFFFFL, 0};
        }
        if (xmmForm || (o.attrs() & Opcode.SSE) != 0) {
            ov.add(override(0, reg, le128(dst)));
        }
        if ((o.attrs() & Opcode.MMX) != 0) {
            ov.add(override(1, reg, le(dst[0], 8)));
        }
        if (v.mem()) {
            byte[] m = le128(src);
            ov.add(override(3, memOff, m));
        } else if (rm != reg) {
            if (xmmForm) {
                ov.add(override(0, rm, le128(src)));
            }
            if ((o.attrs() & Opcode.MMX) != 0) {
                ov.add(override(1, rm, le(src[0], 8)));
            }
        }
        if (o.operands().contains("Ed") || o.operands().contains("Ew")) {
            if (!v.mem() && rm != 4) {
                ov.add(override(2, rm, le(int32(), 4)));
            }
        }
        out.u16(form);
        out.u8(code.length);
        out.bytes(code);
        out.u32(mxcsr(k));
        out.u32(0x202 | rnd.nextInt() & 0x8D5);
        out.u8(rnd.nextInt(10) < 7 ? 0xFF : 0);
        out.u32(rnd.nextInt());
        out.u8(ov.size());
        for (byte[] b : ov) {
            out.bytes(b);
        }
    }

    static byte[] override(int kind, int index, byte[] bytes) {
        byte[] r = new byte[3 + bytes.length];
        r[0] = (byte) kind;
        r[1] = (byte) index;
        r[2] = (byte) bytes.length;
        System.arraycopy(bytes, 0, r, 3, bytes.length);
        return r;
    }

    static byte[] le(long v, int n) {
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = (byte) (v >>> (8 * k));
        }
        return b;
    }

    static byte[] le128(long[] v) {
        byte[] b = new byte[16];
        System.arraycopy(le(v[0], 8), 0, b, 0, 8);
        System.arraycopy(le(v[1], 8), 0, b, 8, 8);
        return b;
    }

    /** The whole case file for a scale and seed. */
    static byte[] generate(double scale, long seed) {
        List<Variant> vs = variants(scale);
        SimdVectors.Out out = new SimdVectors.Out();
        out.bytes("JLSS".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.u16(1);
        out.u16(vs.size());
        for (Variant v : vs) {
            byte[] n = v.name().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            out.u8(n.length);
            out.bytes(n);
        }
        SimdCaseGenerator g = new SimdCaseGenerator(seed);
        for (int f = 0; f < vs.size(); f++) {
            for (int i = 0; i < vs.get(f).count(); i++) {
                g.write(out, f, vs.get(f));
            }
        }
        return out.b.toByteArray();
    }

    public static void main(String[] args) throws IOException {
        double scale = args.length > 1 ? Double.parseDouble(args[1]) : 1;
        long seed = args.length > 2 ? Long.decode(args[2]) : 0x53494D44L;
        byte[] b = generate(scale, seed);
        try (FileOutputStream f = new FileOutputStream(args[0])) {
            f.write(b);
        }
        int n = 0;
        for (Variant v : variants(scale)) {
            n += v.count();
        }
        System.err.println("SimdCaseGenerator: " + variants(scale).size() + " forms, " + n + " cases");
    }
}
