package jlguest.cpu;

/**
 * A decoded instruction as the outside world (disassembler, monitor, test generators) sees it:
 * the table row plus every field the decoder extracted. Obtained from {@link #decode}.
 *
 * @param row        the {@link OpcodeTable} row, or null for an undefined encoding (#UD)
 * @param code       the opcode: 0x000..0xFF, 0x100 | xx for 0F xx (0x200 | xx for 0F 38 xx and
 *                   0x300 | xx for 0F 3A xx when {@link #describe described})
 * @param length     length in bytes, prefixes included
 * @param prefixLength how many of those bytes are prefixes (they come first)
 * @param operand32  32-bit operand size (after any 0x66 prefix)
 * @param address32  32-bit addressing (after any 0x67 prefix)
 * @param segment    segment register of the memory operand (0..5 = ES CS SS DS FS GS), override applied
 * @param segOverride the segment override prefix as a register number, or -1
 * @param rep        0, 0xF2 (REPNE) or 0xF3 (REP/REPE)
 * @param lock       a LOCK prefix was present
 * @param modrm      the ModRM byte, or -1
 * @param base       base register of the memory operand (for 16-bit forms: BX=3, BP=5, SI=6, DI=7), or -1
 * @param index      index register, or -1
 * @param scale      index scale as a shift count (0..3)
 * @param disp       displacement (sign-extended; moffs for A0..A3)
 * @param imm        first immediate (sign-extended where the encoding says so), or the far offset
 * @param imm2       second immediate: far-pointer selector, ENTER's nesting level
 */
public record DecodedInstruction(Opcode row, int code, int length, int prefixLength, boolean operand32, boolean address32, int segment,
                                 int segOverride, int rep, boolean lock, int modrm, int base, int index,
                                 int scale, int disp, int imm, int imm2) {

    /** True when the ModRM byte selects a memory operand. */
    public boolean hasMemoryOperand() {
        return modrm >= 0 && (modrm >>> 6) != 3 || row != null && row.operands().stream().anyMatch(
                k -> k.startsWith("O"));
    }

    /**
     * Decodes one instruction from {@code code} at {@code offset}. Bytes past the end of the array
     * read as 0x00 would not be decoded: a truncated instruction returns null.
     */
    public static DecodedInstruction decode(byte[] code, int offset, boolean code32) {
        Insn d = new Insn();
        try {
            Decoder.decode(lin -> {
                if (lin < 0 || lin >= code.length) {
                    throw new IndexOutOfBoundsException();
                }
                return code[lin] & 0xFF;
            }, offset, code32, d);
        } catch (IndexOutOfBoundsException e) {
            return null;
        }
        if (d.op == Insn.OP_FAULT) {
            return null;
        }
        return of(d);
    }

    /** Thrown through the decoder when the disassembler's reader has no byte to give. */
    private static final class Unreadable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreadable() {
            super(null, null, false, false);
        }
    }

    /**
     * Decodes the 32-bit instruction at {@code address} for a disassembler, with the CPU's own
     * decoder in its describing mode (later processors' encodings are named, see
     * {@link OpcodeTable#describe}). {@code bytes} gives the byte at an address, or -1 where
     * none can be read. Returns null when a byte the instruction needs is unreadable; a record
     * with a null row for bytes no processor decodes (its length reaches past the opcode and any
     * ModRM byte), or for an instruction longer than 15 bytes (length 1).
     */
    public static DecodedInstruction describe(java.util.function.IntUnaryOperator bytes, int address) {
        Insn d = new Insn();
        try {
            Decoder.decode(lin -> {
                int b = bytes.applyAsInt(lin);
                if (b < 0) {
                    throw new Unreadable();
                }
                return b;
            }, address, true, d, true);
        } catch (Unreadable e) {
            return null;
        }
        if (d.op == Insn.OP_FAULT) {
            d.row = null;
            d.len = 1;
        }
        return of(d);
    }

    private static DecodedInstruction of(Insn d) {
        return new DecodedInstruction(d.row, d.code, d.len, d.prefixes, d.o32, d.a32, d.seg, d.segOverride, d.rep,
                d.lock, d.modrm, d.base, d.index, d.scale, d.disp, d.imm, d.imm2);
    }
}
