package jlguest.cpu.fpu;

/**
 * The x87 floating-point unit: its registers (see {@link FpuState}) and one entry point,
 * {@link #exec}, that runs any D8..DF escape instruction.
 *
 * <p>tour:fpu:000 The FPU is a chapter of its own. The CPU decodes an x87 instruction like any
 * other (prefixes, ModRM, effective address), checks CR0.TS/EM for #NM and a pending FPU error
 * for #MF, and hands us the opcode byte, the ModRM byte and the memory operand's segment and
 * offset. We do the rest in software 80-bit arithmetic: no Java double ever holds a guest value,
 * because a double has neither the 64-bit significand, nor the exponent range, nor the rounding
 * modes, nor the exception flags the guest can see. The layers, bottom up: {@link FpuState}
 * (registers), {@link Rounding}, {@link Arith}, {@link Formats}, {@link Special},
 * {@link Environment} and this dispatcher.
 */
public final class Fpu extends Environment {
    /** {@link #exec} results: nothing more to do, raise #UD, or an instruction we lack. */
    public static final int DONE = -1, UD = -2, UNIMPLEMENTED = -3;
    /** EFLAGS bits FCOMI and friends write (OF, SF, AF cleared; ZF, PF, CF from the compare). */
    public static final int CF = 1, PF = 4, ZF = 0x40;

    private int nextIp, nextCs, nextDs;

    /** The power-on state: like FNINIT but with all exceptions unmasked (control word 0x0040). */
    public void reset() {
        init();
        cw = 0x40;
    }

    public int controlWord() {
        return cw;
    }

    /** True for the instructions that do not first check for a pending FPU error (FN* forms). */
    public static boolean isWaiting(int op, int modrm) {
        if (modrm >= 0xC0) {
            return !(op == 0xDB && modrm >= 0xE0 && modrm <= 0xE4 || op == 0xDF && modrm == 0xE0);
        }
        int reg = (modrm >>> 3) & 7;
        return !(op == 0xD9 && reg >= 6 || op == 0xDD && reg >= 6);
    }

    /** Where the next instruction is (EIP, CS selector) and its memory operand's selector. */
    public void where(int eip, int csSel, int dsSel) {
        nextIp = eip;
        nextCs = csSel;
        nextDs = dsSel;
    }

    /**
     * Executes one x87 instruction (op 0xD8..0xDF). For a memory form seg/off locate the operand;
     * eflags is read only by FCMOVcc. Returns {@link #DONE}, {@link #UD}, {@link #UNIMPLEMENTED},
     * or, for FCOMI/FUCOMI(P), the new ZF/PF/CF bits (the caller clears OF, SF and AF).
     */
    public int exec(FpuBus bus, int op, int modrm, int seg, int off, boolean o32, int eflags) {
        int reg = (modrm >>> 3) & 7;
        if (modrm < 0xC0) {
            int r = control(bus, op, reg, seg, off, o32);
            if (r != UNIMPLEMENTED) {
                return r;
            }
            ip = nextIp;
            cs = nextCs;
            opcode = ((op & 7) << 8) | modrm;
            dp = off;
            ds = nextDs;
            return memory(bus, op, reg, seg, off);
        }
        if (op == 0xDB && modrm >= 0xE0 && modrm <= 0xE4) {
            if (modrm == 0xE2) {
                sw &= ~(0xFF | B);
            } else if (modrm == 0xE3) {
                init();
            }
            return DONE;      // FENI, FDISI, FSETPM: no-ops on a 387 and later
        }
        if (op == 0xDF && modrm == 0xE0) {
            return UD;        // FNSTSW AX belongs to the CPU (it writes AX)
        }
        ip = nextIp;
        cs = nextCs;
        opcode = ((op & 7) << 8) | modrm;
        return register(op, reg, modrm & 7, modrm, eflags);
    }

    // ---- control instructions with a memory operand --------------------------------------------

    private int control(FpuBus bus, int op, int reg, int seg, int off, boolean o32) {
        if (op == 0xD9) {
            switch (reg) {
                case 4 -> loadEnv(bus, seg, off, o32);
                case 5 -> setControlWord(bus.read16(seg, off));
                case 6 -> {
                    storeEnv(bus, seg, off, o32);
                    cw |= 0x3F;
                    updateEs();
                }
                case 7 -> bus.write16(seg, off, cw);
                default -> {
                    return UNIMPLEMENTED;
                }
            }
            return DONE;
        }
        if (op == 0xDD) {
            switch (reg) {
                case 4 -> frstor(bus, seg, off, o32);
                case 6 -> fnsave(bus, seg, off, o32);
                case 7 -> bus.write16(seg, off, statusWord());
                default -> {
                    return UNIMPLEMENTED;
                }
            }
            return DONE;
        }
        return UNIMPLEMENTED;
    }

