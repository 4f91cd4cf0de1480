package jlguest.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;
import jlguest.bus.Ram;
import jlguest.cpu.Cpu;
import jlguest.cpu.CpuHost;
import org.junit.jupiter.api.Test;

/** The monitor's pagewalk and the debugger's memory access with PAE page tables. */
class PaePageWalkTest {
    static final int PDPT = 0x10000, PD = 0x11000, PT = 0x12000;

    final Ram ram = new Ram(16 << 20);
    final Cpu cpu = new Cpu(new PhysicalBus(ram), new IoPorts(), new CpuHost() {
        @Override
        public int acknowledgeInterrupt() {
            return 0x20;
        }

        @Override
        public int hypercall(Cpu c) {
            return 0;
        }

        @Override
        public boolean readMsr(int index, long[] out) {
            return false;
        }

        @Override
        public boolean writeMsr(int index, long value) {
            return false;
        }

        @Override
        public long timeStampCounter() {
            return 0;
        }

        @Override
        public void hypervisorCpuid(int leaf, int[] r) {
            java.util.Arrays.fill(r, 0);
        }

        @Override
        public void exceptionRaised(int vector, int errorCode, int eip) {
        }
    });

    /** 0..2 MiB by 4 KiB pages, 2..4 MiB by a 2 MiB page onto 4 MiB, page 5 XD, page 6 absent. */
    PaePageWalkTest() {
        ram.write64(PDPT, PD | 1);
        ram.write64(PD, PT | 7);
        ram.write64(PD + 8, 0x400000 | 0x83);
        for (int i = 0; i < 512; i++) {
            ram.write64(PT + 8 * i, (i << 12) | 3);
        }
        ram.write64(PT + 5 * 8, 0x8000_0000_0000_5003L);
        ram.write64(PT + 6 * 8, 0);
        cpu.setCr(4, 0x20);
        cpu.setCr(3, PDPT);
        cpu.setCr(0, 0x80000011);
    }

    @Test
    void explainsEachLevel() {
        String w = PageWalk.explain(cpu, ram, 0x3123);
        assertTrue(w.contains("PAE"), w);
        assertTrue(w.contains("PDPTE[0] (loaded at MOV CR3) = 0x0000000000011001  P"), w);
        assertTrue(w.contains("PDE[  0] at 0x00011000 = 0x0000000000012007  P RW U"), w);
        assertTrue(w.contains("PTE[  3] at 0x00012018 = 0x0000000000003003  P RW S"), w);
        assertTrue(w.contains("physical 0x00003123  (writable, kernel only, executable)"), w);

        String big = PageWalk.explain(cpu, ram, 0x200010);
        assertTrue(big.contains("2 MiB page at 0x400000"), big);
        assertTrue(big.contains("physical 0x00400010"), big);

        String xd = PageWalk.explain(cpu, ram, 0x5000);
        assertTrue(xd.contains("P RW S XD"), xd);
        assertTrue(xd.contains("XD set without EFER.NXE"), xd);

        String absent = PageWalk.explain(cpu, ram, 0x6000);
        assertTrue(absent.contains("the page table entry is not present"), absent);
        String high = PageWalk.explain(cpu, ram, 0x40000000);
        assertTrue(high.contains("PDPTE[1] (loaded at MOV CR3) = 0x0000000000000000  not-present"), high);
    }

    @Test
    void guestMemoryReadsThroughPaeTables() throws Exception {
        ram.write32(0x400020, 0xFEEDF00D);
        GuestMemory mem = new GuestMemory(cpu, ram);
        assertEquals(0xFEEDF00DL, mem.read(0x200020, 4, false));
        assertEquals(0x400020, mem.physical(0x200020));
        assertThrows(GuestMemory.Inaccessible.class, () -> mem.read(0x6000, 1, false));
    }
}
