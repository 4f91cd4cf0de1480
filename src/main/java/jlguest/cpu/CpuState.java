package jlguest.cpu;

import static jlguest.cpu.OpcodeTable.AF;
import static jlguest.cpu.OpcodeTable.CF;
import static jlguest.cpu.OpcodeTable.OF;
import static jlguest.cpu.OpcodeTable.OSZAPC;
import static jlguest.cpu.OpcodeTable.PF;
import static jlguest.cpu.OpcodeTable.SF;
import static jlguest.cpu.OpcodeTable.ZF;

/**
 * The architectural state of the CPU, and the lazy EFLAGS machinery.
 *
 * <p>tour:cpu:100 The CPU is one object built as a short chain of classes, each adding one concern:
 * {@code CpuState} (registers and flags) &lt; {@link Memory} (paging, TLB, guest memory access) &lt;
 * {@link Segments} (descriptors and segment loads) &lt; {@link Interrupts} (exceptions, gates, task
 * switches) &lt; {@link Alu} (arithmetic with flags) &lt; {@link SystemOps} (control registers, CPUID,
 * MSRs) &lt; {@link Executor} and {@code FastExecutor} (the instructions) &lt; {@link Cpu} (block
 * cache, run loop, public API). Inheritance here is not about types: it lets every layer touch the
 * state as plain fields, which the JIT turns into plain loads and stores, and the block compiler's
 * generated code reaches them the same way. A concern that the others do not call into can be a
 * part instead, a final class holding a reference to the CPU: {@link Strings} (string instructions
 * and port I/O) is one, and measured no slower (issue 11: QuickMips int/mpi/lz/mem side by side,
 * differences inside the machine's noise). The layers below it stay a chain because each calls
 * into the others on every instruction (a memory access walks the TLB, a fault raises an
 * interrupt, an interrupt loads segments): as parts they would trade this for a reference hop on
 * every such call, and take the names of the state apart for no reader's gain.
 *
 * <p>tour:cpu:110 Lazy flags. Most arithmetic results' flags are overwritten before anybody reads
 * them, so an ALU instruction only records what it did ({@code lfOp}: the kind of operation and
 * its operand size) with its operands and result. CF, ZF, SF, OF, AF and PF are computed from that
 * record when a Jcc, SETcc, PUSHF or the like asks. {@code lfOp == LF_NONE} means the six flags sit
 * materialized in {@code flags}.
 */
abstract class CpuState {
    // ---- general registers and instruction pointer -------------------------------------------
    static final int EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
    static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;

    final int[] r = new int[8];
    /** EIP of the next instruction (during execution: of the one after the current one). */
    int eip;
    /** EIP of the instruction being executed (for faults, which restart it). */
    int curEip;

    // ---- flags --------------------------------------------------------------------------------
    /** EFLAGS; the OSZAPC bits are valid only when {@code lfOp == LF_NONE}. Bit 1 always set. */
    int flags = 2;
    int lfOp, lfA, lfB, lfRes;

    static final int LF_NONE = 0;
    /** Kinds, shifted left 2; the low 2 bits are the size: 0 byte, 1 word, 2 dword. */
    static final int K_ADD = 1 << 2, K_ADC = 2 << 2, K_SUB = 3 << 2, K_SBB = 4 << 2, K_LOGIC = 5 << 2,
            K_INC = 6 << 2, K_DEC = 7 << 2,
            /** CF, OF and AF are stored (as flag bits) in lfB; ZF/SF/PF come from lfRes. */
            K_EAGER = 8 << 2;
    static final int[] MASK = {0xFF, 0xFFFF, 0xFFFFFFFF};
    static final int[] SIGN = {0x80, 0x8000, 0x80000000};

    // ---- segments -----------------------------------------------------------------------------
    final int[] segSel = new int[6];
    final int[] segBase = new int[6];
    final int[] segLimit = new int[6];
    /** Descriptor attribute bits: access byte in bits 0..7, AVL/L/DB/G in bits 12..15. */
    final int[] segAttr = new int[6];
    /** Bit 0: reads need no limit/rights check; bit 1: writes need none (flat, usable, writable). */
    final int[] segFast = new int[6];
    static final int SEG_FAST_R = 1, SEG_FAST_W = 2;

    int gdtBase, gdtLimit, idtBase, idtLimit;
    int ldtSel, ldtBase, ldtLimit;
    int trSel, trBase, trLimit, trAttr;

    /** Current privilege level, 0..3. */
    int cpl;
    /** CS.D: 32-bit default operand and address size. */
    boolean code32;
    /** SS.B: the stack pointer is ESP (else SP). */
    boolean stack32;
    /** CR0.PE. */
    boolean protectedMode;

