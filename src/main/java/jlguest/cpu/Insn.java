package jlguest.cpu;

/**
 * One decoded instruction, as the decoder leaves it for the executor (and for a disassembler).
 *
 * <p>tour:cpu:600 Decoding x86 is expensive: prefixes, ModRM, SIB, displacements, immediates.
 * We do it once per instruction per block and keep the result in one of these (mutable, reused:
 * blocks are rebuilt in place, so steady-state execution allocates nothing).
 */
final class Insn {
    // The fields the fast handlers read come first, so that they share a cache line (HotSpot lays
    // out fields of one size in the order they are declared): cold code misses the cache on them.
    /**
     * Fast-path handler chosen by {@link FastPath#specialize} (0 = the generic executor), with
     * its destination and source register numbers.
     */
    int h, d, s;
    /** Length in bytes, prefixes included. */
    int len;
    /** Segment of the memory operand (override or default). */
    int seg;
    /** Effective address parts: base/index register numbers or -1, scale as a shift count. */
    int base, index, scale, disp;
    int imm;
    /** Opcode 0x000..0x1FF (0x100 | second byte for 0F xx), or one of the K_* pseudo-opcodes. */
    int op;
    /** How many of its bytes are prefix bytes. */
    int prefixes;
    /**
     * The opcode as decoded, whatever {@link #op} became: 0x000..0x1FF, and for a disassembler
     * 0x200 | xx for 0F 38 xx and 0x300 | xx for 0F 3A xx.
     */
    int code;
    /** The table row (null for pseudo-opcodes). */
    Opcode row;
    int attrs;
    boolean o32, a32, lock;
    /** Operand size: 0 byte, 1 word, 2 dword. */
    int sz;
    /** 0, 0xF2 (REPNE) or 0xF3 (REP/REPE). */
    int rep;
    /** The segment override alone (-1 none). */
    int segOverride;
    /** ModRM: mod (3 = register operand), reg and rm fields; modrm = -1 when there is none. */
    int modrm, mod, reg, rm;
    int imm2;

    /** Decodes to this and faults (#UD, or the fault in imm) when executed. */
    static final int OP_UD = 0x200;
    /** Decoded but not implemented: stops the guest. */
    static final int OP_UNIMPL = 0x201;
    /** A decode-time fault (#PF on fetch, #GP for length > 15): vector in imm, error in imm2. */
    static final int OP_FAULT = 0x202;

    boolean isMem() {
        return mod != 3;
    }

    /** A copy that no later decode changes, for a compiled unit's call-out (tour:jit:016). */
    Insn copy() {
        Insn c = new Insn();
        c.h = h;
        c.d = d;
        c.s = s;
        c.len = len;
        c.seg = seg;
        c.base = base;
        c.index = index;
        c.scale = scale;
        c.disp = disp;
        c.imm = imm;
        c.op = op;
        c.prefixes = prefixes;
        c.code = code;
        c.row = row;
        c.attrs = attrs;
        c.o32 = o32;
        c.a32 = a32;
        c.lock = lock;
        c.sz = sz;
        c.rep = rep;
        c.segOverride = segOverride;
        c.modrm = modrm;
        c.mod = mod;
        c.reg = reg;
        c.rm = rm;
        c.imm2 = imm2;
        return c;
    }
}
