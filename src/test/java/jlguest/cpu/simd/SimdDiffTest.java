package jlguest.cpu.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jlguest.cpu.EntryState;
import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;
import jlguest.bus.Ram;
import jlguest.cpu.Cpu;
import jlguest.cpu.CpuHost;
import jlguest.cpu.fpu.MmxAlias;
import org.junit.jupiter.api.Test;

/**
 * Replays the host-recorded MMX/SSE/SSE2 vectors (tools/ssediff) through the emulator and compares
 * everything: completion or the exception vector, MXCSR, EFLAGS' arithmetic flags, the x87 tag
 * byte and TOP, all eight XMM and MMX registers, the general registers and the data area.
 *
 * <p>tour:simd:920 The emulator runs each case in a flat ring-0 machine: the state goes straight
 * into the registers, the instruction and a HLT into memory, and an IDT whose gates all lead to
 * HLTs at known addresses tells which exception (if any) the instruction raised.
 * {@code -Dssediff.only=SUBSTRING} restricts the run to matching forms.
 */
class SimdDiffTest {
    static final int GDT = 0x1000, IDT = 0x2000, HANDLERS = 0x3000, STACK = 0xA000;

    @Test
    void recordedVectors() throws Exception {
        List<String> forms = new ArrayList<>();
        List<SimdVectors.Case> cases;
        try (InputStream in = SimdDiffTest.class.getResourceAsStream("/ssediff/cases.vec.gz")) {
            cases = SimdVectors.load(in, forms);
        }
        String only = System.getProperty("ssediff.only", "");
        Ram ram = new Ram(RAM);
        Cpu cpu = new Cpu(new PhysicalBus(ram), new IoPorts(), CpuHost.NONE);
        setUp(cpu, ram);
        Map<String, int[]> stats = new TreeMap<>();
        StringBuilder first = new StringBuilder();
        int total = 0, bad = 0;
        for (SimdVectors.Case c : cases) {
            String name = forms.get(c.form);
            if (!name.contains(only)) {
                continue;
            }
            int[] st = stats.computeIfAbsent(name, k -> new int[2]);
            st[0]++;
            total++;
            String diff = compare(c, run(cpu, ram, c));
            if (diff != null) {
                st[1]++;
                bad++;
                if (st[1] <= 3 && first.length() < 60000) {
                    first.append(name).append(' ').append(describe(c)).append("\n    ").append(diff).append('\n');
                }
            }
        }
        StringBuilder sum = new StringBuilder();
        for (Map.Entry<String, int[]> e : stats.entrySet()) {
            if (e.getValue()[1] > 0) {
                sum.append(String.format("%-40s %6d cases %6d mismatches%n", e.getKey(), e.getValue()[0], e.getValue()[1]));
            }
        }
        sum.append(String.format("ssediff: %d forms, %d cases, %d mismatches%n", stats.size(), total, bad));
        System.out.println(sum);
        if (bad > 0) {
            System.out.println(first);
        }
        assertTrue(only.isEmpty() ? total >= 10_000 : total > 0, "too few vectors");
        assertEquals(0, bad, () -> sum + "\n" + first);
    }

    /**
     * Physical layout: GDT 0x1000, IDT 0x2000, handlers 0x3000, page directory 0x4000, page tables
     * 0x5000 (identity for the first 4 MiB), 0x6000 (code), 0x7000 (data), stack below 0xA000,
     * data page 0x8000 (linear 0x20000000), code 0x400000.. (linear 0x10000000..). Each case's bytes
     * go to a fresh address, so no decoded block is ever stale.
     */
    static final int PD = 0x4000, PT_LOW = 0x5000, PT_CODE = 0x6000, PT_DATA = 0x7000, DATA_PHYS = 0x8000,
            CODE_PHYS = 0x400000, RAM = 0x800000;
    private int next;

