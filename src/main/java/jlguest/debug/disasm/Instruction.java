package jlguest.debug.disasm;

import java.util.List;
import java.util.function.IntFunction;

/**
 * One decoded instruction, ready to print in Intel syntax.
 *
 * @param address where it starts
 * @param length its length in bytes (1 for an undecodable byte, printed as "(bad)")
 * @param prefixes printed prefixes ("rep", "lock", "cs", ...), in order
 * @param mnemonic lower case, as GNU objdump spells it
 * @param operands Intel order, destination first
 * @param target a direct branch's destination, or -1 (as a long: 0..0xFFFFFFFF)
 * @param bytes the raw bytes
 */
public record Instruction(int address, int length, List<String> prefixes, String mnemonic,
                          List<String> operands, long target, byte[] bytes) {
    public Instruction {
        prefixes = List.copyOf(prefixes);
        operands = List.copyOf(operands);
    }

    /** True when the bytes did not decode to any instruction we know. */
    public boolean bad() {
        return mnemonic.equals("(bad)");
    }

    /** The text with single spaces: "rep stos DWORD PTR es:[edi],eax" (the test's normal form). */
    public String text() {
        StringBuilder s = new StringBuilder();
        for (String p : prefixes) {
            s.append(p).append(' ');
        }
        s.append(mnemonic);
        if (!operands.isEmpty()) {
            s.append(' ').append(String.join(",", operands));
        }
        return s.toString();
    }

    /**
     * The text as the monitor shows it: the mnemonic padded like objdump's, and a branch target
     * followed by its symbol ({@code namer} returns "start_kernel+0x12" or null).
     */
    public String text(IntFunction<String> namer) {
        StringBuilder s = new StringBuilder();
        for (String p : prefixes) {
            s.append(p).append(' ');
        }
        s.append(mnemonic);
        if (!operands.isEmpty()) {
            while (s.length() < 7) {
                s.append(' ');
            }
            s.append(s.charAt(s.length() - 1) == ' ' ? "" : " ").append(String.join(",", operands));
        }
        if (target >= 0 && namer != null) {
            String name = namer.apply((int) target);
            if (name != null) {
                s.append(" <").append(name).append('>');
            }
        }
        return s.toString();
    }

    /** The raw bytes as hex pairs: "8b 45 fc". */
    public String hex() {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            if (s.length() > 0) {
                s.append(' ');
            }
            s.append(String.format("%02x", b & 0xFF));
        }
        return s.toString();
    }
}
