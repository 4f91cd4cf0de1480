package jlguest.cpu.diff;

import static jlguest.cpu.diff.CaseBuilder.EAX;
import static jlguest.cpu.diff.CaseBuilder.EBP;
import static jlguest.cpu.diff.CaseBuilder.EBX;
import static jlguest.cpu.diff.CaseBuilder.ECX;
import static jlguest.cpu.diff.CaseBuilder.EDI;
import static jlguest.cpu.diff.CaseBuilder.EDX;
import static jlguest.cpu.diff.CaseBuilder.ESI;
import static jlguest.cpu.diff.CaseBuilder.ESP;

import java.util.List;
import jlguest.cpu.OpcodeTable;
import jlguest.cpu.diff.CaseBuilder.Loc;

/**
 * Values with a purpose: what a few instructions need so that a case tests something other than
 * the same exception over and over.
 *
 * <p>tour:difftest:100 Random bits make a poor divisor (almost every DIV would raise #DE), a poor
 * return address (a jump into nowhere) and a poor string length. The hooks here shape those inputs,
 * keyed by mnemonic, after {@link Encoder} has laid out the instruction from its table row. They
 * never decide <em>which</em> instructions are tested; the table does. They also refine the table's
 * undefined-flag mask where the SDM makes it depend on the operands (shift counts of 0 and 1).
 */
final class Shaping {
    private Shaping() {
    }

    /** Selectors for segment loads: valid user data, user code, RPL variants, null, and an LDT one. */
    private static final int[] SELECTORS = {0x2B, 0x2B, 0x2B, 0x23, 0x28, 0x2A, 0x00, 0x03, 0x2F, 0x20};

    private static boolean isShift(String m) {
        return List.of("ROL", "ROR", "RCL", "RCR", "SHL", "SHR", "SAL", "SAR", "SHLD", "SHRD").contains(m);
    }

    private static boolean isString(Encoder e) {
        return e.kinds().stream().anyMatch(k -> k.startsWith("X") || k.startsWith("Y"));
    }

    /** Before the ModRM is chosen: pin the registers an instruction uses as implicit pointers. */
    static void before(Encoder e) {
        CaseBuilder b = e.b;
        String m = e.mnemonic();
        if (isString(e)) {
            strings(e);
        } else if (m.equals("XLAT")) {
            b.set(EBX, e.asize == 16 ? b.regs[EBX] : Layout.DATA_BASE + b.rnd.nextInt(Layout.DATA_SIZE - 256));
        } else if (m.startsWith("POPA")) {
            // A POPA that faults half-way leaves registers the SDM says nothing about (AMD has loaded
            // EDI already): let it fault on its first read or not at all.
            int end = Layout.DATA_BASE + Layout.DATA_SIZE;
            if (b.regs[ESP] - end < 0 && b.regs[ESP] + e.osize - end > 0) {
                b.regs[ESP] = end;
            }
        } else if (m.equals("LEAVE") || m.equals("ENTER")) {
            b.set(EBP, Layout.DATA_BASE + 0x200 + b.rnd.nextInt(Layout.DATA_SIZE - 0x400));
        }
    }

    /** ESI, EDI and ECX for a string instruction: a count, and both pointers where the run fits. */
    private static void strings(Encoder e) {
        CaseBuilder b = e.b;
        var rnd = b.rnd;
        int size = e.kinds().stream().filter(k -> k.startsWith("X") || k.startsWith("Y"))
                .mapToInt(e::bits).findFirst().orElse(8) / 8;
        int count = 1;
        if (e.v.rep() != 0) {
            count = rnd.nextInt(4) == 0 ? rnd.nextInt(40) : rnd.nextInt(6);
            int high = rnd.nextInt(3) == 0 ? rnd.nextInt() & 0xFFFF_0000 : 0;
            b.set(ECX, e.asize == 16 ? high | count : count);
        }
        boolean down = (b.eflags & OpcodeTable.DF) != 0;
        for (int reg : new int[] {ESI, EDI}) {
            int span = count * size;
            int off;
            if (rnd.nextInt(20) == 0) {
                off = down ? span / 2 : Layout.DATA_SIZE - span / 2 - size;    // runs off the end: #PF
            } else {
                off = span + 8 + rnd.nextInt(Math.max(1, Layout.DATA_SIZE - 2 * span - 16));
                if (rnd.nextInt(4) != 0) {
                    off &= -size;
                }
            }
            int addr = Layout.DATA_BASE + off;
            b.set(reg, e.asize == 16 ? rnd.nextInt() & 0xFFFF_0000 | off : addr);
        }
    }