    void setUp(Cpu cpu, Ram ram) {
        ram.write64(GDT + 0x10, 0x00CF9A000000FFFFL);
        ram.write64(GDT + 0x18, 0x00CF92000000FFFFL);
        for (int v = 0; v < 32; v++) {
            int off = HANDLERS + v;
            ram.write32(IDT + 8 * v, (off & 0xFFFF) | 0x10 << 16);
            ram.write32(IDT + 8 * v + 4, (off & 0xFFFF0000) | 0x8E00);
            ram.write8(HANDLERS + v, 0xF4);
        }
        ram.write32(PD, PT_LOW | 3);
        ram.write32(PD + 4 * (SimdVectors.CODE_PAGE >>> 22), PT_CODE | 3);
        ram.write32(PD + 4 * (SimdVectors.DATA_PAGE >>> 22), PT_DATA | 3);
        for (int i = 0; i < 1024; i++) {
            ram.write32(PT_LOW + 4 * i, i << 12 | 3);
            ram.write32(PT_CODE + 4 * i, CODE_PHYS + (i << 12) | 3);
        }
        ram.write32(PT_DATA, DATA_PHYS | 3);
        cpu.enter(new EntryState(SimdVectors.CODE_PAGE, 0, 0, 0, 0, 0, 0, 0, STACK, 0x10, 0x18));
        cpu.setGdtr(GDT, 0x1F);
        cpu.setIdtr(IDT, 32 * 8 - 1);
        cpu.setCr(3, PD);
        cpu.setCr(0, 0x80000031);    // PG, PE, ET, NE: no EM, no TS
        cpu.setCr(4, 0x600);         // OSFXSR, OSXMMEXCPT
        next = 0;
    }

    /** The emulator's result, in the host's format. */
    SimdVectors.Case run(Cpu cpu, Ram ram, SimdVectors.Case c) {
        if (next + 16 > RAM - CODE_PHYS) {
            throw new IllegalStateException("more cases than the code area holds (262,144)");
        }
        int code = SimdVectors.CODE_PAGE + next;
        for (int k = 0; k < c.code.length; k++) {
            ram.write8(CODE_PHYS + next + k, c.code[k] & 0xFF);
        }
        ram.write8(CODE_PHYS + next + c.code.length, 0xF4);
        next += 16;
        for (int k = 0; k < SimdVectors.DATA_LEN; k++) {
            ram.write8(DATA_PHYS + SimdVectors.DATA_OFFSET + k, c.in.mem[k] & 0xFF);
        }
        cpu.setEip(code);
        for (int r = 0; r < 8; r++) {
            cpu.setReg(r, c.in.gpr[r]);
        }
        cpu.setEflags(c.eflags);
        Simd simd = cpu.simd();
        System.arraycopy(c.in.xmm, 0, simd.xmm, 0, 16);
        simd.setMxcsr(c.mxcsr);
        int[] se = new int[8];
        java.util.Arrays.fill(se, 0xFFFF);
        MmxAlias.restore(cpu.fpu(), new int[] {0x37F, 0, c.ftw, 0, 0, 0, 0, 0}, se, c.in.mm.clone());
        cpu.run(10);
        SimdVectors.Case r = new SimdVectors.Case();
        int eip = cpu.eip();
        if (eip == code + c.code.length + 1) {
            r.vector = 0xFF;
        } else if (eip > HANDLERS && eip <= HANDLERS + 32) {
            r.vector = eip - HANDLERS - 1;
        } else {
            r.vector = -1;
        }
        r.mxcsrOut = simd.mxcsr();
        r.eflagsOut = cpu.eflags();
        int[] h = MmxAlias.header(cpu.fpu());
        r.fsw = h[1];
        r.ftwOut = h[2];
        SimdVectors.State o = new SimdVectors.State();
        System.arraycopy(simd.xmm, 0, o.xmm, 0, 16);
        for (int i = 0; i < 8; i++) {
            o.mm[i] = MmxAlias.read(cpu.fpu(), i);
            o.gpr[i] = cpu.reg(i);
        }
        o.gpr[4] = c.in.gpr[4];   // after an exception ESP holds the frame, not the case's
        for (int k = 0; k < SimdVectors.DATA_LEN; k++) {
            o.mem[k] = (byte) ram.read8(DATA_PHYS + SimdVectors.DATA_OFFSET + k);
        }
        r.out = o;
        return r;
    }

