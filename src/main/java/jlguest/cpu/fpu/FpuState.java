package jlguest.cpu.fpu;

/**
 * The x87 registers: control word, status word, the eight 80-bit data registers with their
 * empty bits, and the last-instruction pointers.
 *
 * <p>tour:fpu:010 The x87 is a stack machine with eight registers R0..R7. TOP (status word bits
 * 11..13) names the register that is ST(0); ST(i) is R((TOP+i) mod 8). A register holds an
 * 80-bit extended real: a sign, a 15-bit biased exponent and a 64-bit significand whose top bit
 * is explicit (the "integer bit"). We keep each register as two Java values, {@code se} (sign and
 * exponent, the top 16 bits of the 80) and {@code sig} (the significand), so arithmetic needs
 * no unpacking. The tag word is not stored: only "empty or not" is state, the rest of a tag is a
 * function of the contents and is computed when FNSTENV/FNSAVE writes it.
 */
abstract class FpuState {
    // Status-word bits (exception flags share their positions with the control-word masks).
    static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, SF = 0x40, ES = 0x80,
            C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, B = 0x8000;
    /** Sign-and-exponent and significand of the real indefinite (the default NaN). */
    static final int INDEF_SE = 0xFFFF;
    static final long INDEF_M = 0xC000000000000000L;

    /** Control word. */
    int cw = 0x37F;
    /** Status word without the TOP field. */
    int sw;
    /** The TOP field: the physical register that is ST(0). */
    int top;
    /** Bit i set: physical register Ri is empty (tag 11). */
    int empty = 0xFF;
    final int[] se = new int[8];
    final long[] sig = new long[8];
    /** Last instruction pointer (offset, selector, 11-bit opcode) and last data pointer. */
    int ip, cs, opcode, dp, ds;

    // ---- per-instruction scratch ----
    /** Exception flags raised by the instruction in progress (IE..PE, SF). */
    int exc;
    /** The value of C1 the instruction in progress leaves ("rounded up" or a stack fault's direction). */
    boolean c1;

    final int phys(int i) {
        return (top + i) & 7;
    }

    final boolean isEmpty(int i) {
        return (empty & (1 << ((top + i) & 7))) != 0;
    }

    final int stSe(int i) {
        return se[(top + i) & 7];
    }

    final long stSig(int i) {
        return sig[(top + i) & 7];
    }

    final void setSt(int i, int s, long m) {
        int p = (top + i) & 7;
        se[p] = s;
        sig[p] = m;
        empty &= ~(1 << p);
    }

    final void push(int s, long m) {
        top = (top - 1) & 7;
        setSt(0, s, m);
    }

    final void pop() {
        empty |= 1 << top;
        top = (top + 1) & 7;
    }

    /** The full status word as FNSTSW shows it. */
    public final int statusWord() {
        return (sw & ~0x3800) | (top << 11);
    }

    final void setStatusWord(int v) {
        sw = v & ~0x3800;
        top = (v >>> 11) & 7;
    }

    /** The 2-bit tag of physical register p: 0 valid, 1 zero, 2 special, 3 empty. */
    final int tag(int p) {
        if ((empty & (1 << p)) != 0) {
            return 3;
        }
        int e = se[p] & 0x7FFF;
        long m = sig[p];
        if (e == 0x7FFF) {
            return 2;
        }
        if (e == 0) {
            return m == 0 ? 1 : 2;
        }
        return m < 0 ? 0 : 2;
    }

    public final int tagWord() {
        int t = 0;
        for (int p = 0; p < 8; p++) {
            t |= tag(p) << (2 * p);
        }
        return t;
    }

    final void setTagWord(int t) {
        empty = 0;
        for (int p = 0; p < 8; p++) {
            if (((t >>> (2 * p)) & 3) == 3) {
                empty |= 1 << p;
            }
        }
    }

    /** FNINIT (and the reset state but for the control word). */
    public final void init() {
        cw = 0x37F;
        sw = 0;
        top = 0;
        empty = 0xFF;
        ip = cs = opcode = dp = ds = 0;
    }

    // ---- exceptions -----------------------------------------------------------------------------

    final void begin() {
        exc = 0;
        c1 = false;
    }

    /** True when an exception the control word does not mask stops the result from being written. */
    final boolean blocked() {
        return (exc & ~cw & (IE | DE | ZE)) != 0;
    }

    final boolean masked(int flag) {
        return (cw & flag) != 0;
    }

    /** Stack underflow: an operand register is empty. True when the masked response may go on. */
    final boolean underflow() {
        exc |= IE | SF;
        c1 = false;
        return masked(IE);
    }

    /**
     * Stack underflow with ST(dst) as the destination: the masked response writes the real
     * indefinite there (the preamble of every instruction that finds an operand empty). True when
     * masked, so the caller may go on (pop, for instance); false when #MF is due and nothing changes.
     */
    final boolean underflowInto(int dst) {
        if (!underflow()) {
            return false;
        }
        setSt(dst, INDEF_SE, INDEF_M);
        return true;
    }

    /** Stack overflow: a push onto a full register. True when the masked response may go on. */
    final boolean overflow() {
        exc |= IE | SF;
        c1 = true;
        return masked(IE);
    }

    /**
     * tour:fpu:090 Every data instruction ends here: the flags it raised are ORed into the sticky
     * status bits, C1 takes its new value, and ES (with its twin B) goes up when a raised flag is
     * unmasked. ES is what the next waiting x87 instruction checks to deliver #MF (or IRQ 13).
     */
    final void finish() {
        sw = (sw & ~C1) | (exc & 0x7F) | (c1 ? C1 : 0);
        updateEs();
    }

    final void updateEs() {
        if ((sw & ~cw & 0x3F) != 0) {
            sw |= ES | B;
        } else {
            sw &= ~(ES | B);
        }
    }

    /** A pending unmasked exception: the next waiting x87 instruction must raise #MF first. */
    public final boolean errorPending() {
        return (sw & ES) != 0;
    }
}