    // ---- memory operands ----------------------------------------------------------------------

    private static long read64(FpuBus bus, int seg, int off) {
        return (bus.read32(seg, off) & 0xFFFFFFFFL) | ((long) bus.read32(seg, off + 4) << 32);
    }

    private static void write64(FpuBus bus, int seg, int off, long v) {
        bus.write32(seg, off + 4, (int) (v >>> 32));
        bus.write32(seg, off, (int) v);
    }

    private int memory(FpuBus bus, int op, int reg, int seg, int off) {
        switch (op) {
            case 0xD8 -> arithMem(reg, bus.read32(seg, off) & 0xFFFFFFFFL, 1);
            case 0xDC -> arithMem(reg, read64(bus, seg, off), 2);
            case 0xDA -> arithMem(reg, bus.read32(seg, off), 0);
            case 0xDE -> arithMem(reg, (short) bus.read16(seg, off), 0);
            case 0xD9 -> {
                switch (reg) {
                    case 0 -> loadMem(bus.read32(seg, off) & 0xFFFFFFFFL, 1);
                    case 2, 3 -> {
                        begin();
                        if (storeCheck()) {
                            long v = isEmpty(0) ? storeReal(INDEF_SE, INDEF_M, false) : storeReal(stSe(0), stSig(0), false);
                            if (storeOk) {
                                bus.write32(seg, off, (int) v);
                                afterStore(reg == 3);
                            }
                        }
                        finish();
                    }
                    default -> {
                        return UD;
                    }
                }
            }
            case 0xDD -> {
                switch (reg) {
                    case 0 -> loadMem(read64(bus, seg, off), 2);
                    case 2, 3 -> {
                        begin();
                        if (storeCheck()) {
                            long v = isEmpty(0) ? storeReal(INDEF_SE, INDEF_M, true) : storeReal(stSe(0), stSig(0), true);
                            if (storeOk) {
                                write64(bus, seg, off, v);
                                afterStore(reg == 3);
                            }
                        }
                        finish();
                    }
                    default -> {
                        return UD;
                    }
                }
            }
            case 0xDB -> {
                switch (reg) {
                    case 0 -> loadMem(bus.read32(seg, off), 0);
                    case 2, 3 -> storeIntMem(bus, seg, off, 32, reg == 3);
                    case 5 -> {
                        long m = read64(bus, seg, off);
                        int s = bus.read16(seg, off + 8) & 0xFFFF;
                        begin();
                        if (pushCheck()) {
                            push(s, m);
                        }
                        finish();
                    }
                    case 7 -> {
                        begin();
                        if (storeCheck()) {
                            if (isEmpty(0)) {
                                bus.write16(seg, off + 8, INDEF_SE);
                                write64(bus, seg, off, INDEF_M);
                            } else {
                                bus.write16(seg, off + 8, stSe(0));
                                write64(bus, seg, off, stSig(0));
                            }
                            pop();
                        }
                        finish();
                    }
                    default -> {
                        return UD;
                    }
                }
            }
            case 0xDF -> {
                switch (reg) {
                    case 0 -> loadMem((short) bus.read16(seg, off), 0);
                    case 2, 3 -> storeIntMem(bus, seg, off, 16, reg == 3);
                    case 4 -> {
                        long lo = read64(bus, seg, off);
                        int hi = bus.read16(seg, off + 8);
                        begin();
                        if (pushCheck()) {
                            loadBcd(lo, hi);
                            push(outSe, outM);
                        }
                        finish();
                    }
                    case 5 -> loadMem(read64(bus, seg, off), 0);
                    case 6 -> {
                        begin();
                        if (storeCheck()) {
                            int hi = isEmpty(0) ? storeBcd(INDEF_SE, INDEF_M) : storeBcd(stSe(0), stSig(0));
                            if (storeOk) {
                                bus.write16(seg, off + 8, hi);
                                write64(bus, seg, off, bcdLo);
                                pop();
                            }
                        }
                        finish();
                    }
                    case 7 -> storeIntMem(bus, seg, off, 64, true);
                    default -> {
                        return UD;
                    }
                }
            }
            default -> {
                return UD;
            }
        }
        return DONE;
    }

    /** Converts a memory operand (kind 0 integer, 1 single, 2 double) to outSe/outM. */
    private void convert(long v, int kind) {
        if (kind == 0) {
            loadInt(v);
        } else {
            loadReal(v, kind == 2);
        }
    }

