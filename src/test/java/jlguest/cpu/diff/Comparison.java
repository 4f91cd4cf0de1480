package jlguest.cpu.diff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What may differ between the host's result and jlguest's, and what may not.
 *
 * <p>tour:difftest:140 Masked, and only these:
 * <ul>
 * <li>EFLAGS bits the case marks undefined: the opcode table's {@code flagsUndefined} for the row,
 *     refined per case where the SDM ties it to the operands (shift or rotate by 0: nothing is
 *     undefined; by 1: OF is defined; SHL/SHR by at least the operand width: CF is undefined too).
 * <li>EFLAGS.RF (bit 16): a CPU sets it in the frame of a fault, a kernel clears it; neither matters
 *     to user mode.
 * <li>The #PF error code above bit 2: the host runs with NX enabled and reports instruction fetches
 *     (bit 4), which a P6 without PAE cannot; P, W/R and U/S are compared.
 * </ul>
 * Everything else is compared: how the instruction ended (completed, and where to; or which
 * exception, at which EIP, with which error code and CR2), all eight registers, EFLAGS, the ES, CS,
 * SS and DS selectors, and every byte of the data pages.
 *
 * <p>Undefined results are masked by never generating them (vendors and generations disagree, and
 * the SDM promises nothing), so no case can pin jlguest to one CPU's accident:
 * <ul>
 * <li>SHLD/SHRD with a 16-bit operand and a count (mod 32) above 16: result and flags undefined;
 *     {@code Shaping.shiftCount} keeps the counts at 16 or below. jlguest shifts through the 48-bit
 *     value dst:src:dst (not checked against hardware).
 * <li>BSWAP with a 16-bit operand: undefined. The row is {@code Zd} (32 bits only), so no 0x66
 *     variant is made; jlguest clears the 16-bit register, as Intel and AMD parts are reported to.
 * <li>LAR's bits 16..19 (the "x" of the SDM's mask 00FxFF00h): LAR is not generated at all (it
 *     reads the host's descriptor tables); jlguest returns the descriptor's limit bits 19:16 there.
 * </ul>
 */
final class Comparison {
    private Comparison() {
    }

    static final int RF = 0x1_0000;

    /** The differences between {@code want} and {@code got} for case {@code c}; empty when they agree. */
    static List<String> differences(DiffCase c, DiffCase.Result want, DiffCase.Result got) {
        List<String> d = new ArrayList<>();
        if (want.completed() != got.completed() || want.vector() != got.vector() || want.eip() != got.eip()) {
            d.add("outcome: want " + CaseText.outcome(want) + ", got " + CaseText.outcome(got));
        } else if (!want.completed()) {
            int mask = want.vector() == 14 ? 7 : -1;
            if (((want.errorCode() ^ got.errorCode()) & mask) != 0) {
                d.add(String.format("error code: want %x, got %x", want.errorCode(), got.errorCode()));
            }
            if (want.cr2() != got.cr2()) {
                d.add(String.format("CR2: want %08x, got %08x", want.cr2(), got.cr2()));
            }
        }
        for (int i = 0; i < 8; i++) {
            if (want.regs()[i] != got.regs()[i]) {
                d.add(String.format("%s: want %08x, got %08x", CaseText.REGS[i], want.regs()[i], got.regs()[i]));
            }
        }
        int ignore = c.undefFlags() | RF;
        if (((want.eflags() ^ got.eflags()) & ~ignore) != 0) {
            d.add(String.format("EFLAGS: want %08x, got %08x (differ %s; ignoring %s)", want.eflags(), got.eflags(),
                    Flags.names((want.eflags() ^ got.eflags()) & ~ignore), Flags.names(c.undefFlags())));
        }
        String[] segNames = {"ES", "CS", "SS", "DS"};
        for (int i = 0; i < 4; i++) {
            if (want.segs()[i] != got.segs()[i]) {
                d.add(String.format("%s: want %04x, got %04x", segNames[i], want.segs()[i], got.segs()[i]));
            }
        }
        if (!sameMemory(want.memory(), got.memory())) {
            d.add("memory: want " + runs(want.memory()) + ", got " + runs(got.memory()));
        }
        return d;
    }

    private static boolean sameMemory(List<DiffCase.Run> a, List<DiffCase.Run> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).offset() != b.get(i).offset() || !Arrays.equals(a.get(i).bytes(), b.get(i).bytes())) {
                return false;
            }
        }
        return true;
    }

    private static String runs(List<DiffCase.Run> runs) {
        if (runs.isEmpty()) {
            return "no change";
        }
        StringBuilder sb = new StringBuilder();
        for (DiffCase.Run r : runs) {
            sb.append(String.format("[%08x]=%s ", Layout.DATA_BASE + r.offset(), CaseText.hex(r.bytes()).replace(" ", "")));
        }
        return sb.toString().trim();
    }

    /** EFLAGS bit names for reports. */
    static final class Flags {
        private static final String[] NAMES = {"CF", "1", "PF", "3", "AF", "5", "ZF", "SF", "TF", "IF", "DF", "OF",
            "IOPL0", "IOPL1", "NT", "15", "RF", "VM", "AC", "VIF", "VIP", "ID"};

        static String names(int bits) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < NAMES.length; i++) {
                if ((bits & 1 << i) != 0) {
                    sb.append(sb.length() == 0 ? "" : "|").append(NAMES[i]);
                }
            }
            return sb.length() == 0 ? "-" : sb.toString();
        }
    }
}