    // ---- control, debug and model-specific registers -----------------------------------------
    int cr0 = 0x60000010, cr2, cr3, cr4;
    final int[] dr = new int[8];
    int sysenterCs, sysenterEsp, sysenterEip;
    long tscOffset;

    static final int CR0_PE = 1, CR0_MP = 2, CR0_EM = 4, CR0_TS = 8, CR0_ET = 0x10, CR0_NE = 0x20,
            CR0_WP = 0x10000, CR0_AM = 0x40000, CR0_NW = 0x20000000, CR0_CD = 0x40000000,
            CR0_PG = 0x80000000;
    static final int CR4_VME = 1, CR4_PVI = 2, CR4_TSD = 4, CR4_DE = 8, CR4_PSE = 0x10, CR4_PGE = 0x80;
    static final int CR4_PAE = 0x20;

    // ---- x87 FPU: its own package (jlguest.cpu.fpu) holds its registers and instructions ------
    final jlguest.cpu.fpu.Fpu fpu = new jlguest.cpu.fpu.Fpu();
    /** MMX/SSE/SSE2: the XMM registers, MXCSR and the instructions (package jlguest.cpu.simd). */
    final jlguest.cpu.simd.Simd simd = new jlguest.cpu.simd.Simd();

    // ---- interrupt state ----------------------------------------------------------------------
    /**
     * The PIC's INTR output: IF (0x200) while it is up, else 0, so that {@code intrLine & flags}
     * says at once whether an interrupt can be taken (see Cpu.regionMayGoOn).
     */
    int intrLine;
    /** Interrupt shadow after STI, MOV SS, POP SS: no interrupt before the next instruction. */
    boolean inhibitInterrupts;
    /** Set when the current block must not go on (self-modifying code, an interrupted REP). */
    boolean abortBlock;
    /** Instructions that ran but must not count as retired (a REP that paused itself). */
    int uncounted;

    // ---- lazy flags ---------------------------------------------------------------------------

    final boolean cf() {
        int op = lfOp;
        if (op == LF_NONE) {
            return (flags & CF) != 0;
        }
        int m = MASK[op & 3];
        int a = lfA & m, b = lfB & m, res = lfRes & m;
        switch (op & ~3) {
            case K_ADD:
                return Integer.compareUnsigned(res, a) < 0;
            case K_ADC:
                return ((res - a - b) & m) != 0 ? Integer.compareUnsigned(res, a) <= 0
                        : Integer.compareUnsigned(res, a) < 0;
            case K_SUB:
                return Integer.compareUnsigned(a, b) < 0;
            case K_SBB:
                return ((a - b - res) & m) != 0 ? Integer.compareUnsigned(a, b) <= 0
                        : Integer.compareUnsigned(a, b) < 0;
            case K_INC:
            case K_DEC:
                return lfB != 0;
            case K_EAGER:
                return (lfB & CF) != 0;
            default:
                return false;
        }
    }

    final boolean zf() {
        return lfOp == LF_NONE ? (flags & ZF) != 0 : (lfRes & MASK[lfOp & 3]) == 0;
    }

    final boolean sf() {
        return lfOp == LF_NONE ? (flags & SF) != 0 : (lfRes & SIGN[lfOp & 3]) != 0;
    }

    final boolean pf() {
        return lfOp == LF_NONE ? (flags & PF) != 0 : (Integer.bitCount(lfRes & 0xFF) & 1) == 0;
    }

    final boolean of() {
        int op = lfOp;
        if (op == LF_NONE) {
            return (flags & OF) != 0;
        }
        int s = SIGN[op & 3];
        int a = lfA, b = lfB, res = lfRes;
        switch (op & ~3) {
            case K_ADD:
            case K_ADC:
                return ((a ^ res) & (b ^ res) & s) != 0;
            case K_SUB:
            case K_SBB:
                return ((a ^ b) & (a ^ res) & s) != 0;
            case K_INC:
                return (res & MASK[op & 3]) == s;
            case K_DEC:
                return (res & MASK[op & 3]) == s - 1;
            case K_EAGER:
                return (lfB & OF) != 0;
            default:
                return false;
        }
    }

    final boolean af() {
        int op = lfOp;
        switch (op & ~3) {
            case LF_NONE:
                return (flags & AF) != 0;
            case K_ADD:
            case K_ADC:
            case K_SUB:
            case K_SBB:
                return ((lfA ^ lfB ^ lfRes) & 0x10) != 0;
            case K_INC:
                return (lfRes & 0xF) == 0;
            case K_DEC:
                return (lfRes & 0xF) == 0xF;
            case K_EAGER:
                return (lfB & AF) != 0;
            default:
                return false;
        }
    }

