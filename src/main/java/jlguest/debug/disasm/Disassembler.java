package jlguest.debug.disasm;

import java.util.ArrayList;
import java.util.List;

import jlguest.cpu.DecodedInstruction;
import jlguest.cpu.Opcode;
import jlguest.cpu.OpcodeTable;

/**
 * Turns bytes into Intel-syntax instructions, with the CPU's own decoder and opcode table.
 *
 * <p>tour:monitor:010 The disassembler does not decode: it asks the CPU's decoder
 * ({@link DecodedInstruction#describe}), which reads prefixes, one or two opcode bytes, a ModRM
 * byte when the {@link OpcodeTable} says the opcode has one, then the SIB byte, the displacement
 * and the immediates the row's operand kinds ask for, exactly as it does for the CPU. What is
 * left here is spelling. It has no instruction list of its own either: mnemonic and operands come from the row
 * ({@link Opcode#mnemonic()} and {@link Opcode#operands()}, written in the Intel manual's
 * appendix A notation), and {@link Operands} turns each kind ("Ev", "Gb", "Ibs", "Jz") into text.
 * Encodings of later processors are rows too, marked {@link Opcode#LATER}: the disassembler names
 * them ({@link OpcodeTable#describe}), the CPU does not execute them. The spelling follows
 * GNU objdump's {@code -M intel} (so "DWORD PTR [ebp-0x4]", "rep stos", "xchg ax,ax"): a test
 * holds the two to agreement over the whole text of the bundled kernel.
 */
public final class Disassembler {
    private Disassembler() {
    }

    /**
     * Decodes the instruction at {@code address}. Never throws: an unknown encoding is "(bad)",
     * unreadable memory yields null.
     */
    public static Instruction decode(CodeReader code, int address) {
        DecodedInstruction insn = DecodedInstruction.describe(code::byteAt, address);
        if (insn == null) {
            return null;
        }
        Decoding d = new Decoding(insn, address, code);
        return insn.row() == null ? d.bad() : Operands.format(d);
    }

    /** Decodes up to {@code count} instructions from {@code address}; stops early at unreadable memory. */
    public static List<Instruction> decode(CodeReader code, int address, int count) {
        List<Instruction> out = new ArrayList<>();
        int a = address;
        for (int i = 0; i < count; i++) {
            Instruction insn = decode(code, a);
            if (insn == null) {
                break;
            }
            out.add(insn);
            a += insn.length();
        }
        return out;
    }

    /** One decoded instruction and what printing it has learned so far. */
    static final class Decoding {
        final DecodedInstruction insn;
        final int address;
        final byte[] bytes;
        final Opcode row;
        /** The opcode (0x100 | xx for 0F xx...), the ModRM byte or -1, the segment override or -1. */
        final int opcode, modrm, seg;
        final int opsize, adsize;
        final boolean saw66;
        /** The prefix bytes in the order they came (objdump prints them so, repeats included). */
        final List<Integer> prefixOrder = new ArrayList<>();
        /** Set when an operand printed the segment override, so it is not printed as a prefix too. */
        boolean segUsed;

        Decoding(DecodedInstruction insn, int address, CodeReader code) {
            this.insn = insn;
            this.address = address;
            this.bytes = new byte[insn.length()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) code.byteAt(address + i);
            }
            for (int i = 0; i < insn.prefixLength(); i++) {
                prefixOrder.add(bytes[i] & 0xFF);
            }
            this.row = insn.row();
            this.opcode = insn.code();
            this.modrm = insn.modrm();
            this.seg = insn.segOverride();
            this.saw66 = prefixOrder.contains(0x66);
            // A mandatory 66 (the SSE forms) selects the instruction, not the operand size.
            this.opsize = saw66 && (row == null || row.prefix() != 0x66) ? 16 : 32;
            this.adsize = insn.address32() ? 32 : 16;
        }

        Instruction bad() {
            return new Instruction(address, bytes.length, List.of(), "(bad)", List.of(), -1, bytes);
        }
    }
}
