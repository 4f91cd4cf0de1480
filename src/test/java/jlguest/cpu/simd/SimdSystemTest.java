package jlguest.cpu.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;
import jlguest.bus.Ram;
import jlguest.cpu.Cpu;
import jlguest.cpu.CpuHost;
import jlguest.cpu.fpu.MmxAlias;
import org.junit.jupiter.api.Test;

/**
 * What the host's user mode cannot show the differential test: the control-register checks
 * (#UD without CR4.OSFXSR or with CR0.EM, #NM with CR0.TS, #UD instead of #XM without
 * CR4.OSXMMEXCPT), LDMXCSR's #GP on reserved bits, and FXSAVE/FXRSTOR: the image layout, the
 * round trip of every register, the 16-byte alignment check.
 */
class SimdSystemTest {
    final Ram ram = new Ram(SimdDiffTest.RAM);
    final Cpu cpu = new Cpu(new PhysicalBus(ram), new IoPorts(), CpuHost.NONE);
    final SimdDiffTest rig = new SimdDiffTest();

    SimdSystemTest() {
        rig.setUp(cpu, ram);
    }

    /** Runs code (mxcsr given, EBX pointing at the data area) and returns the vector or 0xFF. */
    int run(String hex, int cr0, int cr4, int mxcsr) {
        return run(hex, cr0, cr4, mxcsr, -1);
    }

    /** As above, with the data area's first dword set to {@code word} unless it is -1. */
    int run(String hex, int cr0, int cr4, int mxcsr, int word) {
        rig.setUp(cpu, ram);
        cpu.setCr(0, cr0);
        cpu.setCr(4, cr4);
        SimdVectors.Case c = new SimdVectors.Case();
        c.code = java.util.HexFormat.of().parseHex(hex);
        c.mxcsr = mxcsr;
        c.eflags = 0x202;
        c.ftw = 0xFF;
        c.in = SimdVectors.fill(1);
        c.in.gpr[3] = SimdVectors.DATA_PAGE + SimdVectors.DATA_OFFSET;
        if (word != -1) {
            for (int k = 0; k < 4; k++) {
                c.in.mem[k] = (byte) (word >>> (8 * k));
            }
        }
        return rig.run(cpu, ram, c).vector;
    }

    static final int CR0 = 0x80000031, TS = 8, EM = 4, OSFXSR = 0x200, OSXMMEXCPT = 0x400;

    @Test
    void controlRegistersGateTheInstructions() {
        String addps = "0f58c1", paddb = "0ffcc1";
        assertEquals(0xFF, run(addps, CR0, OSFXSR | OSXMMEXCPT, 0x1F80));
        assertEquals(6, run(addps, CR0, 0, 0x1F80), "SSE without CR4.OSFXSR: #UD");
        assertEquals(6, run(addps, CR0 | EM, OSFXSR, 0x1F80), "SSE with CR0.EM: #UD");
        assertEquals(7, run(addps, CR0 | TS, OSFXSR, 0x1F80), "SSE with CR0.TS: #NM");
        assertEquals(0xFF, run(paddb, CR0, 0, 0x1F80), "MMX needs no OSFXSR");
        assertEquals(6, run(paddb, CR0 | EM, 0, 0x1F80), "MMX with CR0.EM: #UD");
        assertEquals(7, run(paddb, CR0 | TS, 0, 0x1F80), "MMX with CR0.TS: #NM");
        assertEquals(7, run("0fae03", CR0 | TS, OSFXSR, 0x1F80), "FXSAVE with CR0.TS: #NM");
        assertEquals(0xFF, run("0faee8", CR0 | TS | EM, 0, 0x1F80), "LFENCE is never gated");
    }

    @Test
    void anUnmaskedExceptionIsXmOnlyWithOsxmmexcpt() {
        String divByZero = "0f57c90f5ec1";   // xorps xmm1,xmm1; divps xmm0,xmm1 (xmm0 random: some lane nonzero)
        assertEquals(0xFF, run(divByZero, CR0, OSFXSR | OSXMMEXCPT, 0x1F80));
        assertEquals(19, run(divByZero, CR0, OSFXSR | OSXMMEXCPT, 0x1F80 & ~0x200));
        assertEquals(6, run(divByZero, CR0, OSFXSR, 0x1F80 & ~0x200), "no CR4.OSXMMEXCPT: #UD");
        assertEquals(0x1F80 & ~0x200 | 4, cpu.simd().mxcsr() & ~0x3B, "ZE is set all the same");
    }

    @Test
    void ldmxcsrRejectsReservedBits() {
        assertEquals(13, run("0fae13", CR0, OSFXSR, 0x1F80, 0x10000), "LDMXCSR [ebx] with bit 16 set: #GP");
        assertEquals(0xFF, run("0fae13", CR0, OSFXSR, 0x1F80, 0xFFFF));
        assertEquals(0xFFFF, cpu.simd().mxcsr());
    }

    @Test
    void fxsaveWritesTheImageAndFxrstorReadsItBack() {
        // fxsave [ebx]; then clobber: emms, xorps xmm3,xmm3, ldmxcsr via a fresh state; fxrstor [ebx]
        assertEquals(0xFF, run("0fae03", CR0, OSFXSR, 0x3F85));
        int img = SimdDiffTest.DATA_PHYS + SimdVectors.DATA_OFFSET;
        SimdVectors.State in = SimdVectors.fill(1);
        assertEquals(0x37F, ram.read16(img), "FCW");
        assertEquals(0xFF, ram.read8(img + 4), "abridged tag: all valid");
        assertEquals(0x3F85, ram.read32(img + 24), "MXCSR");
        assertEquals(0xFFFF, ram.read32(img + 28), "MXCSR_MASK");
        assertEquals(in.mm[2], ram.read64(img + 32 + 32), "ST2 = MM2's significand");
        assertEquals(0xFFFF, ram.read16(img + 32 + 40), "and its exponent all ones");
        assertEquals(in.xmm[7], ram.read64(img + 160 + 56), "XMM3's high quadword");
        long[] saved = cpu.simd().xmm.clone();
        // a changed state, then FXRSTOR from the image
        java.util.Arrays.fill(cpu.simd().xmm, 0);
        cpu.simd().setMxcsr(0x1F80);
        MmxAlias.emms(cpu.fpu());
        cpu.setEip(SimdVectors.CODE_PAGE + 0x3F000);
        for (int k = 0; k < 4; k++) {
            ram.write8(SimdDiffTest.CODE_PHYS + 0x3F000 + k, new int[] {0x0F, 0xAE, 0x0B, 0xF4}[k]);
        }
        cpu.run(5);
        assertEquals(0x3F85, cpu.simd().mxcsr());
        assertEquals(0xFF, MmxAlias.header(cpu.fpu())[2]);
        assertEquals(java.util.Arrays.toString(saved), java.util.Arrays.toString(cpu.simd().xmm));
        assertEquals(in.mm[5], MmxAlias.read(cpu.fpu(), 5));
    }

    @Test
    void fxsaveNeedsSixteenByteAlignment() {
        assertEquals(13, run("0fae4308", CR0, OSFXSR, 0x1F80), "FXSAVE [ebx+8]: #GP");
        assertEquals(13, run("0fae4b08", CR0, OSFXSR, 0x1F80), "FXRSTOR [ebx+8]: #GP");
    }
}
