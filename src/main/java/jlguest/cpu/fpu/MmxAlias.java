package jlguest.cpu.fpu;

/**
 * The MMX registers are the x87 registers' significands, and the FXSAVE image needs the x87 state
 * in its own layout: this is the SIMD unit's door into {@link Fpu} (package jlguest.cpu.simd).
 *
 * <p>tour:fpu:950 MMXi is physical register Ri's 64-bit significand. Every MMX instruction but
 * EMMS puts the x87 into "MMX mode": TOP = 0 and all eight tags valid; an MMX write also sets the
 * register's sign and exponent to all ones, so the x87 then sees a NaN there. EMMS tags them all
 * empty again. Code that mixes the two without EMMS gets exactly what a real CPU gives it.
 */
public final class MmxAlias {
    private MmxAlias() {
    }

    public static long read(Fpu f, int i) {
        return f.sig[i];
    }

    public static void write(Fpu f, int i, long v) {
        f.sig[i] = v;
        f.se[i] = 0xFFFF;
    }

    /** Any MMX instruction but EMMS: TOP = 0, every tag valid. */
    public static void enter(Fpu f) {
        f.top = 0;
        f.empty = 0;
    }

    public static void emms(Fpu f) {
        f.empty = 0xFF;
    }

    // ---- FXSAVE / FXRSTOR ------------------------------------------------------------------------

    /** The FXSAVE header words: FCW, FSW, abridged FTW (bit p set: Rp not empty), FOP, FIP, FCS, FDP, FDS. */
    public static int[] header(Fpu f) {
        return new int[] {f.cw, f.statusWord(), ~f.empty & 0xFF, f.opcode, f.ip, f.cs, f.dp, f.ds};
    }

    /** ST(i)'s sign and exponent. */
    public static int stSe(Fpu f, int i) {
        return f.stSe(i);
    }

    public static long stSig(Fpu f, int i) {
        return f.stSig(i);
    }

    /** FXRSTOR: the header (as {@link #header}) and the registers in stack order ST(0)..ST(7). */
    public static void restore(Fpu f, int[] h, int[] se, long[] sig) {
        f.cw = h[0] & 0xFFFF;
        f.setStatusWord(h[1] & 0xFFFF);
        f.empty = ~h[2] & 0xFF;
        f.opcode = h[3] & 0x7FF;
        f.ip = h[4];
        f.cs = h[5] & 0xFFFF;
        f.dp = h[6];
        f.ds = h[7] & 0xFFFF;
        for (int i = 0; i < 8; i++) {
            int p = f.phys(i);
            f.se[p] = se[i] & 0xFFFF;
            f.sig[p] = sig[i];
        }
        f.updateEs();
    }
}
