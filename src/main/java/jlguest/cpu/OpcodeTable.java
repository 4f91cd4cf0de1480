package jlguest.cpu;

import static jlguest.cpu.Opcode.BRANCH;
import static jlguest.cpu.Opcode.ENDS_BLOCK;
import static jlguest.cpu.Opcode.IO;
import static jlguest.cpu.Opcode.LOCKABLE;
import static jlguest.cpu.Opcode.PRIVILEGED;
import static jlguest.cpu.Opcode.REP;
import static jlguest.cpu.Opcode.X87;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The opcode table: every instruction form the CPU decodes, one {@link Opcode} row each.
 *
 * <p>tour:cpu:020 This is the single source of truth for the instruction set. {@link Decoder}
 * learns from it whether an opcode has a ModRM byte, how many immediate bytes follow and whether a
 * reg-field extension is defined at all (a missing row is #UD). A disassembler needs nothing else
 * than {@link #ROWS} to print Intel syntax, and the differential test generator reads the
 * flag masks: {@code flagsWritten} minus {@code flagsUndefined} is what a test may compare.
 *
 * <p>Scope: the integer ISA of an i686 (P6) in real and 32-bit protected mode, the system
 * instructions, the x87 FPU (D8..DF, executed by jlguest.cpu.fpu) and MMX, SSE and SSE2
 * ({@link SimdTable}). A row marked {@link Opcode#UNIMPLEMENTED} decodes and then stops the guest
 * with a clear message; a row marked {@link Opcode#LATER} is a later processor's instruction,
 * which the disassembler names and the CPU does not have ({@link #laterProcessors}).
 */
public final class OpcodeTable {
    /** x87 memory forms by (opcode - D8) * 8 + reg; "" is #UD (FISTTP is SSE3: not on a P6). */
    private static final String[] X87_MEM = {
        "FADD m32", "FMUL m32", "FCOM m32", "FCOMP m32", "FSUB m32", "FSUBR m32", "FDIV m32", "FDIVR m32",
        "FLD m32", "", "FST m32", "FSTP m32", "FLDENV", "FLDCW", "FNSTENV", "FNSTCW",
        "FIADD m32", "FIMUL m32", "FICOM m32", "FICOMP m32", "FISUB m32", "FISUBR m32", "FIDIV m32", "FIDIVR m32",
        "FILD m32", "", "FIST m32", "FISTP m32", "", "FLD m80", "", "FSTP m80",
        "FADD m64", "FMUL m64", "FCOM m64", "FCOMP m64", "FSUB m64", "FSUBR m64", "FDIV m64", "FDIVR m64",
        "FLD m64", "", "FST m64", "FSTP m64", "FRSTOR", "", "FNSAVE", "FNSTSW",
        "FIADD m16", "FIMUL m16", "FICOM m16", "FICOMP m16", "FISUB m16", "FISUBR m16", "FIDIV m16", "FIDIVR m16",
        "FILD m16", "", "FIST m16", "FISTP m16", "FBLD", "FILD m64", "FBSTP", "FISTP m64"};

    /** x87 register forms (ST(i) in the low three ModRM bits); "" for groups with exact rows. */
    private static final String[] X87_REG = {
        "FADD", "FMUL", "FCOM", "FCOMP", "FSUB", "FSUBR", "FDIV", "FDIVR",
        "FLD", "FXCH", "", "FSTP1", "", "", "", "",
        "FCMOVB", "FCMOVE", "FCMOVBE", "FCMOVU", "", "", "", "",
        "FCMOVNB", "FCMOVNE", "FCMOVNBE", "FCMOVNU", "", "FUCOMI", "FCOMI", "",
        "FADD", "FMUL", "FCOM2", "FCOMP3", "FSUBR", "FSUB", "FDIVR", "FDIV",
        "FFREE", "FXCH4", "FST", "FSTP", "FUCOM", "FUCOMP", "", "",
        "FADDP", "FMULP", "FCOMP5", "", "FSUBRP", "FSUBP", "FDIVRP", "FDIVP",
        "FFREEP", "FXCH7", "FSTP8", "FSTP9", "", "FUCOMIP", "FCOMIP", ""};

    private OpcodeTable() {
    }

    /** EFLAGS bits, as used in {@link Opcode#flagsWritten()} and {@link Opcode#flagsUndefined()}. */
    public static final int CF = 0x0001, PF = 0x0004, AF = 0x0010, ZF = 0x0040, SF = 0x0080,
            TF = 0x0100, IF = 0x0200, DF = 0x0400, OF = 0x0800, IOPL = 0x3000, NT = 0x4000,
            RF = 0x10000, VM = 0x20000, AC = 0x40000, ID = 0x200000;
    /** The six arithmetic status flags. */
    public static final int OSZAPC = OF | SF | ZF | AF | PF | CF;
    /** BT/BTS/BTR/BTC: CF is the bit; OF SF AF PF undefined; ZF unaffected. */
    static final int BT_FLAGS = CF | OF | SF | AF | PF;
    /** Every writable EFLAGS bit (POPF, IRET). */
    public static final int ALL = OSZAPC | TF | IF | DF | IOPL | NT | RF | VM | AC | ID;

    /** Prefix bytes: they are not rows. Segment overrides, operand/address size, LOCK, REPNE, REP. */
    public static final List<Integer> PREFIXES =
            List.of(0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3);

    /** Immediate layouts the decoder understands, derived from the operand kinds. */
    static final int IMM_NONE = 0, IMM_B = 1, IMM_W = 2, IMM_Z = 3, IMM_AP = 4, IMM_MOFFS = 5,
            IMM_ENTER = 6;

    private static final List<Opcode> rows = new ArrayList<>();

    private static final String[] ALU = {"ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP"};
    private static final String[] SHIFT = {"ROL", "ROR", "RCL", "RCR", "SHL", "SHR", "SAL", "SAR"};
    private static final String[] CC = {"O", "NO", "B", "AE", "E", "NE", "BE", "A",
                                        "S", "NS", "P", "NP", "L", "GE", "LE", "G"};
    private static final List<String> STACKISH =
            List.of("PUSH", "POP", "RET", "RETF", "CALL", "CALLF", "JMP", "JMPF", "ENTER", "LEAVE");
    /** Ends-block branch. */
    private static final int EB = ENDS_BLOCK | BRANCH;

    static {
        build();
    }

    /** All rows, in opcode order of definition. Public and immutable. */
    public static final List<Opcode> ROWS = List.copyOf(rows);

    // ---- decoder lookup: form for (code, modrm) ----------------------------------------------
    private static final Opcode[] FORMS = new Opcode[0x200 * 256];
    private static final Opcode[] NO_MODRM = new Opcode[0x200];
    private static final boolean[] HAS_MODRM = new boolean[0x200];
    private static final Opcode PAUSE;
    /** Rows of 0F xx with a mandatory prefix (66, F3, F2), by (code & 0xFF) << 8 | modrm. */
    private static final Opcode[][] PREFIXED = new Opcode[3][0x100 * 256];

    static {
        Opcode pause = null;
        // Rows with a reg extension or a mod filter first, exact-ModRM rows last so they win.
        for (int pass = 0; pass < 2; pass++) {
            for (Opcode o : ROWS) {
                if ((o.attrs() & Opcode.LATER) != 0) {
                    continue;   // not on this CPU: see describe()
                }
                Opcode[] forms = FORMS;
                int base = o.code() << 8;
                if (o.prefix() != 0 && o.code() < 0x100) {
                    pause = o;
                    continue;
                }
                if (o.prefix() != 0) {
                    forms = PREFIXED[prefixIndex(o.prefix()) - 1];
                    base = (o.code() & 0xFF) << 8;
                }
                if (!o.hasModrm()) {
                    if (pass == 0) {
                        NO_MODRM[o.code()] = o;
                    }
                    continue;
                }
                HAS_MODRM[o.code()] = true;
                if ((o.modrm() >= 0) != (pass == 1)) {
                    continue;
                }
                for (int m = 0; m < 256; m++) {
                    boolean reg = m >= 0xC0;
                    if (o.modrm() >= 0 && m != o.modrm()) {
                        continue;
                    }
                    if (o.reg() >= 0 && ((m >> 3) & 7) != o.reg()) {
                        continue;
                    }
                    if (o.mod() == Opcode.Mod.MEM && reg || o.mod() == Opcode.Mod.REG && !reg) {
                        continue;
                    }
                    forms[base | m] = o;
                }
            }
        }
        PAUSE = pause;
    }

    /** True when opcode {@code code} (0x000..0x1FF) is followed by a ModRM byte. */
    public static boolean hasModrm(int code) {
        return HAS_MODRM[code];
    }

    /**
     * The row describing {@code code} with ModRM byte {@code modrm} (ignored when the opcode has
     * none) and the last REP-class prefix {@code repPrefix} (0, 0xF2 or 0xF3); null means #UD.
     */
    public static Opcode find(int code, int modrm, int repPrefix) {
        return find(code, modrm, repPrefix, false);
    }

    /**
     * As {@link #find(int, int, int)}, with {@code opsize66} telling whether a 0x66 prefix came
     * too: for 0F xx the last F3/F2, else the 66, selects an SSE form (see {@link SimdTable});
     * without a row for it the unprefixed row answers.
     */
    public static Opcode find(int code, int modrm, int repPrefix, boolean opsize66) {
        if (code == 0x90 && repPrefix == 0xF3) {
            return PAUSE;
        }
        if (code >= 0x100 && (repPrefix != 0 || opsize66)) {
            int k = (code & 0xFF) << 8 | (modrm & 0xFF);
            Opcode o = repPrefix != 0 ? PREFIXED[prefixIndex(repPrefix) - 1][k] : null;
            if (o == null && opsize66) {
                o = PREFIXED[0][k];
            }
            if (o != null) {
                return o;
            }
        }
        return HAS_MODRM[code] ? FORMS[(code << 8) | (modrm & 0xFF)] : NO_MODRM[code];
    }

    /** The {@link Opcode#LATER} rows: few, so {@link #describe} searches them in order. */
    private static final List<Opcode> LATER_ROWS =
            ROWS.stream().filter(o -> (o.attrs() & Opcode.LATER) != 0).toList();

    /**
     * The row that names the instruction {@code code} (0x000..0x2FF: 0F 38 xx is 0x200 | xx) with
     * ModRM byte {@code modrm} (-1 or ignored when it has none), for a disassembler: as
     * {@link #find(int, int, int, boolean)}, but a later processor's encoding is named too, and a
     * later encoding with a mandatory prefix wins over this CPU's row for the bare opcode (F3 0F
     * BC is TZCNT, not BSF with a REP). Its {@link Opcode#prefix()} tells which prefix was
     * mandatory. Null for bytes no processor we know of decodes.
     */
    public static Opcode describe(int code, int modrm, int repPrefix, boolean opsize66) {
        Opcode o = repPrefix != 0 ? later(code, modrm, repPrefix) : null;
        if (o == null && opsize66) {
            o = later(code, modrm, 0x66);
        }
        if (o == null && code < 0x200) {
            o = find(code, modrm, repPrefix, opsize66);
        }
        return o != null ? o : later(code, modrm, 0);
    }

    /** True when {@link #describe} needs a ModRM byte after opcode {@code code} (0x000..0x2FF). */
    public static boolean describedWithModrm(int code) {
        if (code < 0x200 && HAS_MODRM[code]) {
            return true;
        }
        for (Opcode o : LATER_ROWS) {
            if (o.code() == code && o.hasModrm()) {
                return true;
            }
        }
        return false;
    }

    /** The LATER row for {@code code}, {@code modrm} and mandatory {@code prefix}; exact-ModRM rows win. */
    private static Opcode later(int code, int modrm, int prefix) {
        Opcode best = null;
        for (Opcode o : LATER_ROWS) {
            if (o.code() != code || o.prefix() != prefix) {
                continue;
            }
            if (!o.hasModrm()) {
                return o;
            }
            boolean reg = modrm >= 0xC0;
            if (o.modrm() >= 0 && o.modrm() != modrm
                    || o.reg() >= 0 && ((modrm >> 3) & 7) != o.reg()
                    || o.mod() == Opcode.Mod.MEM && reg || o.mod() == Opcode.Mod.REG && !reg) {
                continue;
            }
            if (best == null || o.modrm() >= 0) {
                best = o;
            }
        }
        return best;
    }

    /** 0 for no mandatory prefix, 1 for 66, 2 for F3, 3 for F2. */
    static int prefixIndex(int prefix) {
        return prefix == 0x66 ? 1 : prefix == 0xF3 ? 2 : prefix == 0xF2 ? 3 : 0;
    }

    /** The immediate layout (IMM_*) of a row, derived from its operand kinds. */
    static int immediateKind(Opcode o) {
        List<String> ops = o.operands();
        if (ops.size() == 2 && ops.get(0).equals("Iw") && ops.get(1).equals("Ib")) {
            return IMM_ENTER;
        }
        for (String k : ops) {
            switch (k) {
                case "Ib", "Ibs", "Jb" -> { return IMM_B; }
                case "Iw" -> { return IMM_W; }
                case "Iz", "Iv", "Jz" -> { return IMM_Z; }
                case "Ap" -> { return IMM_AP; }
                case "Ob", "Ov" -> { return IMM_MOFFS; }
                default -> { }
            }
        }
        return IMM_NONE;
    }

    // ---- row builders ------------------------------------------------------------------------


    /** Operand-size behaviour from the operand kinds (and, for stack operations, the mnemonic). */
    private static Opcode.OpSize sizeOf(String mnem, String[] ops) {
        if (mnem.contains("/")) {
            return Opcode.OpSize.V;
        }
        Opcode.OpSize s = Opcode.OpSize.NONE;
        for (String k : ops) {
            char first = k.charAt(0);
            char last = k.charAt(k.length() - 1);
            if (first == 'I' || first == 'J' || k.equals("1") || k.equals("CL") && ops.length > 1) {
                continue;
            }
            if (last == 'v' || last == 'z' || k.equals("eAX") || k.equals("Mp") || k.equals("Ma")) {
                return Opcode.OpSize.V;
            }
            if (s != Opcode.OpSize.NONE) {
                continue;
            }
            if (k.equals("AL") || k.length() == 2 && last == 'b') {
                s = Opcode.OpSize.BYTE;
            } else if (k.equals("AX") || k.length() == 2 && last == 'w') {
                s = Opcode.OpSize.WORD;
            } else if (k.length() == 2 && (last == 'd' || last == 'q')) {
                s = Opcode.OpSize.DWORD;
            }
        }
        if (s == Opcode.OpSize.NONE) {
            for (String k : ops) {
                if (k.equals("Iz") || k.equals("Ibs") || k.startsWith("J") || k.equals("Ev")) {
                    return Opcode.OpSize.V;
                }
            }
            if (STACKISH.contains(mnem)) {
                return Opcode.OpSize.V;
            }
        }
        return s;
    }

    private static String[] split(String operands) {
        return operands.isEmpty() ? new String[0] : operands.split(",");
    }

    private static boolean needsModrm(String[] ops) {
        for (String k : ops) {
            char c = k.charAt(0);
            if ((c == 'E' || c == 'G' || c == 'M' || c == 'R' || c == 'S' || c == 'C' || c == 'D')
                    && k.length() > 1 && Character.isLowerCase(k.charAt(1))) {
                return true;
            }
        }
        return false;
    }

    private static Opcode.Mod modFor(String[] ops) {
        for (String k : ops) {
            if (k.equals("M") || k.startsWith("M") && k.length() > 1 && Character.isLowerCase(k.charAt(1))) {
                return Opcode.Mod.MEM;
            }
            if (k.startsWith("R") && k.length() > 1 && Character.isLowerCase(k.charAt(1))
                    || k.startsWith("C") && k.equals("Cd") || k.equals("Dd")) {
                return Opcode.Mod.ANY;   // MOV CRn/DRn: mod is ignored, always a register
            }
        }
        return needsModrm(ops) ? Opcode.Mod.ANY : Opcode.Mod.NONE;
    }

    /** A plain row (no reg extension). */
    private static void r(int code, String mnem, String operands, int written, int undefined, int attrs) {
        String[] ops = split(operands);
        rows.add(new Opcode(code, -1, -1, modFor(ops), 0, mnem, List.of(ops), sizeOf(mnem, ops),
                written, undefined, attrs));
    }

    /** A group row: opcode with ModRM reg extension /reg. */
    private static void g(int code, int reg, String mnem, String operands, int written, int undefined,
                          int attrs) {
        String[] ops = split(operands);
        Opcode.Mod mod = modFor(ops);
        rows.add(new Opcode(code, reg, -1, mod == Opcode.Mod.NONE ? Opcode.Mod.ANY : mod, 0, mnem,
                List.of(ops), sizeOf(mnem, ops), written, undefined, attrs));
    }

    /** A row matching one exact ModRM byte (register forms like VMCALL, FNINIT). */
    private static void x(int code, int modrm, String mnem, String operands, int written, int undefined,
                          int attrs) {
        String[] ops = split(operands);
        rows.add(new Opcode(code, (modrm >> 3) & 7, modrm, Opcode.Mod.REG, 0, mnem, List.of(ops),
                sizeOf(mnem, ops), written, undefined, attrs));
    }


    private static void build() {
        // ---- one-byte opcodes ----
        for (int i = 0; i < 8; i++) {
            int b = i * 8;
            int w = OSZAPC;
            int u = (i == 1 || i == 4 || i == 6) ? AF : 0;   // logic ops leave AF undefined
            int lock = i == 7 ? 0 : LOCKABLE;
            r(b, ALU[i], "Eb,Gb", w, u, lock);
            r(b + 1, ALU[i], "Ev,Gv", w, u, lock);
            r(b + 2, ALU[i], "Gb,Eb", w, u, 0);
            r(b + 3, ALU[i], "Gv,Ev", w, u, 0);
            r(b + 4, ALU[i], "AL,Ib", w, u, 0);
            r(b + 5, ALU[i], "eAX,Iz", w, u, 0);
        }
        r(0x06, "PUSH", "ES", 0, 0, 0);
        r(0x07, "POP", "ES", 0, 0, 0);
        r(0x0E, "PUSH", "CS", 0, 0, 0);
        r(0x16, "PUSH", "SS", 0, 0, 0);
        r(0x17, "POP", "SS", 0, 0, ENDS_BLOCK);   // interrupt shadow
        r(0x1E, "PUSH", "DS", 0, 0, 0);
        r(0x1F, "POP", "DS", 0, 0, 0);
        r(0x27, "DAA", "", OSZAPC, OF, 0);
        r(0x2F, "DAS", "", OSZAPC, OF, 0);
        r(0x37, "AAA", "", OSZAPC, OF | SF | ZF | PF, 0);
        r(0x3F, "AAS", "", OSZAPC, OF | SF | ZF | PF, 0);
        for (int i = 0; i < 8; i++) {
            r(0x40 + i, "INC", "Zv", OSZAPC & ~CF, 0, 0);
            r(0x48 + i, "DEC", "Zv", OSZAPC & ~CF, 0, 0);
            r(0x50 + i, "PUSH", "Zv", 0, 0, 0);
            r(0x58 + i, "POP", "Zv", 0, 0, 0);
        }
        r(0x60, "PUSHA/PUSHAD", "", 0, 0, 0);
        r(0x61, "POPA/POPAD", "", 0, 0, 0);
        r(0x62, "BOUND", "Gv,Ma", 0, 0, 0);
        r(0x63, "ARPL", "Ew,Gw", ZF, 0, 0);
        r(0x68, "PUSH", "Iz", 0, 0, 0);
        r(0x69, "IMUL", "Gv,Ev,Iz", OSZAPC, SF | ZF | AF | PF, 0);
        r(0x6A, "PUSH", "Ibs", 0, 0, 0);
        r(0x6B, "IMUL", "Gv,Ev,Ibs", OSZAPC, SF | ZF | AF | PF, 0);
        r(0x6C, "INSB", "Yb,DX", 0, 0, REP | IO | ENDS_BLOCK);
        r(0x6D, "INSW/INSD", "Yz,DX", 0, 0, REP | IO | ENDS_BLOCK);
        r(0x6E, "OUTSB", "DX,Xb", 0, 0, REP | IO | ENDS_BLOCK);
        r(0x6F, "OUTSW/OUTSD", "DX,Xz", 0, 0, REP | IO | ENDS_BLOCK);
        for (int i = 0; i < 16; i++) {
            r(0x70 + i, "J" + CC[i], "Jb", 0, 0, EB);
        }
        for (int i = 0; i < 8; i++) {
            int u = (i == 1 || i == 4 || i == 6) ? AF : 0;
            int lock = i == 7 ? 0 : LOCKABLE;
            g(0x80, i, ALU[i], "Eb,Ib", OSZAPC, u, lock);
            g(0x81, i, ALU[i], "Ev,Iz", OSZAPC, u, lock);
            g(0x82, i, ALU[i], "Eb,Ib", OSZAPC, u, lock);
            g(0x83, i, ALU[i], "Ev,Ibs", OSZAPC, u, lock);
        }
        r(0x84, "TEST", "Eb,Gb", OSZAPC, AF, 0);
        r(0x85, "TEST", "Ev,Gv", OSZAPC, AF, 0);
        r(0x86, "XCHG", "Eb,Gb", 0, 0, LOCKABLE);
        r(0x87, "XCHG", "Ev,Gv", 0, 0, LOCKABLE);
        r(0x88, "MOV", "Eb,Gb", 0, 0, 0);
        r(0x89, "MOV", "Ev,Gv", 0, 0, 0);
        r(0x8A, "MOV", "Gb,Eb", 0, 0, 0);
        r(0x8B, "MOV", "Gv,Ev", 0, 0, 0);
        r(0x8C, "MOV", "Ev,Sw", 0, 0, 0);
        r(0x8D, "LEA", "Gv,M", 0, 0, 0);
        r(0x8E, "MOV", "Sw,Ew", 0, 0, ENDS_BLOCK);   // MOV SS: interrupt shadow
        g(0x8F, 0, "POP", "Ev", 0, 0, 0);
        r(0x90, "NOP", "", 0, 0, 0);
        rows.add(new Opcode(0x90, -1, -1, Opcode.Mod.NONE, 0xF3, "PAUSE", List.of(),
                Opcode.OpSize.NONE, 0, 0, 0));
        for (int i = 1; i < 8; i++) {
            r(0x90 + i, "XCHG", "Zv,eAX", 0, 0, 0);
        }
        r(0x98, "CBW/CWDE", "", 0, 0, 0);
        r(0x99, "CWD/CDQ", "", 0, 0, 0);
        r(0x9A, "CALLF", "Ap", 0, 0, EB);
        r(0x9B, "FWAIT", "", 0, 0, X87);
        r(0x9C, "PUSHF/PUSHFD", "", 0, 0, 0);
        r(0x9D, "POPF/POPFD", "", ALL, 0, ENDS_BLOCK);
        r(0x9E, "SAHF", "", SF | ZF | AF | PF | CF, 0, 0);
        r(0x9F, "LAHF", "", 0, 0, 0);
        r(0xA0, "MOV", "AL,Ob", 0, 0, 0);
        r(0xA1, "MOV", "eAX,Ov", 0, 0, 0);
        r(0xA2, "MOV", "Ob,AL", 0, 0, 0);
        r(0xA3, "MOV", "Ov,eAX", 0, 0, 0);
        r(0xA4, "MOVSB", "Yb,Xb", 0, 0, REP);
        r(0xA5, "MOVSW/MOVSD", "Yv,Xv", 0, 0, REP);
        r(0xA6, "CMPSB", "Xb,Yb", OSZAPC, 0, REP);
        r(0xA7, "CMPSW/CMPSD", "Xv,Yv", OSZAPC, 0, REP);
        r(0xA8, "TEST", "AL,Ib", OSZAPC, AF, 0);
        r(0xA9, "TEST", "eAX,Iz", OSZAPC, AF, 0);
        r(0xAA, "STOSB", "Yb,AL", 0, 0, REP);
        r(0xAB, "STOSW/STOSD", "Yv,eAX", 0, 0, REP);
        r(0xAC, "LODSB", "AL,Xb", 0, 0, REP);
        r(0xAD, "LODSW/LODSD", "eAX,Xv", 0, 0, REP);
        r(0xAE, "SCASB", "AL,Yb", OSZAPC, 0, REP);
        r(0xAF, "SCASW/SCASD", "eAX,Yv", OSZAPC, 0, REP);
        for (int i = 0; i < 8; i++) {
            r(0xB0 + i, "MOV", "Zb,Ib", 0, 0, 0);
        }
        for (int i = 0; i < 8; i++) {
            r(0xB8 + i, "MOV", "Zv,Iv", 0, 0, 0);
        }
        for (int i = 0; i < 8; i++) {
            // Rotates write only CF and OF; shifts write all six (AF undefined). OF is defined only
            // for a count of 1. A count of 0 changes nothing.
            int w = i < 4 ? CF | OF : OSZAPC;
            int u = i < 4 ? OF : OF | AF;
            g(0xC0, i, SHIFT[i], "Eb,Ib", w, u, 0);
            g(0xC1, i, SHIFT[i], "Ev,Ib", w, u, 0);
            g(0xD0, i, SHIFT[i], "Eb,1", w, i < 4 ? 0 : AF, 0);
            g(0xD1, i, SHIFT[i], "Ev,1", w, i < 4 ? 0 : AF, 0);
            g(0xD2, i, SHIFT[i], "Eb,CL", w, u, 0);
            g(0xD3, i, SHIFT[i], "Ev,CL", w, u, 0);
        }
        r(0xC2, "RET", "Iw", 0, 0, EB);
        r(0xC3, "RET", "", 0, 0, EB);
        r(0xC4, "LES", "Gv,Mp", 0, 0, 0);
        r(0xC5, "LDS", "Gv,Mp", 0, 0, 0);
        g(0xC6, 0, "MOV", "Eb,Ib", 0, 0, 0);
        g(0xC7, 0, "MOV", "Ev,Iz", 0, 0, 0);
        r(0xC8, "ENTER", "Iw,Ib", 0, 0, 0);
        r(0xC9, "LEAVE", "", 0, 0, 0);
        r(0xCA, "RETF", "Iw", 0, 0, EB);
        r(0xCB, "RETF", "", 0, 0, EB);
        r(0xCC, "INT3", "", TF | IF | NT | RF | VM, 0, EB);
        r(0xCD, "INT", "Ib", TF | IF | NT | RF | VM, 0, EB);
        r(0xCE, "INTO", "", TF | IF | NT | RF | VM, 0, EB);
        r(0xCF, "IRET/IRETD", "", ALL, 0, EB);
        r(0xD4, "AAM", "Ib", OSZAPC, OF | AF | CF, 0);
        r(0xD5, "AAD", "Ib", OSZAPC, OF | AF | CF, 0);
        r(0xD6, "SALC", "", 0, 0, 0);
        r(0xD7, "XLAT", "", 0, 0, 0);
        // x87 (D8..DF): one row per memory form and per register group; exact rows for the
        // groups that hold several instructions. The FPU (jlguest.cpu.fpu) raises #UD for the
        // reserved encodings inside a group.
        for (int op = 0xD8; op <= 0xDF; op++) {
            for (int reg = 0; reg < 8; reg++) {
                String m = X87_MEM[(op - 0xD8) * 8 + reg];
                if (!m.isEmpty()) {
                    rows.add(new Opcode(op, reg, -1, Opcode.Mod.MEM, 0, m, List.of("M"),
                            Opcode.OpSize.NONE, 0, 0, X87));
                }
                m = X87_REG[(op - 0xD8) * 8 + reg];
                if (!m.isEmpty()) {
                    boolean fcomi = m.startsWith("FCOMI") || m.startsWith("FUCOMI");
                    rows.add(new Opcode(op, reg, -1, Opcode.Mod.REG, 0, m, List.of("R"),
                            Opcode.OpSize.NONE, fcomi ? OSZAPC : 0, 0, X87));
                }
            }
        }
        String[] d9 = {"FCHS", "FABS", "", "", "FTST", "FXAM", "", "",
            "FLD1", "FLDL2T", "FLDL2E", "FLDPI", "FLDLG2", "FLDLN2", "FLDZ", "",
            "F2XM1", "FYL2X", "FPTAN", "FPATAN", "FXTRACT", "FPREM1", "FDECSTP", "FINCSTP",
            "FPREM", "FYL2XP1", "FSQRT", "FSINCOS", "FRNDINT", "FSCALE", "FSIN", "FCOS"};
        for (int k = 0; k < 32; k++) {
            if (!d9[k].isEmpty()) {
                x(0xD9, 0xE0 + k, d9[k], "", 0, 0, X87);
            }
        }
        x(0xD9, 0xD0, "FNOP", "", 0, 0, X87);
        x(0xDA, 0xE9, "FUCOMPP", "", 0, 0, X87);
        x(0xDB, 0xE0, "FNENI", "", 0, 0, X87);
        x(0xDB, 0xE1, "FNDISI", "", 0, 0, X87);
        x(0xDB, 0xE2, "FNCLEX", "", 0, 0, X87);
        x(0xDB, 0xE3, "FNINIT", "", 0, 0, X87);
        x(0xDB, 0xE4, "FNSETPM", "", 0, 0, X87);
        x(0xDE, 0xD9, "FCOMPP", "", 0, 0, X87);
        x(0xDF, 0xE0, "FNSTSW", "AX", 0, 0, X87);
        r(0xE0, "LOOPNE", "Jb", 0, 0, EB);
        r(0xE1, "LOOPE", "Jb", 0, 0, EB);
        r(0xE2, "LOOP", "Jb", 0, 0, EB);
        r(0xE3, "JCXZ/JECXZ", "Jb", 0, 0, EB);
        r(0xE4, "IN", "AL,Ib", 0, 0, IO | ENDS_BLOCK);
        r(0xE5, "IN", "eAX,Ib", 0, 0, IO | ENDS_BLOCK);
        r(0xE6, "OUT", "Ib,AL", 0, 0, IO | ENDS_BLOCK);
        r(0xE7, "OUT", "Ib,eAX", 0, 0, IO | ENDS_BLOCK);
        r(0xE8, "CALL", "Jz", 0, 0, EB);
        r(0xE9, "JMP", "Jz", 0, 0, EB);
        r(0xEA, "JMPF", "Ap", 0, 0, EB);
        r(0xEB, "JMP", "Jb", 0, 0, EB);
        r(0xEC, "IN", "AL,DX", 0, 0, IO | ENDS_BLOCK);
        r(0xED, "IN", "eAX,DX", 0, 0, IO | ENDS_BLOCK);
        r(0xEE, "OUT", "DX,AL", 0, 0, IO | ENDS_BLOCK);
        r(0xEF, "OUT", "DX,eAX", 0, 0, IO | ENDS_BLOCK);
        r(0xF1, "INT1", "", TF | IF | NT | RF | VM, 0, EB);
        r(0xF4, "HLT", "", 0, 0, PRIVILEGED | ENDS_BLOCK);
        r(0xF5, "CMC", "", CF, 0, 0);
        String[] grp3 = {"TEST", "TEST", "NOT", "NEG", "MUL", "IMUL", "DIV", "IDIV"};
        for (int i = 0; i < 8; i++) {
            int w = i == 2 ? 0 : OSZAPC;   // NOT writes no flags
            int u = switch (i) {
                case 0, 1 -> AF;
                case 4, 5 -> SF | ZF | AF | PF;
                case 6, 7 -> OSZAPC;
                default -> 0;
            };
            int lock = i == 2 || i == 3 ? LOCKABLE : 0;
            g(0xF6, i, grp3[i], i < 2 ? "Eb,Ib" : "Eb", w, u, lock);
            g(0xF7, i, grp3[i], i < 2 ? "Ev,Iz" : "Ev", w, u, lock);
        }
        r(0xF8, "CLC", "", CF, 0, 0);
        r(0xF9, "STC", "", CF, 0, 0);
        r(0xFA, "CLI", "", IF, 0, 0);
        r(0xFB, "STI", "", IF, 0, ENDS_BLOCK);
        r(0xFC, "CLD", "", DF, 0, 0);
        r(0xFD, "STD", "", DF, 0, 0);
        g(0xFE, 0, "INC", "Eb", OSZAPC & ~CF, 0, LOCKABLE);
        g(0xFE, 1, "DEC", "Eb", OSZAPC & ~CF, 0, LOCKABLE);
        g(0xFF, 0, "INC", "Ev", OSZAPC & ~CF, 0, LOCKABLE);
        g(0xFF, 1, "DEC", "Ev", OSZAPC & ~CF, 0, LOCKABLE);
        g(0xFF, 2, "CALL", "Ev", 0, 0, EB);
        g(0xFF, 3, "CALLF", "Mp", 0, 0, EB);
        g(0xFF, 4, "JMP", "Ev", 0, 0, EB);
        g(0xFF, 5, "JMPF", "Mp", 0, 0, EB);
        g(0xFF, 6, "PUSH", "Ev", 0, 0, 0);

        // ---- two-byte opcodes (0F xx) ----
        g(0x100, 0, "SLDT", "Ew", 0, 0, 0);
        g(0x100, 1, "STR", "Ew", 0, 0, 0);
        g(0x100, 2, "LLDT", "Ew", 0, 0, PRIVILEGED);
        g(0x100, 3, "LTR", "Ew", 0, 0, PRIVILEGED);
        g(0x100, 4, "VERR", "Ew", ZF, 0, 0);
        g(0x100, 5, "VERW", "Ew", ZF, 0, 0);
        g(0x101, 0, "SGDT", "Ms", 0, 0, 0);
        g(0x101, 1, "SIDT", "Ms", 0, 0, 0);
        g(0x101, 2, "LGDT", "Ms", 0, 0, PRIVILEGED);
        g(0x101, 3, "LIDT", "Ms", 0, 0, PRIVILEGED);
        g(0x101, 4, "SMSW", "Ew", 0, 0, 0);
        g(0x101, 6, "LMSW", "Ew", 0, 0, PRIVILEGED | ENDS_BLOCK);
        g(0x101, 7, "INVLPG", "Mb", 0, 0, PRIVILEGED | ENDS_BLOCK);
        x(0x101, 0xC1, "VMCALL", "", 0, 0, ENDS_BLOCK);
        r(0x102, "LAR", "Gv,Ew", ZF, 0, 0);
        r(0x103, "LSL", "Gv,Ew", ZF, 0, 0);
        r(0x106, "CLTS", "", 0, 0, PRIVILEGED);
        r(0x108, "INVD", "", 0, 0, PRIVILEGED);
        r(0x109, "WBINVD", "", 0, 0, PRIVILEGED);
        r(0x10B, "UD2", "", 0, 0, EB);
        // 0F 18..0F 1F: the "hint NOP" space (multi-byte NOP is 0F 1F /0; PREFETCHh is 0F 18 /0-3
        // on SSE parts). A P6 executes all of them, with any reg field, as NOPs.
        for (int op = 0x118; op <= 0x11F; op++) {
            g(op, -1, op == 0x11F ? "NOP" : "HINT_NOP", "Ev", 0, 0, 0);
        }
        r(0x120, "MOV", "Rd,Cd", 0, 0, PRIVILEGED);
        r(0x121, "MOV", "Rd,Dd", 0, 0, PRIVILEGED);
        r(0x122, "MOV", "Cd,Rd", 0, 0, PRIVILEGED | ENDS_BLOCK);
        r(0x123, "MOV", "Dd,Rd", 0, 0, PRIVILEGED);
        r(0x130, "WRMSR", "", 0, 0, PRIVILEGED | ENDS_BLOCK);
        r(0x131, "RDTSC", "", 0, 0, 0);
        r(0x132, "RDMSR", "", 0, 0, PRIVILEGED);
        r(0x134, "SYSENTER", "", IF | VM | RF, 0, EB);
        r(0x135, "SYSEXIT", "", 0, 0, PRIVILEGED | EB);
        for (int i = 0; i < 16; i++) {
            r(0x140 + i, "CMOV" + CC[i], "Gv,Ev", 0, 0, 0);
            r(0x180 + i, "J" + CC[i], "Jz", 0, 0, EB);
            g(0x190 + i, -1, "SET" + CC[i], "Eb", 0, 0, 0);
        }
        r(0x1A0, "PUSH", "FS", 0, 0, 0);
        r(0x1A1, "POP", "FS", 0, 0, 0);
        r(0x1A2, "CPUID", "", 0, 0, 0);
        r(0x1A3, "BT", "Ev,Gv", BT_FLAGS, OF | SF | AF | PF, 0);
        r(0x1A4, "SHLD", "Ev,Gv,Ib", OSZAPC, OF | AF, 0);
        r(0x1A5, "SHLD", "Ev,Gv,CL", OSZAPC, OF | AF, 0);
        r(0x1A8, "PUSH", "GS", 0, 0, 0);
        r(0x1A9, "POP", "GS", 0, 0, 0);
        r(0x1AB, "BTS", "Ev,Gv", BT_FLAGS, OF | SF | AF | PF, LOCKABLE);
        r(0x1AC, "SHRD", "Ev,Gv,Ib", OSZAPC, OF | AF, 0);
        r(0x1AD, "SHRD", "Ev,Gv,CL", OSZAPC, OF | AF, 0);
        r(0x1AF, "IMUL", "Gv,Ev", OSZAPC, SF | ZF | AF | PF, 0);
        r(0x1B0, "CMPXCHG", "Eb,Gb", OSZAPC, 0, LOCKABLE);
        r(0x1B1, "CMPXCHG", "Ev,Gv", OSZAPC, 0, LOCKABLE);
        r(0x1B2, "LSS", "Gv,Mp", 0, 0, 0);
        r(0x1B3, "BTR", "Ev,Gv", BT_FLAGS, OF | SF | AF | PF, LOCKABLE);
        r(0x1B4, "LFS", "Gv,Mp", 0, 0, 0);
        r(0x1B5, "LGS", "Gv,Mp", 0, 0, 0);
        r(0x1B6, "MOVZX", "Gv,Eb", 0, 0, 0);
        r(0x1B7, "MOVZX", "Gv,Ew", 0, 0, 0);
        String[] bt = {"BT", "BTS", "BTR", "BTC"};
        for (int i = 4; i < 8; i++) {
            g(0x1BA, i, bt[i - 4], "Ev,Ib", BT_FLAGS, OF | SF | AF | PF, i == 4 ? 0 : LOCKABLE);
        }
        r(0x1BB, "BTC", "Ev,Gv", BT_FLAGS, OF | SF | AF | PF, LOCKABLE);
        r(0x1BC, "BSF", "Gv,Ev", OSZAPC, OF | SF | AF | PF | CF, 0);
        r(0x1BD, "BSR", "Gv,Ev", OSZAPC, OF | SF | AF | PF | CF, 0);
        r(0x1BE, "MOVSX", "Gv,Eb", 0, 0, 0);
        r(0x1BF, "MOVSX", "Gv,Ew", 0, 0, 0);
        r(0x1C0, "XADD", "Eb,Gb", OSZAPC, 0, LOCKABLE);
        r(0x1C1, "XADD", "Ev,Gv", OSZAPC, 0, LOCKABLE);
        g(0x1C7, 1, "CMPXCHG8B", "Mq", ZF, 0, LOCKABLE);
        for (int i = 0; i < 8; i++) {
            r(0x1C8 + i, "BSWAP", "Zd", 0, 0, 0);
        }
        rows.addAll(SimdTable.rows());
        laterProcessors();
    }

    /**
     * tour:cpu:022 Linux compiles in code for CPUs we do not emulate (and never runs it here,
     * because CPUID says no): XSAVE, RDRAND, MONITOR/MWAIT, TZCNT, INVPCID. A disassembler that
     * stopped at the edge of what the CPU executes would lose its footing in a kernel's text, so
     * these encodings are rows too, enough to get their lengths and names right, marked
     * {@link Opcode#LATER}: the disassembler names them, the CPU's lookup leaves them out, so on
     * this CPU they raise #UD, or keep their old meaning (REP BSF for TZCNT). OpcodeCoverageTest
     * holds the CPU to that.
     */
    private static void laterProcessors() {
        later(0x10D, 0, -1, Opcode.Mod.MEM, 0, "PREFETCH", "Mb");
        later(0x10D, 1, -1, Opcode.Mod.MEM, 0, "PREFETCHW", "Mb");
        later(0x133, -1, -1, Opcode.Mod.NONE, 0, "RDPMC", "");
        later(0x1B9, -1, -1, Opcode.Mod.ANY, 0, "UD1", "Gv,Ev");
        later(0x1FF, -1, -1, Opcode.Mod.ANY, 0, "UD0", "Gv,Ev");
        String[] grp15 = {"XSAVE", "XRSTOR", "XSAVEOPT"};   // 0F AE /0-/3, /7 and the fences are SSE's
        for (int reg = 4; reg < 7; reg++) {
            later(0x1AE, reg, -1, Opcode.Mod.MEM, 0, grp15[reg - 4], "M");
        }
        later(0x1AE, 6, -1, Opcode.Mod.REG, 0x66, "TPAUSE", "Rd");
        later(0x1AE, 7, -1, Opcode.Mod.MEM, 0x66, "CLFLUSHOPT", "Mb");
        later(0x1C7, 3, -1, Opcode.Mod.MEM, 0, "XRSTORS", "M");
        later(0x1C7, 4, -1, Opcode.Mod.MEM, 0, "XSAVEC", "M");
        later(0x1C7, 5, -1, Opcode.Mod.MEM, 0, "XSAVES", "M");
        later(0x1C7, 6, -1, Opcode.Mod.REG, 0, "RDRAND", "Rv");
        later(0x1C7, 7, -1, Opcode.Mod.REG, 0, "RDSEED", "Rv");
        int[] exact = {0xC8, 0xC9, 0xCA, 0xCB, 0xD0, 0xD1, 0xD5, 0xD6, 0xDC, 0xDD, 0xE8, 0xF9, 0xFA, 0xFB, 0xEE, 0xEF};
        String[] names = {"MONITOR", "MWAIT", "CLAC", "STAC", "XGETBV", "XSETBV", "XEND", "XTEST", "STGI",
            "CLGI", "SERIALIZE", "RDTSCP", "MONITORX", "MWAITX", "RDPKRU", "WRPKRU"};
        for (int i = 0; i < exact.length; i++) {
            later(0x101, (exact[i] >> 3) & 7, exact[i], Opcode.Mod.REG, 0, names[i], "");
        }
        later(0x1B8, -1, -1, Opcode.Mod.ANY, 0xF3, "POPCNT", "Gv,Ev");
        later(0x1BC, -1, -1, Opcode.Mod.ANY, 0xF3, "TZCNT", "Gv,Ev");
        later(0x1BD, -1, -1, Opcode.Mod.ANY, 0xF3, "LZCNT", "Gv,Ev");
        later(0x282, -1, -1, Opcode.Mod.MEM, 0x66, "INVPCID", "Gd,M");
    }

    /** A {@link Opcode#LATER} row, with its ModRM forms given explicitly. */
    private static void later(int code, int reg, int modrm, Opcode.Mod mod, int prefix, String mnem, String operands) {
        String[] ops = split(operands);
        rows.add(new Opcode(code, reg, modrm, mod, prefix, mnem, List.of(ops), Opcode.OpSize.NONE, 0, 0, Opcode.LATER));
    }

    /** Prints the table (one row per line) for humans: {@code java jlguest.cpu.OpcodeTable}. */
    public static void main(String[] args) {
        for (Opcode o : ROWS) {
            System.out.printf("%s%s%s%s %-12s %-14s size=%-5s w=%05x u=%05x attrs=%s%n",
                    o.prefix() != 0 ? String.format("%02X ", o.prefix()) : "",
                    o.code() >= 0x100 ? String.format("0F %02X", o.code() & 0xFF)
                            : String.format("%02X", o.code()),
                    o.reg() >= 0 ? " /" + o.reg() : "",
                    o.modrm() >= 0 ? String.format(" %02X", o.modrm()) : "",
                    o.mnemonic(), String.join(",", o.operands()), o.size(), o.flagsWritten(),
                    o.flagsUndefined(), Integer.toBinaryString(o.attrs()));
        }
        System.out.println(ROWS.size() + " rows; prefixes " + Arrays.toString(PREFIXES.toArray()));
    }
}