    /** The ModRM reg field of rows whose reg field names a segment, control or debug register. */
    static int regField(Encoder e) {
        var rnd = e.rnd;
        List<String> k = e.kinds();
        if (k.contains("Sw")) {
            boolean load = k.get(0).equals("Sw");
            if (rnd.nextInt(12) == 0) {
                return new int[] {6, 7, load ? 1 : 6}[rnd.nextInt(3)];          // #UD
            }
            return load ? new int[] {0, 2, 3}[rnd.nextInt(3)] : rnd.nextInt(4);  // never FS, GS
        }
        if (k.contains("Cd")) {
            return new int[] {0, 2, 3, 4}[rnd.nextInt(4)];
        }
        if (k.contains("Dd")) {
            return new int[] {0, 1, 2, 3, 6, 7}[rnd.nextInt(6)];
        }
        return rnd.nextInt(8);
    }

    /** An immediate (or branch displacement, or moffs) of {@code bytes} bytes for operand kind {@code k}. */
    static long immediate(Encoder e, String k, int bytes) {
        var rnd = e.rnd;
        String m = e.mnemonic();
        if (k.startsWith("J")) {
            int next = Layout.CODE_START + e.codeLength;
            if (bytes == 1) {
                int rel;
                do {
                    rel = (byte) rnd.nextInt(256);
                } while (rel < 0 && rel >= -e.codeLength);     // never back into the instruction
                return rel;
            }
            return e.b.codeTarget(e.codeLength) - next;
        }
        if (k.startsWith("O")) {
            return e.asize == 16 ? rnd.nextInt(0x10000) : e.b.dataAddress(e.bits(k) / 8, true);
        }
        if (isShift(m) && k.equals("Ib")) {
            return shiftCount(e, Values.count(rnd));
        }
        switch (m) {
            case "INT":
                int[] vectors = {3, 4, 0, 1, 6, 13, 14, 0x21, 0x81, 0xFF};
                int vec;
                do {
                    vec = rnd.nextBoolean() ? vectors[rnd.nextInt(vectors.length)] : rnd.nextInt(256);
                } while (vec == 0x80);                           // the host's system call gate
                return vec;
            case "AAM":
            case "AAD":
                return rnd.nextInt(10) < 5 ? 10 : rnd.nextInt(8) == 0 ? 0 : rnd.nextInt(256);
            case "ENTER":
                return bytes == 2 ? new int[] {0, 2, 4, 8, 16, rnd.nextInt(0x400), rnd.nextInt(0x10000)}[rnd.nextInt(7)]
                        : rnd.nextInt(3) == 0 ? rnd.nextInt(40) : rnd.nextInt(5);
            case "RET":
                return rnd.nextInt(3) == 0 ? rnd.nextInt(0x10000) : 2 * rnd.nextInt(9);
            default:
                break;
        }
        return Values.operand(rnd, bytes * 8);
    }

    /** A 16-bit SHLD/SHRD by more than 16 leaves result and flags undefined: keep counts in range. */
    private static int shiftCount(Encoder e, int count) {
        String m = e.mnemonic();
        if ((m.equals("SHLD") || m.equals("SHRD")) && e.osize == 16 && (count & 31) > 16) {
            return count & ~0x10;
        }
        return count;
    }

