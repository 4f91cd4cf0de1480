package jlguest.debug.disasm;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares the disassembler with a compacted objdump listing (tools/disasm/regenerate.sh):
 * "@ADDR NAME" starts a symbol, "LENGTH TEXT" is one instruction.
 */
final class ObjdumpComparison {
    int instructions;
    int boundaryMismatches;
    int textMismatches;
    final List<String> boundaryExamples = new ArrayList<>();
    final List<String> textExamples = new ArrayList<>();
    private final java.util.Set<String> shapes = new java.util.HashSet<>();

    /** Reads the listing and decodes every instruction it names from {@code code}. */
    static ObjdumpComparison run(BufferedReader listing, CodeReader code) throws IOException {
        ObjdumpComparison c = new ObjdumpComparison();
        String line;
        int addr = 0;
        while ((line = listing.readLine()) != null) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            if (line.charAt(0) == '@') {
                int sp = line.indexOf(' ');
                addr = (int) Long.parseLong(line.substring(1, sp < 0 ? line.length() : sp), 16);
                continue;
            }
            int sp = line.indexOf(' ');
            int len = Integer.parseInt(line.substring(0, sp));
            String want = line.substring(sp + 1);
            c.compare(code, addr, len, want);
            addr += len;
        }
        return c;
    }

    private void compare(CodeReader code, int addr, int len, String want) {
        instructions++;
        Instruction insn = Disassembler.decode(code, addr);
        String got = insn == null ? "(unreadable)" : insn.text();
        int gotLen = insn == null ? 0 : insn.length();
        if (gotLen != len) {
            boundaryMismatches++;
            if (boundaryExamples.size() < 40) {
                boundaryExamples.add(String.format("%08x: length %d, objdump %d: %s | objdump: %s  [%s]",
                        addr, gotLen, len, got, want, insn == null ? "" : insn.hex()));
            }
        } else if (!got.equals(want)) {
            textMismatches++;
            String shape = want.replaceAll("0x[0-9a-f]+", "N");
            if (textExamples.size() < 60 && shapes.add(shape)) {
                textExamples.add(String.format("%08x: %s | objdump: %s  [%s]", addr, got, want, insn.hex()));
            }
        }
    }

    double agreement() {
        return instructions == 0 ? 0 : 100.0 * (instructions - boundaryMismatches - textMismatches) / instructions;
    }

    String report() {
        StringBuilder s = new StringBuilder(String.format(
                "%d instructions; %d boundary mismatches, %d text mismatches; agreement %.4f%%%n",
                instructions, boundaryMismatches, textMismatches, agreement()));
        boundaryExamples.forEach(e -> s.append("  boundary ").append(e).append('\n'));
        textExamples.forEach(e -> s.append("  text ").append(e).append('\n'));
        return s.toString();
    }
}