    /** FLD m32/m64, FILD: push the converted operand. */
    private void loadMem(long v, int kind) {
        begin();
        if (!isEmpty(7)) {
            if (overflow()) {
                push(INDEF_SE, INDEF_M);
            }
        } else {
            convert(v, kind);
            if ((exc & ~cw & IE) == 0) {      // an unmasked DE still loads (as the host does)
                push(outSe, outM);
            }
        }
        finish();
    }

    /** FST/FIST: ST(0) empty means underflow; the masked response stores the indefinite. */
    private boolean storeCheck() {
        if (isEmpty(0)) {
            return underflow();
        }
        return true;
    }

    private boolean pushCheck() {
        if (!isEmpty(7)) {
            if (overflow()) {
                push(INDEF_SE, INDEF_M);
            }
            return false;
        }
        return true;
    }

    private void afterStore(boolean pop) {
        if (pop) {
            pop();
        }
    }

    private void storeIntMem(FpuBus bus, int seg, int off, int bits, boolean pop) {
        begin();
        if (storeCheck()) {
            storeOk = true;
            long v = isEmpty(0) ? Long.MIN_VALUE >> (64 - bits) : storeInt(stSe(0), stSig(0), bits);
            if (storeOk) {
                switch (bits) {
                    case 16 -> bus.write16(seg, off, (int) v);
                    case 32 -> bus.write32(seg, off, (int) v);
                    default -> write64(bus, seg, off, v);
                }
                afterStore(pop);
            }
        }
        finish();
    }

    /** D8/DC/DA/DE with a memory operand: ST(0) op= m (reg: the operation). */
    private void arithMem(int reg, long v, int kind) {
        begin();
        if (reg == 2 || reg == 3) {
            int cc;
            if (isEmpty(0)) {
                underflow();
                cc = UN;
            } else {
                loadOperand(v, kind);
                cc = compare(stSe(0), stSig(0), outSe, outM, false);
                memDenormal = false;
            }
            conditionCodes(cc, reg == 3 ? 1 : 0);
            return;
        }
        if (isEmpty(0)) {
            underflowInto(0);
            finish();
            return;
        }
        loadOperand(v, kind);
        compute(reg, stSe(0), stSig(0), outSe, outM);
        memDenormal = false;
        if (!blocked()) {
            setSt(0, outSe, outM);
        }
        finish();
    }

    /**
     * A memory operand of an arithmetic instruction to outSe/outM, exactly, with no flags yet:
     * an SNaN stays signaling and a denormal only sets memDenormal, so that the operation
     * raises IE and DE in the hardware's order of precedence.
     */
    private void loadOperand(long v, int kind) {
        if (kind == 0) {
            loadInt(v);
            return;
        }
        int saved = exc;
        loadReal(v, kind == 2);
        memDenormal = (exc & DE) != 0;
        long qbit = kind == 2 ? 1L << 51 : 1L << 22;
        if ((exc & IE) != 0 && (v & qbit) == 0) {
            outM &= ~0x4000000000000000L;
        }
        exc = saved;
    }

    /** x op y for the arithmetic group's reg field: x is the destination. */
    private void compute(int op, int xSe, long xM, int ySe, long yM) {
        switch (op) {
            case 0 -> add(xSe, xM, ySe, yM, false);
            case 1 -> mul(xSe, xM, ySe, yM);
            case 4 -> add(xSe, xM, ySe, yM, true);
            case 5 -> add(ySe, yM, xSe, xM, true);
            case 6 -> div(xSe, xM, ySe, yM);
            default -> div(ySe, yM, xSe, xM);
        }
    }

    /**
     * Sets C3/C2/C0 from a compare result and pops, unless an unmasked exception blocks the
     * instruction: then the condition codes are still set (as the host does) but nothing pops.
     */
    private void conditionCodes(int cc, int pops) {
        int bits = switch (cc) {
            case LT -> C0;
            case EQ -> C3;
            case GT -> 0;
            default -> C0 | C2 | C3;
        };
        sw = (sw & ~(C0 | C2 | C3)) | bits;
        if (!blocked()) {
            for (int k = 0; k < pops; k++) {
                pop();
            }
        }
        c1 = false;
        finish();
    }

    // ---- register operands --------------------------------------------------------------------

