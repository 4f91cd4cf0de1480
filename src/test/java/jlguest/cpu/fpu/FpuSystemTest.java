package jlguest.cpu.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import jlguest.cpu.EntryState;
import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;
import jlguest.bus.Ram;
import jlguest.cpu.Cpu;
import jlguest.cpu.CpuHost;
import jlguest.cpu.Stop;
import org.junit.jupiter.api.Test;

/** The FPU inside the CPU: #MF, the FERR# hook (IRQ 13), #NM, and the kernel's FDIV-bug check. */
class FpuSystemTest {
    final Ram ram = new Ram(1 << 20);
    final List<Integer> vectors = new ArrayList<>();
    int ferr;
    final Cpu cpu = new Cpu(new PhysicalBus(ram), new IoPorts(), new CpuHost() {
        public int acknowledgeInterrupt() {
            return 0x20;
        }

        public int hypercall(Cpu c) {
            return 0;
        }

        public boolean readMsr(int index, long[] out) {
            return false;
        }

        public boolean writeMsr(int index, long value) {
            return false;
        }

        public long timeStampCounter() {
            return 0;
        }

        public void hypervisorCpuid(int leaf, int[] r) {
        }

        public void exceptionRaised(int vector, int errorCode, int eip) {
            vectors.add(vector);
        }

        @Override
        public void fpuError() {
            ferr++;
        }
    });

    /**
     * fninit; fldcw [cw] (0x37B: ZE unmasked); fld1; fldz; fdivp; fld1 (traps); mov ebx, 0x1234;
     * hlt. Handler at 0x1800: fnstsw ax; fnclex; mov ecx, [esp]; hlt.
     */
    static final String MF = "dbe3d92d18100000d9e8d9eedef9d9e8bb34120000f490907b03";
    static final String HANDLER = "dfe0dbe28b0c24f4";

    private void start(String hex) {
        byte[] code = HexFormat.of().parseHex(hex);
        ram.load(0x1000, code, 0, code.length);
        byte[] h = HexFormat.of().parseHex(HANDLER);
        ram.load(0x1800, h, 0, h.length);
        // GDT: 0x10 flat code, 0x18 flat data; IDT: vector 16 -> 0x10:0x1800 (interrupt gate)
        ram.write32(0x510, 0x0000FFFF);
        ram.write32(0x514, 0x00CF9B00);
        ram.write32(0x518, 0x0000FFFF);
        ram.write32(0x51C, 0x00CF9300);
        ram.write32(0x800 + 16 * 8, 0x00101800);
        ram.write32(0x800 + 16 * 8 + 4, 0x00008E00);
        cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        cpu.setGdtr(0x500, 0x1F);
        cpu.setIdtr(0x800, 0x7FF);
    }

    @Test
    void unmaskedExceptionRaisesMfAtTheNextWaitingInstruction() {
        start(MF);
        cpu.setCr(0, cpu.cr(0) | 0x20);     // CR0.NE
        assertEquals(Stop.HALT_FOREVER, cpu.run(1000), cpu::stopMessage);
        assertEquals(List.of(16), vectors);
        assertEquals(0x100E, cpu.reg(1));                     // ECX: the FLD1 that found the error
        // B, ES and ZE; TOP 6: the blocked FDIVP neither wrote nor popped
        assertEquals(0xB084, cpu.reg(0) & 0xFFFF);
        assertEquals(0, ferr);
    }

    @Test
    void withoutNeTheErrorGoesToTheFerrHookAndExecutionGoesOn() {
        start(MF);
        assertEquals(Stop.HALT_FOREVER, cpu.run(1000), cpu::stopMessage);
        assertEquals(List.of(), vectors);
        assertEquals(1, ferr);
        assertEquals(0x1234, cpu.reg(3));
    }

    @Test
    void tsRaisesNm() {
        start(MF);
        cpu.setCr(0, cpu.cr(0) | 8);        // CR0.TS
        cpu.run(1);
        assertEquals(7, vectors.get(0));     // (no IDT entry for it here: #GP and #DF follow)
    }

    /** The kernel's fpu__init_check_bugs and a few conversions, through decoded instructions. */
    @Test
    void fdivBugCheckAndConversions() {
        start("dbe3dd0550100000dc3558100000dc0d58100000dd0550100000dee9db1d68100000a168100000d9e8dcc0"
                + "d9fadcc8dd1d60100000db056c100000da3570100000db1d741000008b1d74100000f49090000000c07e0150"
                + "4100000080ffff4741000000000000000063000000f9ffffff0200000000000000");
        assertEquals(Stop.HALT_FOREVER, cpu.run(1000), cpu::stopMessage);
        assertEquals(0, cpu.reg(0));                 // no FDIV bug
        assertEquals(-4, cpu.reg(3));                // -7 / 2 = -3.5 rounds to even: -4
        assertEquals(0x4000000000000000L, ram.read64(0x1060));   // sqrt(2)^2 in extended, as a double
    }
}
