package jlguest.debug.disasm;

import java.util.ArrayList;
import java.util.List;

import jlguest.cpu.Opcode;
import jlguest.cpu.Opcode.Mod;
import jlguest.cpu.Opcode.OpSize;

/**
 * Encodings the disassembler knows and the CPU does not: the instructions of later processors
 * that a Linux kernel carries for the machines that have them (XSAVE, RDRAND, MONITOR/MWAIT,
 * TZCNT, INVPCID, ...), in the same {@link Opcode} rows as {@link jlguest.cpu.OpcodeTable}.
 *
 * <p>tour:monitor:020 The CPU's opcode table is the single source of truth for what the CPU
 * executes, and the disassembler reads it for every instruction it has. But a disassembler that
 * stops at the edge of the table would lose its footing in a kernel's text: Linux compiles in
 * code for CPUs we do not emulate (and never runs it here, because CPUID says no). So this small
 * supplement describes just the encodings of newer CPUs, enough to get their lengths and names
 * right; none of them is executable (the CPU raises #UD). Rows with a mandatory prefix (F3 0F BC
 * TZCNT, read by a P6 as BSF with a stray REP) win over the table's row for the same opcode.
 *
 * <p>Codes extend the table's numbering: 0x0F 0x38 xx is 0x200 | xx.
 */
final class ExtraOpcodes {
    private static final List<Opcode> ROWS = new ArrayList<>();

    static {
        for (int reg = 1; reg < 8; reg++) {
            g(0x11F, reg, Mod.ANY, 0, "NOP", "Ev");           // hint NOPs: 0F 1F /1../7
        }
        g(0x10D, 0, Mod.MEM, 0, "PREFETCH", "Mb");
        g(0x10D, 1, Mod.MEM, 0, "PREFETCHW", "Mb");
        String[] prefetch = {"PREFETCHNTA", "PREFETCHT0", "PREFETCHT1", "PREFETCHT2"};
        for (int reg = 0; reg < 4; reg++) {
            g(0x118, reg, Mod.MEM, 0, prefetch[reg], "Mb");
        }
        r(0x133, "RDPMC", "");
        r(0x177, "EMMS", "");
        g(0x1B9, -1, Mod.ANY, 0, "UD1", "Gv,Ev");
        g(0x1FF, -1, Mod.ANY, 0, "UD0", "Gv,Ev");
        String[] grp15 = {"FXSAVE", "FXRSTOR", "LDMXCSR", "STMXCSR", "XSAVE", "XRSTOR", "XSAVEOPT", "CLFLUSH"};
        String[] grp15ops = {"M", "M", "Md", "Md", "M", "M", "M", "Mb"};
        for (int reg = 0; reg < 8; reg++) {
            g(0x1AE, reg, Mod.MEM, 0, grp15[reg], grp15ops[reg]);
        }
        x(0x1AE, 0xE8, "LFENCE");
        x(0x1AE, 0xF0, "MFENCE");
        x(0x1AE, 0xF8, "SFENCE");
        g(0x1AE, 6, Mod.REG, 0x66, "TPAUSE", "Rd");
        g(0x1AE, 7, Mod.MEM, 0x66, "CLFLUSHOPT", "Mb");
        g(0x1C7, 3, Mod.MEM, 0, "XRSTORS", "M");
        g(0x1C7, 4, Mod.MEM, 0, "XSAVEC", "M");
        g(0x1C7, 5, Mod.MEM, 0, "XSAVES", "M");
        g(0x1C7, 6, Mod.REG, 0, "RDRAND", "Rv");
        g(0x1C7, 7, Mod.REG, 0, "RDSEED", "Rv");
        int[] exact = {0xC8, 0xC9, 0xCA, 0xCB, 0xD0, 0xD1, 0xD5, 0xD6, 0xDC, 0xDD, 0xE8, 0xF9, 0xFA, 0xFB, 0xEE, 0xEF};
        String[] names = {"MONITOR", "MWAIT", "CLAC", "STAC", "XGETBV", "XSETBV", "XEND", "XTEST", "STGI",
            "CLGI", "SERIALIZE", "RDTSCP", "MONITORX", "MWAITX", "RDPKRU", "WRPKRU"};
        for (int i = 0; i < exact.length; i++) {
            x(0x101, exact[i], names[i]);
        }
        g(0x1B8, -1, Mod.ANY, 0xF3, "POPCNT", "Gv,Ev");
        g(0x1BC, -1, Mod.ANY, 0xF3, "TZCNT", "Gv,Ev");
        g(0x1BD, -1, Mod.ANY, 0xF3, "LZCNT", "Gv,Ev");
        g(0x282, -1, Mod.MEM, 0x66, "INVPCID", "Gd,M");
    }

    private ExtraOpcodes() {
    }

    /** True when some extra row for {@code code} reads a ModRM byte. */
    static boolean hasModrm(int code) {
        for (Opcode o : ROWS) {
            if (o.code() == code && o.hasModrm()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The extra row for {@code code} and {@code modrm} with mandatory prefix {@code prefix}
     * (0 for none), or null. Exact-ModRM rows win over reg-extension rows, as in the CPU's table.
     */
    static Opcode find(int code, int modrm, int prefix) {
        Opcode best = null;
        for (Opcode o : ROWS) {
            if (o.code() != code || o.prefix() != prefix) {
                continue;
            }
            if (!o.hasModrm()) {
                return o;
            }
            boolean reg = modrm >= 0xC0;
            if (o.modrm() >= 0 && o.modrm() != modrm
                    || o.reg() >= 0 && ((modrm >> 3) & 7) != o.reg()
                    || o.mod() == Mod.MEM && reg || o.mod() == Mod.REG && !reg) {
                continue;
            }
            if (best == null || o.modrm() >= 0) {
                best = o;
            }
        }
        return best;
    }

    private static void r(int code, String mnemonic, String operands) {
        ROWS.add(new Opcode(code, -1, -1, Mod.NONE, 0, mnemonic, ops(operands), OpSize.NONE, 0, 0, 0));
    }

    private static void g(int code, int reg, Mod mod, int prefix, String mnemonic, String operands) {
        ROWS.add(new Opcode(code, reg, -1, mod, prefix, mnemonic, ops(operands), OpSize.NONE, 0, 0, 0));
    }

    private static void x(int code, int modrm, String mnemonic) {
        ROWS.add(new Opcode(code, (modrm >> 3) & 7, modrm, Mod.REG, 0, mnemonic, List.of(), OpSize.NONE, 0, 0, 0));
    }

    private static List<String> ops(String s) {
        return s.isEmpty() ? List.of() : List.of(s.split(","));
    }
}
