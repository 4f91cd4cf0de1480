package jlguest.cpu;

import java.util.List;

/**
 * One row of the opcode table: one encoding form of one x86 instruction.
 *
 * <p>tour:cpu:010 Every instruction the CPU knows is described exactly once, by a row like this,
 * in {@link OpcodeTable}. The decoder reads the rows to learn which opcodes take a ModRM byte and
 * how many immediate bytes follow; a disassembler reads the mnemonic and operand kinds; the
 * differential test generator reads the flag masks to know which EFLAGS bits it may compare.
 *
 * <h2>Fields</h2>
 * <ul>
 * <li>{@code code}: the opcode. 0x00..0xFF for one-byte opcodes, 0x100..0x1FF for two-byte opcodes
 *     (0x0F followed by the low byte). Prefix bytes are not rows (see {@link OpcodeTable#PREFIXES}).
 * <li>{@code reg}: the ModRM reg-field extension (/0../7) for group opcodes, or -1.
 * <li>{@code modrm}: an exact ModRM byte (e.g. 0xC1 for VMCALL = 0F 01 C1, 0xE3 for FNINIT = DB E3),
 *     or -1. A row with an exact ModRM byte wins over a row with only a reg extension.
 * <li>{@code mod}: which ModRM forms the row accepts: {@link Mod#ANY}, {@link Mod#MEM} (mod != 3)
 *     or {@link Mod#REG} (mod == 3). {@link Mod#NONE} when there is no ModRM byte.
 * <li>{@code prefix}: a mandatory prefix byte (0xF3 for PAUSE = F3 90; 0x66, 0xF2 or 0xF3 before
 *     0F xx for the SSE forms, e.g. 66 0F 58 ADDPD, F3 0F 58 ADDSS), or 0. See {@link SimdTable}.
 * <li>{@code mnemonic}: Intel mnemonic. "A/B" means A with a 16-bit operand size and B with a 32-bit one
 *     (e.g. "CWD/CDQ", "PUSHA/PUSHAD"); a mnemonic shared by both sizes has no slash.
 * <li>{@code operands}: operand kinds in Intel order (destination first), in the notation of the
 *     Intel SDM, volume 2, appendix A: E = ModRM r/m, G = ModRM reg, M = ModRM memory only,
 *     R = ModRM r/m register only, S = segment register in reg, C/D = control/debug register in reg,
 *     I = immediate, J = relative branch offset, A = far pointer immediate (offset then selector),
 *     O = memory offset (moffs, address-size wide), X = DS:[eSI], Y = ES:[eDI], Z = general register
 *     in the low 3 opcode bits. Size suffix: b = byte, w = word, d = dword, v = word or dword by
 *     operand size, z = word for 16-bit operand size else dword, p = far pointer (16:16 or 16:32),
 *     q = qword, s = 6-byte descriptor-table pseudo-descriptor, a = BOUND pair. "Ibs" is a byte
 *     immediate sign-extended to the operand size. Fixed operands are spelled out: AL, CL, DX, eAX,
 *     AX, 1, ES, CS, SS, DS, FS, GS. MMX and SSE operands: P = MMX register in reg, Q = MMX
 *     register or memory in r/m, N = MMX register in r/m, V = XMM register in reg, W = XMM register
 *     or memory in r/m, U = XMM register in r/m; sizes ps/pd (packed single/double), ss/sd
 *     (scalar), dq (128 bits), q, d, w.
 * <li>{@code size}: the operand-size behaviour, see {@link OpSize}.
 * <li>{@code flagsWritten}: EFLAGS bits the instruction may write (as {@link OpcodeTable#CF} ...).
 * <li>{@code flagsUndefined}: the subset of written bits whose value the architecture leaves
 *     undefined, for some or all operand values (e.g. OF for shifts by more than 1, AF for logic
 *     ops). Comparisons against a real CPU must mask these.
 * <li>{@code attrs}: {@link #LOCKABLE}, {@link #REP}, {@link #BRANCH}, {@link #ENDS_BLOCK},
 *     {@link #PRIVILEGED}, {@link #IO}, {@link #X87}, {@link #UNIMPLEMENTED}, {@link #MMX},
 *     {@link #SSE}, {@link #SIMD}, {@link #LATER}.
 * </ul>
 */
