package jlguest.debug.disasm;

import java.util.ArrayList;
import java.util.List;

import jlguest.cpu.Opcode;
import jlguest.cpu.OpcodeTable;

/**
 * Turns bytes into Intel-syntax instructions, from the CPU's own opcode table.
 *
 * <p>tour:monitor:010 The disassembler does what the CPU's decoder does, in the same order:
 * prefixes, one or two opcode bytes, a ModRM byte when the {@link OpcodeTable} says the opcode
 * has one, then the SIB byte, the displacement and the immediates the row's operand kinds ask
 * for. It has no instruction list of its own: mnemonic and operands come from the row
 * ({@link Opcode#mnemonic()} and {@link Opcode#operands()}, written in the Intel manual's
 * appendix A notation), and {@link Operands} turns each kind ("Ev", "Gb", "Ibs", "Jz") into text.
 * Encodings of later processors are rows too, marked {@link Opcode#LATER}: the disassembler names
 * them ({@link OpcodeTable#describe}), the CPU does not execute them. The spelling follows
 * GNU objdump's {@code -M intel} (so "DWORD PTR [ebp-0x4]", "rep stos", "xchg ax,ax"): a test
 * holds the two to agreement over the whole text of the bundled kernel.
 */
public final class Disassembler {
    /** Longest legal x86 instruction. */
    static final int MAX_LENGTH = 15;

    private Disassembler() {
    }

    /** Thrown inside decoding when a byte cannot be read. */
    static final class Unreadable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreadable() {
            super(null, null, false, false);
        }
    }

    /**
     * Decodes the instruction at {@code address}. Never throws: an unknown encoding is "(bad)"
     * one byte long, unreadable memory yields null.
     */
    public static Instruction decode(CodeReader code, int address) {
        Decoding d = new Decoding(code, address);
        try {
            return d.run();
        } catch (Unreadable e) {
            return null;
        }
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

    /** One instruction's worth of decoding state. */
    static final class Decoding {
        final CodeReader code;
        final int address;
        int pos;
        final byte[] buf = new byte[MAX_LENGTH];

        int opsize = 32;
        int adsize = 32;
        int seg = -1;
        int rep;
        boolean lock;
        boolean saw66;
        boolean saw67;
        boolean segUsed;
        final List<Integer> prefixOrder = new ArrayList<>();

        int opcode;
        int modrm = -1;
        Opcode row;

        Decoding(CodeReader code, int address) {
            this.code = code;
            this.address = address;
        }

        int next() {
            if (pos >= MAX_LENGTH) {
                throw new IllegalStateException("too long");
            }
            int b = code.byteAt(address + pos);
            if (b < 0) {
                throw new Unreadable();
            }
            buf[pos++] = (byte) b;
            return b;
        }

        int next16() {
            int lo = next();
            return lo | next() << 8;
        }

        int next32() {
            int lo = next16();
            return lo | next16() << 16;
        }

        Instruction run() {
            try {
                return decodeOne();
            } catch (IllegalStateException e) {
                return bad(1);
            }
        }

        private Instruction decodeOne() {
            int b;
            while (OpcodeTable.PREFIXES.contains(b = next())) {
                prefixOrder.add(b);
                switch (b) {
                    case 0x66 -> saw66 = true;
                    case 0x67 -> saw67 = true;
                    case 0xF0 -> lock = true;
                    case 0xF2, 0xF3 -> rep = b;
                    default -> seg = segIndex(b);
                }
            }
            opcode = b;
            if (b == 0x0F) {
                int b2 = next();
                opcode = b2 == 0x38 ? 0x200 | next() : b2 == 0x3A ? 0x300 | next() : 0x100 | b2;
            }
            if (OpcodeTable.describedWithModrm(opcode)) {
                modrm = next();
            }
            row = OpcodeTable.describe(opcode, modrm, rep, saw66);
            if (row == null) {
                return bad(pos);
            }
            int mandatory = row.prefix();   // PAUSE (F3 90), the SSE forms (66/F2/F3 0F xx), TZCNT...
            opsize = saw66 && mandatory != 0x66 ? 16 : 32;
            adsize = saw67 ? 16 : 32;
            return Operands.format(this, mandatory);
        }

        Instruction bad(int length) {
            byte[] bytes = new byte[Math.max(1, length)];
            System.arraycopy(buf, 0, bytes, 0, bytes.length);
            return new Instruction(address, bytes.length, List.of(), "(bad)", List.of(), -1, bytes);
        }

        private static int segIndex(int prefix) {
            return switch (prefix) {
                case 0x26 -> 0;
                case 0x2E -> 1;
                case 0x36 -> 2;
                case 0x3E -> 3;
                case 0x64 -> 4;
                default -> 5;
            };
        }
    }
}