    /**
     * Condition code cc (0..15, as in Jcc's low nibble) evaluated against the current flags.
     *
     * <p>One method on purpose, too big for C2 to inline (over FreqInlineSize, 325 bytes): the
     * interpreter's Jcc handler calls it. Split into a small inlinable front and helpers (tried
     * after issue 12), it was inlined into the interpreter's handler switch with its compare
     * switch twice over and every loop of bench/ ran 5-20% slower: the bigger handler method cost
     * more than the call saved.
     */
    final boolean cond(int cc) {
        // tour:cpu:120 The commonest pairs, CMP or SUB followed by Jcc, and TEST or AND followed by
        // Jcc, are answered straight from the recorded operands without computing any flag (a logic
        // result sets the flags as comparing it with 0 would). The conditions answered so: B, AE, E,
        // NE, BE, A, L, GE, LE, G (bits 2-7 and 12-15 of 0xF0FC).
        // And E/NE after any other arithmetic (DEC ECX; JNZ) read ZF straight from the result.
        int op = lfOp;
        if (op != LF_NONE) {
            int kind = op & ~3;
            boolean sub = kind == K_SUB;
            if ((0xF0FC >>> cc & 1) != 0 && (sub || kind == K_LOGIC)) {
                int sz = op & 3;
                int a = sub ? lfA : lfRes, b = sub ? lfB : 0;
                if (sz == 0) {
                    a = (byte) a; b = (byte) b;
                } else if (sz == 1) {
                    a = (short) a; b = (short) b;
                }
                switch (cc) {
                    case 2: return Integer.compareUnsigned(a, b) < 0;
                    case 3: return Integer.compareUnsigned(a, b) >= 0;
                    case 4: return a == b;
                    case 5: return a != b;
                    case 6: return Integer.compareUnsigned(a, b) <= 0;
                    case 7: return Integer.compareUnsigned(a, b) > 0;
                    case 12: return a < b;
                    case 13: return a >= b;
                    case 14: return a <= b;
                    default: return a > b;
                }
            }
            if ((cc & ~1) == 4) {
                return ((lfRes & MASK[op & 3]) == 0) != ((cc & 1) != 0);
            }
        }
        boolean v;
        switch (cc >> 1) {
            case 0: v = of(); break;
            case 1: v = cf(); break;
            case 2: v = zf(); break;
            case 3: v = cf() || zf(); break;
            case 4: v = sf(); break;
            case 5: v = pf(); break;
            case 6: v = sf() != of(); break;
            default: v = zf() || sf() != of(); break;
        }
        return v ^ ((cc & 1) != 0);
    }

    /** The six status flags as EFLAGS bits. */
    final int oszapc() {
        if (lfOp == LF_NONE) {
            return flags & OSZAPC;
        }
        return (cf() ? CF : 0) | (pf() ? PF : 0) | (af() ? AF : 0) | (zf() ? ZF : 0)
                | (sf() ? SF : 0) | (of() ? OF : 0);
    }

    /** Materializes the lazy flags into {@code flags} and returns the full EFLAGS. */
    final int getFlags() {
        if (lfOp != LF_NONE) {
            flags = (flags & ~OSZAPC) | oszapc();
            lfOp = LF_NONE;
        }
        return flags;
    }

    /** Sets the six status flags from bits (others untouched). */
    final void setOszapc(int bits) {
        getFlags();
        flags = (flags & ~OSZAPC) | (bits & OSZAPC);
    }

    final void setCf(boolean c) {
        getFlags();
        flags = c ? flags | CF : flags & ~CF;
    }

    /** Records a flag-setting result whose CF/OF/AF are known now (shifts, multiplies, BCD...). */
    final void eager(int sz, int res, int cfOfAf) {
        lfOp = K_EAGER | sz;
        lfRes = res;
        lfB = cfOfAf;
        lfA = 0;
    }

    // ---- register helpers ---------------------------------------------------------------------

    final int reg8(int n) {
        return n < 4 ? r[n] & 0xFF : (r[n - 4] >>> 8) & 0xFF;
    }

    final void setReg8(int n, int v) {
        if (n < 4) {
            r[n] = (r[n] & ~0xFF) | (v & 0xFF);
        } else {
            r[n - 4] = (r[n - 4] & ~0xFF00) | ((v & 0xFF) << 8);
        }
    }

    final void setReg16(int n, int v) {
        r[n] = (r[n] & 0xFFFF0000) | (v & 0xFFFF);
    }

    /** Writes a register with operand size sz (0 byte, 1 word, 2 dword). */
    final void setRegSz(int n, int sz, int v) {
        if (sz == 2) {
            r[n] = v;
        } else if (sz == 1) {
            setReg16(n, v);
        } else {
            setReg8(n, v);
        }
    }

    final int regSz(int n, int sz) {
        return sz == 2 ? r[n] : sz == 1 ? r[n] & 0xFFFF : reg8(n);
    }
}