public record Opcode(int code, int reg, int modrm, Mod mod, int prefix, String mnemonic,
                     List<String> operands, OpSize size, int flagsWritten, int flagsUndefined,
                     int attrs) {

    /** Which ModRM forms a row matches. */
    public enum Mod { NONE, ANY, MEM, REG }

    /** Operand-size behaviour of a row. */
    public enum OpSize {
        /** No sized data operand (e.g. CLC, JMP rel). */
        NONE,
        /** Always 8-bit. */
        BYTE,
        /** Always 16-bit (e.g. MOV Sreg, ARPL, LLDT). */
        WORD,
        /** Always 32-bit (e.g. MOV CRn, BSWAP, CMPXCHG8B's halves). */
        DWORD,
        /** 16- or 32-bit, chosen by the CS default size and the 0x66 prefix. */
        V
    }

    /** Accepts a LOCK prefix (with a memory destination). Others raise #UD under LOCK. */
    public static final int LOCKABLE = 1;
    /** A string instruction that honours REP/REPE/REPNE. */
    public static final int REP = 2;
    /** Transfers control (jumps, calls, returns, interrupts). */
    public static final int BRANCH = 4;
    /** The decoder ends a decoded block after this instruction (branches, mode or IF changes, I/O). */
    public static final int ENDS_BLOCK = 8;
    /** Raises #GP(0) when CPL > 0 (or, for I/O, when CPL > IOPL and the TSS bitmap denies). */
    public static final int PRIVILEGED = 16;
    /** Port I/O instruction: checked against IOPL and the TSS I/O permission bitmap. */
    public static final int IO = 32;
    /** x87 escape (D8..DF and FWAIT): raises #NM when CR0.TS (or CR0.EM) says so. */
    public static final int X87 = 64;
    /** Decoded but not implemented: executing it stops the guest with {@link Stop#UNIMPLEMENTED}. */
    public static final int UNIMPLEMENTED = 128;
    /**
     * Executed by jlguest.cpu.simd and touches the MMX registers (the x87 registers' significands):
     * #UD with CR0.EM, #NM with CR0.TS, a pending x87 error first, then the x87 enters MMX mode.
     */
    public static final int MMX = 256;
    /** Executed by jlguest.cpu.simd and touches XMM or MXCSR: #UD with CR0.EM or without CR4.OSFXSR, #NM with CR0.TS. */
    public static final int SSE = 512;
    /** Executed by jlguest.cpu.simd without the MMX/SSE checks (fences, prefetch, CLFLUSH, MOVNTI, FXSAVE). */
    public static final int SIMD = 1024;
    /**
     * An encoding of a later processor (XSAVE, RDRAND, MONITOR, TZCNT, INVPCID, ...): decoded and
     * disassembled, but this CPU does not have it. The CPU decodes the bytes as if the row were not
     * there: #UD, or where the old meaning survives (F3 0F BC TZCNT is BSF with a REP prefix that
     * processors before BMI1 ignore) that. Codes may extend the numbering: 0F 38 xx is 0x200 | xx.
     */
    public static final int LATER = 2048;

    /** True when the decoder must read a ModRM byte for this row. */
    public boolean hasModrm() {
        return mod != Mod.NONE;
    }

    /** The mnemonic for the given operand size (16 or 32). */
    public String mnemonic(int operandSize) {
        int slash = mnemonic.indexOf('/');
        if (slash < 0) {
            return mnemonic;
        }
        return operandSize == 16 ? mnemonic.substring(0, slash) : mnemonic.substring(slash + 1);
    }
}