    private int register(int op, int reg, int i, int modrm, int eflags) {
        switch (op) {
            case 0xD8 -> {
                if (reg == 2 || reg == 3) {
                    fcom(i, reg == 3 ? 1 : 0, false);
                } else {
                    arithReg(reg, 0, i, false);
                }
            }
            case 0xDC, 0xDE -> {
                if (reg == 2 || reg == 3) {
                    if (op == 0xDE && reg == 3 && i != 1) {
                        return UD;
                    }
                    fcom(i, op == 0xDE && reg == 3 ? 2 : reg == 3 || op == 0xDE ? 1 : 0, false);
                } else {
                    arithReg(reg >= 4 ? reg ^ 1 : reg, i, 0, op == 0xDE);
                }
            }
            case 0xD9 -> {
                return registerD9(reg, i, modrm);
            }
            case 0xDA -> {
                if (reg < 4) {
                    fcmov(reg, false, i, eflags);
                } else if (modrm == 0xE9) {
                    fcom(1, 2, true);
                } else {
                    return UD;
                }
            }
            case 0xDB -> {
                if (reg < 4) {
                    fcmov(reg, true, i, eflags);
                } else if (reg == 5 || reg == 6) {
                    return fcomi(i, false, reg == 5);
                } else {
                    return UD;
                }
            }
            case 0xDD -> {
                switch (reg) {
                    case 0 -> {
                        empty |= 1 << phys(i);
                        sw &= ~C1;
                    }
                    case 1 -> fxch(i);
                    case 2, 3 -> fst(i, reg == 3);
                    case 4, 5 -> fcom(i, reg == 5 ? 1 : 0, true);
                    default -> {
                        return UD;
                    }
                }
            }
            default -> {          // 0xDF
                switch (reg) {
                    case 0 -> {
                        empty |= 1 << phys(i);
                        pop();
                    }
                    case 1 -> fxch(i);
                    case 2, 3 -> fst(i, true);
                    case 5, 6 -> {
                        return fcomi(i, true, reg == 5);
                    }
                    default -> {
                        return UD;
                    }
                }
            }
        }
        return DONE;
    }

    private int registerD9(int reg, int i, int modrm) {
        switch (reg) {
            case 0 -> fldReg(i);
            case 1 -> fxch(i);
            case 2 -> {
                if (modrm != 0xD0) {
                    return UD;
                }
            }
            case 3 -> fst(i, true);
            case 4 -> {
                switch (modrm) {
                    case 0xE0, 0xE1 -> unary(modrm);
                    case 0xE4 -> {
                        begin();
                        int cc;
                        if (isEmpty(0)) {
                            underflow();
                            cc = UN;
                        } else {
                            cc = compare(stSe(0), stSig(0), 0, 0, false);
                        }
                        conditionCodes(cc, 0);
                    }
                    case 0xE5 -> fxam();
                    default -> {
                        return UD;
                    }
                }
            }
            case 5 -> {
                if (modrm == 0xEF) {
                    return UD;
                }
                fldConst(i);
            }
            case 6 -> {
                if (modrm == 0xF6 || modrm == 0xF7) {
                    top = (top + (modrm == 0xF7 ? 1 : -1)) & 7;
                    sw &= ~C1;
                    return DONE;
                }
                return specialOp(modrm);
            }
            default -> {
                switch (modrm) {
                    case 0xFA -> unary(modrm);
                    case 0xFC -> unary(modrm);
                    default -> {
                        return specialOp(modrm);
                    }
                }
            }
        }
        return DONE;
    }

    /** FPREM, FSCALE, FXTRACT and the transcendentals: in {@link Special}. */
    private int specialOp(int modrm) {
        return special(modrm) ? DONE : UNIMPLEMENTED;
    }

    /** dst = dst op src (ST indices), popping when asked. */
    private void arithReg(int op, int dst, int src, boolean pop) {
        begin();
        if (isEmpty(dst) || isEmpty(src)) {
            if (underflowInto(dst) && pop) {
                pop();
            }
            finish();
            return;
        }
        compute(op, stSe(dst), stSig(dst), stSe(src), stSig(src));
        if (!blocked()) {
            setSt(dst, outSe, outM);
            if (pop) {
                pop();
            }
        }
        finish();
    }

    private void fcom(int i, int pops, boolean quiet) {
        begin();
        int cc;
        if (isEmpty(0) || isEmpty(i)) {
            underflow();
            cc = UN;
        } else {
            cc = compare(stSe(0), stSig(0), stSe(i), stSig(i), quiet);
        }
        conditionCodes(cc, pops);
    }

    /** FCOMI and friends leave C1 alone unless the stack underflows (as the host does). */
    private int fcomi(int i, boolean pop, boolean quiet) {
        begin();
        c1 = (sw & C1) != 0;
        int cc;
        if (isEmpty(0) || isEmpty(i)) {
            underflow();
            cc = UN;
        } else {
            cc = compare(stSe(0), stSig(0), stSe(i), stSig(i), quiet);
        }
        if (!blocked() && pop) {
            pop();
        }
        finish();
        return switch (cc) {
            case LT -> CF;
            case EQ -> ZF;
            case GT -> 0;
            default -> ZF | PF | CF;
        };
    }