    /** After the operands have values: shape the ones that matter. False rejects the draw. */
    static boolean after(Encoder e) {
        String m = e.mnemonic();
        CaseBuilder b = e.b;
        if (isShift(m)) {
            return shift(e, m);
        }
        switch (m) {
            case "DIV", "IDIV" -> divide(e, m.equals("IDIV"));
            case "CMPXCHG" -> {
                if (b.rnd.nextBoolean()) {
                    b.write(Loc.reg(EAX, e.locs.get(0).bits()), b.read(e.locs.get(0)));
                }
            }
            case "CMPXCHG8B" -> {
                if (b.rnd.nextBoolean() && e.mem != null && !b.isPinned(EAX) && !b.isPinned(EDX)) {
                    long q = b.read(e.locs.get(0));
                    b.regs[EAX] = (int) q;
                    b.regs[EDX] = (int) (q >>> 32);
                }
            }
            case "BOUND" -> bound(e);
            case "BT", "BTS", "BTR", "BTC" -> {
                return bitOffset(e);
            }
            case "BSF", "BSR" -> {
                if (b.rnd.nextInt(5) == 0) {
                    b.write(e.locs.get(1), 0);
                }
            }
            case "CALL", "JMP" -> {
                if (e.locs.get(0) != null) {   // the Ev forms; Jz was handled as an immediate
                    return b.write(e.locs.get(0), b.codeTarget(e.codeLength)) || safeTarget(b.read(e.locs.get(0)));
                }
            }
            case "RET" -> b.write(Loc.mem(b.regs[ESP], e.osize), b.codeTarget(e.codeLength));
            case "POPF", "POPFD" -> {
                long flags = b.read(Loc.mem(b.regs[ESP], e.osize)) & ~(OpcodeTable.TF | OpcodeTable.AC);
                b.write(Loc.mem(b.regs[ESP], e.osize), flags);
            }
            case "POP" -> {
                if (e.kinds().get(0).length() == 2 && e.kinds().get(0).endsWith("S")) {
                    b.write(Loc.mem(b.regs[ESP], 16), selector(e));       // POP ES, SS, DS
                }
            }
            case "MOV" -> {
                if (e.kinds().get(0).equals("Sw")) {
                    return b.write(e.locs.get(1), selector(e));
                }
            }
            case "LES", "LDS", "LSS" -> {
                if (e.mem != null) {
                    b.write(Loc.mem(e.mem.addr() + e.osize / 8, 16), selector(e));
                }
            }
            case "CMPSB", "CMPSW", "CMPSD", "SCASB", "SCASW", "SCASD" -> matchRun(e, m.startsWith("CMPS"));
            default -> { }
        }
        return true;
    }

    private static int selector(Encoder e) {
        return SELECTORS[e.rnd.nextInt(SELECTORS.length)];
    }

    private static boolean safeTarget(long target) {
        return target - Layout.CODE_PAGE >= 0 && target - Layout.CODE_PAGE < 0x1000
                || target >= 0x3000_0000L && target < 0x4000_0000L;
    }

    /** Shift counts from the edges, and the undefined flags for the count actually used. */
    private static boolean shift(Encoder e, String m) {
        CaseBuilder b = e.b;
        String countKind = e.kinds().get(e.kinds().size() - 1);
        int count;
        switch (countKind) {
            case "1" -> count = 1;
            case "CL" -> {
                if (!b.isPinned(ECX)) {
                    b.write(Loc.reg(ECX, 8), shiftCount(e, Values.count(b.rnd)));
                }
                count = b.regs[ECX] & 0xFF;
                if (shiftCount(e, count) != count) {
                    return false;
                }
            }
            default -> count = (int) (long) e.imms.get(e.imms.size() - 1);
        }
        int masked = count & 31;
        int bits = e.locs.get(0).bits();
        if (masked == 0) {
            b.undefFlags = 0;                         // nothing changes, flags included
        } else {
            b.undefFlags = e.row.flagsUndefined();
            if (masked == 1) {
                b.undefFlags &= ~OpcodeTable.OF;      // OF is defined for 1-bit shifts and rotates
            }
            if ((m.equals("SHL") || m.equals("SAL") || m.equals("SHR")) && masked >= bits) {
                b.undefFlags |= OpcodeTable.CF;       // SDM: CF undefined when count >= width
            }
        }
        return true;
    }

