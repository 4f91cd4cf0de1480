package jlguest.monitor;

import jlguest.cpu.Cpu;
import jlguest.cpu.fpu.Fpu;
import jlguest.cpu.fpu.MmxAlias;
import jlguest.cpu.simd.Simd;
import jlguest.debug.symbols.Symbols;

/**
 * {@code info registers}: general, segment, control and descriptor-table registers, decoded; then
 * the x87 and MMX registers and the SSE state (XMM0-7, MXCSR decoded), in QEMU's layout.
 */
final class RegisterView {
    static final String[] REGS = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    static final String[] SEGS = {"es", "cs", "ss", "ds", "fs", "gs"};
    private static final String[] FLAG_NAMES = {"CF", "", "PF", "", "AF", "", "ZF", "SF", "TF", "IF", "DF", "OF",
        "", "", "NT", "", "RF", "VM", "AC", "VIF", "VIP", "ID"};

    private RegisterView() {
    }

    static String eflags(int f) {
        StringBuilder s = new StringBuilder("[");
        for (int i = FLAG_NAMES.length - 1; i >= 0; i--) {
            if (!FLAG_NAMES[i].isEmpty() && (f & (1 << i)) != 0) {
                s.append(' ').append(FLAG_NAMES[i]);
            }
        }
        return s.append(" ] IOPL=").append((f >>> 12) & 3).toString();
    }

    static String cr0(int v) {
        String[] names = {"PE", "MP", "EM", "TS", "ET", "NE"};
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            if ((v & (1 << i)) != 0) {
                s.append(names[i]).append(' ');
            }
        }
        if ((v & 0x10000) != 0) {
            s.append("WP ");
        }
        if ((v & 0x40000) != 0) {
            s.append("AM ");
        }
        if ((v & 0x20000000) != 0) {
            s.append("NW ");
        }
        if ((v & 0x40000000) != 0) {
            s.append("CD ");
        }
        if ((v & 0x80000000) != 0) {
            s.append("PG");
        }
        return s.toString().trim();
    }

    static String cr4(int v) {
        String[] names = {"VME", "PVI", "TSD", "DE", "PSE", "PAE", "MCE", "PGE", "PCE", "OSFXSR", "OSXMMEXCPT"};
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            if ((v & (1 << i)) != 0) {
                s.append(names[i]).append(' ');
            }
        }
        return s.toString().trim();
    }

    static String show(Cpu cpu, Symbols symbols) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            s.append(String.format("%s=%08x%s", REGS[i].toUpperCase(), cpu.reg(i), i % 4 == 3 ? "\n" : "  "));
        }
        s.append(String.format("EIP=%s  CPL=%d%n", symbols.format(cpu.eip()), cpu.cpl()));
        s.append(String.format("EFL=%08x %s%n", cpu.eflags(), eflags(cpu.eflags())));
        for (int i = 0; i < 6; i++) {
            s.append(String.format("%s =%04x base=%08x limit=%08x%n", SEGS[i].toUpperCase(), cpu.segSelector(i),
                    cpu.segBase(i), cpu.segLimit(i)));
        }
        int[] t = cpu.descriptorTables();
        s.append(String.format("LDT=%04x base=%08x limit=%08x%n", t[4], t[5], t[6]));
        s.append(String.format("TR =%04x base=%08x limit=%08x%n", t[7], t[8], t[9]));
        s.append(String.format("GDT=     base=%08x limit=%04x%n", t[0], t[1]));
        s.append(String.format("IDT=     base=%08x limit=%04x%n", t[2], t[3]));
        s.append(String.format("CR0=%08x [ %s ]%n", cpu.cr(0), cr0(cpu.cr(0))));
        s.append(String.format("CR2=%08x CR3=%08x%n", cpu.cr(2), cpu.cr(3)));
        s.append(String.format("CR4=%08x [ %s ]%n", cpu.cr(4), cr4(cpu.cr(4))));
        fpuAndSimd(s, cpu.fpu(), cpu.simd());
        return s.toString();
    }

    private static final String[] MXCSR_BITS = {"IE", "DE", "ZE", "OE", "UE", "PE", "DAZ", "IM", "DM", "ZM", "OM",
        "UM", "PM"};
    private static final String[] ROUNDING = {"nearest", "down", "up", "zero"};

    /** MXCSR's flags, masks, DAZ and FTZ by name, and its rounding mode. */
    static String mxcsr(int v) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < MXCSR_BITS.length; i++) {
            if ((v & (1 << i)) != 0) {
                s.append(' ').append(MXCSR_BITS[i]);
            }
        }
        if ((v & 0x8000) != 0) {
            s.append(" FTZ");
        }
        return s.append(" RC=").append(ROUNDING[(v >>> 13) & 3]).append(" ]").toString();
    }

    /**
     * FPRi is physical x87 register Ri (significand, then sign and exponent), whatever TOP is: so
     * its significand is MMX register MMi, and after an MMX instruction (TOP=0) FPRi is also ST(i).
     */
    private static void fpuAndSimd(StringBuilder s, Fpu fpu, Simd simd) {
        int sw = fpu.statusWord();
        int top = (sw >>> 11) & 7;
        s.append(String.format("FCW=%04x FSW=%04x [ TOP=%d ] FTW=%04x%n", fpu.controlWord(), sw, top, fpu.tagWord()));
        for (int p = 0; p < 8; p++) {
            int st = (p - top) & 7;
            s.append(String.format("FPR%d=%016x %04x%s", p, MmxAlias.stSig(fpu, st), MmxAlias.stSe(fpu, st) & 0xFFFF,
                    p % 2 == 1 ? "\n" : "  "));
        }
        long[] x = simd.xmm;
        for (int i = 0; i < 8; i++) {
            s.append(String.format("XMM%d=%016x %016x%s", i, x[2 * i + 1], x[2 * i], i % 2 == 1 ? "\n" : "  "));
        }
        s.append(String.format("MXCSR=%08x %s%n", simd.mxcsr(), mxcsr(simd.mxcsr())));
    }
}