    private void fcmov(int cond, boolean negate, int i, int eflags) {
        boolean c = switch (cond) {
            case 0 -> (eflags & CF) != 0;
            case 1 -> (eflags & ZF) != 0;
            case 2 -> (eflags & (CF | ZF)) != 0;
            default -> (eflags & PF) != 0;
        };
        begin();
        c1 = (sw & C1) != 0;      // FCMOVcc leaves C1 alone unless the stack underflows
        if (isEmpty(0) || isEmpty(i)) {
            underflowInto(0);    // whatever the condition
        } else if (c != negate) {
            setSt(0, stSe(i), stSig(i));
        }
        finish();
    }

    private void fldReg(int i) {
        begin();
        if (!isEmpty(7)) {
            if (overflow()) {
                push(INDEF_SE, INDEF_M);
            }
        } else if (isEmpty(i)) {
            if (underflow()) {
                push(INDEF_SE, INDEF_M);
            }
        } else {
            push(stSe(i), stSig(i));
        }
        finish();
    }

    private void fst(int i, boolean pop) {
        begin();
        if (isEmpty(0)) {
            if (underflowInto(i) && pop) {
                pop();
            }
        } else {
            setSt(i, stSe(0), stSig(0));
            if (pop) {
                pop();
            }
        }
        finish();
    }

    private void fxch(int i) {
        begin();
        if (isEmpty(0) || isEmpty(i)) {
            if (!underflow()) {
                finish();
                return;
            }
            if (isEmpty(0)) {
                setSt(0, INDEF_SE, INDEF_M);
            }
            if (isEmpty(i)) {
                setSt(i, INDEF_SE, INDEF_M);
            }
        }
        int s = stSe(0);
        long m = stSig(0);
        setSt(0, stSe(i), stSig(i));
        setSt(i, s, m);
        finish();
    }

    /** FCHS, FABS, FSQRT, FRNDINT on ST(0). */
    private void unary(int modrm) {
        begin();
        if (isEmpty(0)) {
            underflowInto(0);
            finish();
            return;
        }
        int s = stSe(0);
        long m = stSig(0);
        switch (modrm) {
            case 0xE0 -> out(s ^ 0x8000, m);
            case 0xE1 -> out(s & 0x7FFF, m);
            case 0xFA -> sqrt(s, m);
            default -> roundToInt(s, m);
        }
        if (!blocked()) {
            setSt(0, outSe, outM);
        }
        finish();
    }

    private void fxam() {
        int s = stSe(0);
        long m = stSig(0);
        int bits;
        if (isEmpty(0)) {
            bits = C3 | C0;
        } else {
            bits = switch (cls(s, m)) {
                case BAD -> 0;
                case QNAN, SNAN -> C0;
                case NORMAL -> C2;
                case INF -> C2 | C0;
                case ZERO -> C3;
                default -> C3 | C2;
            };
        }
        sw = (sw & ~(C0 | C1 | C2 | C3)) | bits | ((s & 0x8000) != 0 ? C1 : 0);
    }

    /**
     * tour:fpu:150 The constants are stored to more than 64 bits inside the chip and rounded in
     * the current rounding mode when loaded: FLDPI in round-down mode gives a different last bit
     * than in round-to-nearest. Which way each one goes depends on the bits after the 64th.
     */
    private static final long[] CONST_M = {
        Long.MIN_VALUE, 0xD49A784BCD1B8AFEL, 0xB8AA3B295C17F0BCL, 0xC90FDAA22168C235L,
        0x9A209A84FBCFF799L, 0xB17217F7D1CF79ACL, 0};
    private static final int[] CONST_E = {0x3FFF, 0x4000, 0x3FFF, 0x4000, 0x3FFD, 0x3FFE, 0};

    private void fldConst(int i) {
        begin();
        if (!isEmpty(7)) {
            if (overflow()) {
                push(INDEF_SE, INDEF_M);
            }
            finish();
            return;
        }
        long m = CONST_M[i];
        int r = rc();
        if (i == 1) {
            if (r == 2) {
                m++;       // log2(10): the stored value is rounded down
            }
        } else if (i >= 2 && i <= 5 && (r & 1) != 0) {
            m--;           // the others are rounded up to nearest: down and chop take one off
        }
        push(CONST_E[i], m);
        finish();
    }
}