    /**
     * A dividend that mostly does not overflow: quotient and remainder chosen first. Sometimes a zero
     * divisor, sometimes IDIV's one true overflow (most negative / -1), sometimes plain random.
     */
    private static void divide(Encoder e, boolean signed) {
        CaseBuilder b = e.b;
        var rnd = b.rnd;
        Loc src = e.locs.get(0);
        int n = src.bits();
        boolean aliases = !src.mem() && (src.gpr() == EAX || n > 8 && src.gpr() == EDX);
        if (aliases || b.isPinned(EAX) || n > 8 && b.isPinned(EDX)) {
            return;
        }
        int r = rnd.nextInt(100);
        long mask = (1L << n) - 1;
        long d = b.read(src);
        if (r < 85 && d == 0) {
            d = rnd.nextBoolean() ? 1 : Values.operand(rnd, n) | 1;
            b.write(src, d);
        }
        long dividend;
        if (r < 72) {
            if (signed) {
                long sd = d << (64 - n) >> (64 - n);
                long q = Values.operand(rnd, n) << (64 - n) >> (64 - n);
                long rem = sd == 0 ? 0 : Long.remainderUnsigned(rnd.nextLong() >>> 1, Math.abs(sd));
                long prod = q * sd;
                if (prod < 0 || prod == 0 && rnd.nextBoolean()) {
                    rem = -rem;
                }
                dividend = prod + rem;
            } else {
                long q = Values.operand(rnd, n);
                long rem = d == 0 ? 0 : Long.remainderUnsigned(rnd.nextLong(), d & mask);
                dividend = q * (d & mask) + rem;
            }
        } else if (r < 78 && signed) {
            b.write(src, mask);                           // -1
            dividend = 1L << (2 * n - 1);                 // most negative: quotient overflows
        } else {
            return;
        }
        if (n == 8) {
            b.write(Loc.reg(EAX, 16), dividend & 0xFFFF);
        } else {
            b.write(Loc.reg(EAX, n), dividend & mask);
            b.write(Loc.reg(EDX, n), dividend >>> n & mask);
        }
    }

    /** BOUND: a lower and upper bound in memory, the index inside, on, or outside them. */
    private static void bound(Encoder e) {
        if (e.mem == null) {
            return;
        }
        CaseBuilder b = e.b;
        var rnd = b.rnd;
        int n = e.osize;
        long lo = Values.operand(rnd, n) << (64 - n) >> (64 - n);
        long hi = rnd.nextInt(6) == 0 ? lo - rnd.nextInt(100) : lo + (rnd.nextBoolean() ? rnd.nextInt(1000) : Values.operand(rnd, n));
        hi = hi << (64 - n) >> (64 - n);
        b.write(Loc.mem(e.mem.addr(), n), lo);
        b.write(Loc.mem(e.mem.addr() + n / 8, n), hi);
        long idx = switch (rnd.nextInt(6)) {
            case 0 -> lo;
            case 1 -> hi;
            case 2 -> lo - 1;
            case 3 -> hi + 1;
            default -> lo + (hi > lo ? Long.remainderUnsigned(rnd.nextLong(), hi - lo + 1) : 0);
        };
        b.write(e.locs.get(0), idx);
    }

    /**
     * BT/BTS/BTR/BTC with a memory operand and a register bit offset reach up to 2^29 bytes away;
     * keep the byte they touch inside the data pages (a wild one could hit the harness itself).
     */
    private static boolean bitOffset(Encoder e) {
        if (e.mem == null || !e.kinds().get(1).startsWith("G")) {
            return true;
        }
        CaseBuilder b = e.b;
        int delta = b.rnd.nextInt(0x1000) - 0x800;
        long bitOff = (long) delta * 8 + b.rnd.nextInt(8);
        int touched = e.mem.addr() + (int) ((bitOff >> (e.osize == 16 ? 4 : 5)) * (e.osize / 8));
        if (e.asize == 16 || !CaseBuilder.inData(touched, e.osize / 8) && b.rnd.nextInt(4) != 0) {
            bitOff = b.rnd.nextInt(e.osize);
        }
        return b.write(e.locs.get(1), bitOff);
    }

    /** CMPS/SCAS under REPE/REPNE: make the comparison succeed for a while, or stop at a chosen place. */
    private static void matchRun(Encoder e, boolean cmps) {
        CaseBuilder b = e.b;
        if (e.asize == 16 || b.rnd.nextInt(3) == 0) {
            return;
        }
        int size = e.bits(e.kinds().get(1)) / 8;
        int count = e.v.rep() == 0 ? 1 : b.regs[ECX];
        int k = b.rnd.nextInt(Math.max(count, 1) + 1);
        int step = (b.eflags & OpcodeTable.DF) != 0 ? -size : size;
        for (int i = 0; i <= k && i < count; i++) {
            if (e.v.rep() == 0xF2 && i != k) {
                continue;                                  // REPNE: one equal element, at k
            }
            if (e.v.rep() == 0xF3 && i == k) {
                continue;                                  // REPE: equal up to k
            }
            long want = cmps ? b.read(Loc.mem(b.regs[ESI] + i * step, size * 8))
                    : b.read(Loc.reg(EAX, size * 8));
            b.write(Loc.mem(b.regs[EDI] + i * step, size * 8), want);
        }
    }
}