    static String compare(SimdVectors.Case h, SimdVectors.Case m) {
        StringBuilder d = new StringBuilder();
        if (m.vector != h.vector) {
            d.append(String.format(" vector %s host %s", vec(m.vector), vec(h.vector)));
        }
        if (m.mxcsrOut != h.mxcsrOut) {
            d.append(String.format(" mxcsr %04x host %04x", m.mxcsrOut, h.mxcsrOut));
        }
        if (h.vector == 0xFF && ((m.eflagsOut ^ h.eflagsOut) & 0x8D5) != 0) {
            d.append(String.format(" eflags %03x host %03x", m.eflagsOut & 0x8D5, h.eflagsOut & 0x8D5));
        }
        if ((m.fsw & 0x3800) != (h.fsw & 0x3800) || m.ftwOut != h.ftwOut) {
            d.append(String.format(" fsw/ftw %04x/%02x host %04x/%02x", m.fsw, m.ftwOut, h.fsw, h.ftwOut));
        }
        for (int i = 0; i < 8; i++) {
            if (m.out.xmm[2 * i] != h.out.xmm[2 * i] || m.out.xmm[2 * i + 1] != h.out.xmm[2 * i + 1]) {
                d.append(String.format(" xmm%d %016x%016x host %016x%016x", i, m.out.xmm[2 * i + 1], m.out.xmm[2 * i],
                        h.out.xmm[2 * i + 1], h.out.xmm[2 * i]));
            }
            if (m.out.mm[i] != h.out.mm[i]) {
                d.append(String.format(" mm%d %016x host %016x", i, m.out.mm[i], h.out.mm[i]));
            }
            if (i != 4 && m.out.gpr[i] != h.out.gpr[i]) {
                d.append(String.format(" r%d %08x host %08x", i, m.out.gpr[i], h.out.gpr[i]));
            }
        }
        if (!java.util.Arrays.equals(m.out.mem, h.out.mem)) {
            d.append(" memory differs");
        }
        return d.length() == 0 ? null : d.toString();
    }

    static String vec(int v) {
        return v == 0xFF ? "none" : v < 0 ? "lost" : "#" + v;
    }

    static String describe(SimdVectors.Case c) {
        StringBuilder s = new StringBuilder("[");
        for (byte b : c.code) {
            s.append(String.format("%02x ", b & 0xFF));
        }
        s.setLength(s.length() - 1);
        s.append(String.format("] mxcsr %04x ftw %02x", c.mxcsr, c.ftw));
        int reg = -1, rm = -1;
        for (int k = 0; k < c.code.length - 1; k++) {
            if ((c.code[k] & 0xFF) == 0x0F) {
                int modrm = c.code[k + 2] & 0xFF;
                reg = modrm >> 3 & 7;
                rm = modrm >= 0xC0 ? modrm & 7 : -1;
                break;
            }
        }
        if (reg >= 0) {
            s.append(String.format(" xmm%d=%016x%016x mm%d=%016x", reg, c.in.xmm[2 * reg + 1], c.in.xmm[2 * reg], reg, c.in.mm[reg]));
        }
        if (rm >= 0) {
            s.append(String.format(" xmm%d=%016x%016x mm%d=%016x r%d=%08x", rm, c.in.xmm[2 * rm + 1], c.in.xmm[2 * rm], rm,
                    c.in.mm[rm], rm, c.in.gpr[rm]));
        } else {
            s.append(" mem=");
            for (int k = 0; k < 64; k++) {
                s.append(String.format("%02x", c.in.mem[k] & 0xFF));
                if (k % 16 == 15 && k < 63) {
                    s.append('_');
                }
            }
        }
        return s.toString();
    }
}
