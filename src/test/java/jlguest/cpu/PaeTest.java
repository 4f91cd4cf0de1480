package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import jlguest.cpu.EntryState;
import org.junit.jupiter.api.Test;

/**
 * PAE paging, NX and the CPUID/MSR interface that goes with them. Expected values follow the Intel
 * SDM vol. 3A, 4.4 (PAE paging) and 4.7 (page-fault error codes); the host cannot run ring-0 code, so
 * these are unit tests (the multiboot test kernel guest-images/multiboot/pae-test.asm checks the same
 * things from inside a guest, and Debian's 686-pae kernel boots on them).
 */
class PaeTest {
    static final int EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
    static final int PDPT = 0x10000, PD = 0x11000, PT = 0x12000;

    static void put64(TestMachine m, int addr, long v) {
        m.ram.write32(addr, (int) v);
        m.ram.write32(addr + 4, (int) (v >>> 32));
    }

    static long get64(TestMachine m, int addr) {
        return (m.ram.read32(addr) & 0xFFFFFFFFL) | ((long) m.ram.read32(addr + 4) << 32);
    }

    /**
     * Flat ring 0 with PAE paging: 0..2 MiB identity-mapped by 4 KiB pages (PT), 2..4 MiB by one
     * 2 MiB page onto physical 4..6 MiB; #PF goes to 0x1800 ({@code pop eax; mov ebx, cr2; hlt}).
     */
    static TestMachine paeMachine(String code) {
        TestMachine m = new TestMachine();
        m.load(0x1000, TestMachine.hex(code));
        m.load(0x1800, TestMachine.hex("580f20d3f4"));
        m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        m.standardTables();
        m.gate(TestMachine.IDT, 14, 0x10, 0x1800, 0xE, 0);
        put64(m, PDPT, PD | 1);
        put64(m, PD, PT | 3);
        put64(m, PD + 8, 0x400000 | 0x83);
        for (int i = 0; i < 512; i++) {
            put64(m, PT + 8 * i, (i << 12) | 3);
        }
        m.cpu.setCr(4, 0x20);
        m.cpu.setCr(3, PDPT);
        m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000);
        return m;
    }

    /**
     * {@code mov eax,[0x200010]; mov ebx,[0x3000]; mov ecx,[0x5000]; mov dword [0x5000],0x12345678;
     * mov edx,[0x5000]; hlt}, with page 5 mapped to a frame above 4 GiB.
     */
    @Test
    void fourKilobyteAndTwoMegabytePagesAndFramesAbove4G() {
        TestMachine m = paeMachine("a1100020008b1d003000008b0d00500000c70500500000785634128b1500500000f4");
        m.ram.write32(0x400010, 0xCAFE);
        m.ram.write32(0x200010, 0xBAD);
        m.ram.write32(0x3000, 0x3333);
        put64(m, PT + 5 * 8, 0x1_0000_5000L | 3);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0xCAFE, m.r(EAX));          // through the 2 MiB page
        assertEquals(0x3333, m.r(EBX));
        assertEquals(-1, m.r(ECX));              // nothing above 4 GiB: reads all ones
        assertEquals(-1, m.r(EDX));              // ... and the write went nowhere
        assertEquals(0xCAFE, m.ram.read32(0x400010));
        assertEquals(0x20, get64(m, PD + 8) & 0x60);       // 2 MiB PDE: accessed, not dirty
        assertEquals(0x23, get64(m, PT + 3 * 8) & 0x63);   // 4 KiB PTE: accessed
        assertEquals(0x63, get64(m, PT + 5 * 8) & 0x63);   // written: dirty
        assertEquals(0x20, get64(m, PD) & 0x20);
        assertTrue(m.exceptions.isEmpty());
        assertEquals(0x400010, m.cpu.translate(0x200010, false, false));
        assertEquals(-1, m.cpu.translate(0x5000, false, false));   // the monitor sees no RAM there
    }

    /** EFER.NXE on, then {@code jmp 0x5000} into an XD page: #PF, error P|I/D = 0x11, CR2 = 0x5000. */
    @Test
    void instructionFetchFromAnXdPageFaults() {
        TestMachine m = paeMachine("b9800000c00f320d000800000f308b3500500000e9e73f0000");
        m.load(0x5000, TestMachine.hex("f4"));
        put64(m, PT + 5 * 8, 0x8000_0000_0000_5003L);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x11, m.r(EAX));
        assertEquals(0x5000, m.r(EBX));
        assertEquals(0xF4, m.r(ESI) & 0xFF);   // reading the XD page is fine
        assertEquals(0x800, m.cpu.efer());
    }

    /** Without NXE, bit 63 is reserved: a read raises #PF with P|RSVD = 0x9. */
    @Test
    void xdWithoutNxeIsAReservedBitFault() {
        TestMachine m = paeMachine("8b3500500000f4");
        put64(m, PT + 5 * 8, 0x8000_0000_0000_5003L);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x9, m.r(EAX));
        assertEquals(0x5000, m.r(EBX));
    }

    /** Bits 62..36 are reserved too (36-bit physical addresses), in a PDE as in a PTE. */
    @Test
    void addressBitsAboveMaxPhysAddrAreReserved() {
        TestMachine m = paeMachine("a110002000f4");
        put64(m, PD + 8, 0x10_0000_0000L | 0x400083);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x9, m.r(EAX));
        assertEquals(0x200010, m.r(EBX));
    }

    /**
     * {@code call 0x5000} ({@code inc edi; ret}), then set XD in its PTE: the TLB may still run it,
     * INVLPG must not: the third call faults with 0x11.
     */
    @Test
    void invlpgDropsTheExecutePermission() {
        TestMachine m = paeMachine(
                "b9800000c00f320d000800000f30e8ed3f0000c7052c20010000000080e8de3f00000f013d00500000e8d23f0000f4");
        m.load(0x5000, TestMachine.hex("47c3"));
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(2, m.r(EDI));
        assertEquals(0x11, m.r(EAX));
        assertEquals(0x5000, m.r(EBX));
    }

    /** A global 4 KiB page survives MOV CR3 in the TLB; a non-global one is walked again. */
    @Test
    void globalPagesSurviveCr3Reload() {
        // mov eax,[0x5000]; mov ebx,[0x6000]; mov ecx,cr3; mov cr3,ecx... with the PTEs changed in between
        // (from Java, between two runs): mov eax,[0x5000]; mov ebx,[0x6000]; hlt
        TestMachine m = paeMachine("a1005000008b1d00600000f4");
        m.cpu.setCr(4, 0x20 | 0x80);
        m.ram.write32(0x5000, 0x55);
        m.ram.write32(0x6000, 0x66);
        m.ram.write32(0x7000, 0x77);
        put64(m, PT + 5 * 8, 0x5000 | 0x103);    // global
        put64(m, PT + 6 * 8, 0x6000 | 0x3);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x55, m.r(EAX));
        assertEquals(0x66, m.r(EBX));
        put64(m, PT + 5 * 8, 0x7000 | 0x103);
        put64(m, PT + 6 * 8, 0x7000 | 0x3);
        m.cpu.setCr(3, PDPT);
        m.cpu.setEip(0x1000);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x55, m.r(EAX));    // global: still the old translation
        assertEquals(0x77, m.r(EBX));    // not global: walked again
        m.cpu.setCr(4, 0x20);            // clearing PGE flushes everything
        m.cpu.setEip(0x1000);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x77, m.r(EAX));
    }

    /** A present PDPTE with a reserved bit (here XD: reserved at this level) makes MOV CR3 #GP(0). */
    @Test
    void reservedPdpteBitsRaiseGpAtMovCr3() {
        TestMachine m = paeMachine("f4");
        put64(m, 0x20000, PD | 1);
        put64(m, 0x20008, 0x8000_0000_0000_0000L | PD | 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.cpu.setCr(3, 0x20000));
        assertEquals("#GP(0x0)", e.getMessage());
        assertEquals(PDPT, m.cpu.cr(3));
        put64(m, 0x20008, 0x8000_0000_0000_0000L | PD);       // not present: anything goes
        m.cpu.setCr(3, 0x20000);
        assertEquals(PD | 1, m.cpu.pdpte(0));
        put64(m, 0x20018, PD | 1 | 2);                          // RW is reserved in a PDPTE
        assertThrows(IllegalArgumentException.class, () -> m.cpu.setCr(3, 0x20000));
        m.cpu.setCr(0, m.cpu.cr(0) & 0x7FFFFFFF);                // paging off: no PDPTE load
        assertThrows(IllegalArgumentException.class, () -> m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000));
        assertEquals(0, m.cpu.cr(0) & 0x80000000);              // ... and on again is refused
    }

    /** CPUID 0x80000000..4, PAE in leaf 1, the microcode revision MSR and EFER's reserved bits. */
    @Test
    void cpuidLeavesAndMsrs() {
        TestMachine m = TestMachine.flat("b98b00000031c031d20f30b8010000000fa2b98b0000000f3289d6b8000000800fa289c7"
                + "b8010000800fa289d5b9800000c0b80001000031d20f30f4");
        m.standardTables();
        m.gate(TestMachine.IDT, 13, 0x10, 0x1800, 0xE, 0);
        m.load(0x1800, TestMachine.hex("58f4"));
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(1, m.r(ESI));                 // BIOS_SIGN_ID: revision 1 in the high dword
        assertEquals(0x80000004, m.r(EDI));
        assertEquals(1 << 20, m.r(EBP));           // NX, nothing else
        assertEquals(13, m.exceptions.get(0)[0]);  // EFER.LME: no long mode here
        assertEquals(0, m.cpu.efer());
        StringBuilder brand = new StringBuilder();
        for (int leaf = 0x80000002; leaf <= 0x80000004; leaf++) {
            int[] out = new int[4];
            ExtendedCpuid.leaf(leaf, out);
            for (int w : out) {
                for (int i = 0; i < 4; i++) {
                    brand.append((char) ((w >>> (8 * i)) & 0xFF));
                }
            }
        }
        assertEquals("jlguest virtual i686 CPU", brand.toString().replace("\0", ""));
        assertEquals(48, brand.toString().getBytes(StandardCharsets.ISO_8859_1).length);
    }

    /** An MSR nobody implements still raises #GP(0) on RDMSR. */
    @Test
    void unknownMsrsStillFault() {
        TestMachine m = TestMachine.flat("b9a00100000f32f4");
        m.standardTables();
        m.gate(TestMachine.IDT, 13, 0x10, 0x1800, 0xE, 0);
        m.load(0x1800, TestMachine.hex("58f4"));
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(13, m.exceptions.get(0)[0]);
        assertEquals(0, m.r(EAX));
    }
}
