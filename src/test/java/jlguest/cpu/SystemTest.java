package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jlguest.cpu.EntryState;
import jlguest.bus.PortDevice;
import org.junit.jupiter.api.Test;

/** System-level behaviour a host cannot run natively: paging, rings, faults, tasks, modes. */
class SystemTest {
    static final int EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
    static final int PT = 0x100000, PD = 0x102000;

    static TestMachine boot(String program) {
        TestMachine m = new TestMachine();
        m.load(0x1000, TestMachine.resource(program + ".bin"));
        m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        m.standardTables();
        return m;
    }

    /** Identity-maps 0..4 MiB with 4 KiB pages (flags on every PTE) and turns paging on. */
    static void identityPaging(TestMachine m, int pteFlags) {
        for (int i = 0; i < 1024; i++) {
            m.ram.write32(PT + 4 * i, (i << 12) | pteFlags);
        }
        m.ram.write32(PD, PT | 7);
        m.cpu.setCr(3, PD);
        m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000);
    }

    @Test
    void pageFaultHasErrorCodeAndCr2AndRestarts() {
        TestMachine m = boot("pagefault");
        m.gate(TestMachine.IDT, 14, 0x10, 0x1800, 0xE, 0);
        identityPaging(m, 3);
        m.ram.write32(PT + 0x200 * 4, 0x200002);   // not present
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(2, m.r(EAX));
        assertEquals(0x200010, m.r(EBX));
        assertEquals(0x200010, m.cpu.cr(2));
        assertEquals(1, m.r(ECX));
        assertEquals(14, m.exceptions.get(0)[0]);
        assertEquals(0x1000, m.exceptions.get(0)[2]);
    }

    @Test
    void fetchFaultAfterJumpReportsTheTarget() {
        TestMachine m = boot("pagefault");
        m.load(0x1000, TestMachine.hex("e9fbef1f00"));          // jmp 0x200000
        m.load(0x1800, TestMachine.hex("588b1c240f20d1f4"));    // pop eax; mov ebx,[esp]; mov ecx,cr2; hlt
        m.gate(TestMachine.IDT, 14, 0x10, 0x1800, 0xE, 0);
        identityPaging(m, 3);
        m.ram.write32(PT + 0x200 * 4, 0);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0, m.r(EAX));
        assertEquals(0x200000, m.r(EBX));
        assertEquals(0x200000, m.r(ECX));
    }

    @Test
    void singleStepTrapsAfterEachInstruction() {
        TestMachine m = boot("pagefault");
        m.load(0x1000, TestMachine.hex("9c810c24000100009d909090f4"));   // set TF; nop x3; hlt
        m.load(0x1800, TestMachine.hex("46cf"));                         // #DB: inc esi; iret
        m.gate(TestMachine.IDT, 1, 0x10, 0x1800, 0xE, 0);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(3, m.r(ESI));
        assertEquals(0x4000, m.cpu.dr[6] & 0x4000);
    }

    /** Issue 17 item 11: we have no virtual-8086 mode; IRET to it is a #GP(0) the guest sees. */
    @Test
    void iretToVirtual8086IsAGuestVisibleGeneralProtectionFault() {
        TestMachine m = boot("pagefault");
        // push 0 x5 (gs fs ds es ss); push esp 0x1000; push eflags VM|2; push cs 0; push eip 0x100; iret
        m.load(0x1000, TestMachine.hex("6a006a006a006a006a00" + "6800100000" + "6802000200" + "6a00" + "6800010000" + "cf"));
        m.load(0x1800, TestMachine.hex("588b1c24f4"));   // #GP: pop eax (error code); mov ebx,[esp] (eip); hlt
        m.gate(TestMachine.IDT, 13, 0x10, 0x1800, 0xE, 0);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(13, m.exceptions.get(0)[0]);
        assertEquals(0, m.r(EAX));
        assertEquals(0x101B, m.r(EBX));
        assertEquals(0, m.cpu.getFlags() & 0x20000);
    }

    @Test
    void accessedAndDirtyBits() {
        TestMachine m = new TestMachine();
        // mov eax,[0x5000]; mov [0x6000],eax; hlt
        m.load(0x1000, TestMachine.hex("a100500000a300600000f4"));
        m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        identityPaging(m, 3);
        assertEquals(Stop.HALT_FOREVER, m.run());
        assertEquals(0x23, m.read32(PT + 5 * 4) & 0x63);   // read: A, not D
        assertEquals(0x63, m.read32(PT + 6 * 4) & 0x63);   // write: A and D
        assertEquals(0x20, m.read32(PD) & 0x20);           // PDE accessed
        assertEquals(0x03, m.read32(PT + 7 * 4) & 0x63);   // untouched page
    }

    @Test
    void fourMegabytePagesAndInvlpg() {
        TestMachine m = new TestMachine();
        // mov eax,[0x402000]; mov dword [0x10000], 0x00800083; mov ebx,[0x402000];
        // invlpg [0x402000]; mov ecx,[0x402000]; hlt
        m.load(0x1000, TestMachine.hex("a100204000c70504000100830080008b1d002040000f013d002040008b0d00204000f4"));
        m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        m.ram.write32(0x2000, 0xAAAA);
        m.ram.write32(0x802000, 0xBBBB);
        m.ram.write32(0x10000, 0x83);              // PDE 0: 4 MiB page at 0
        m.ram.write32(0x10004, 0x83);              // PDE 1: 4 MiB page at 0 (alias)
        m.cpu.setCr(4, 0x10);
        m.cpu.setCr(3, 0x10000);
        m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0xAAAA, m.r(EAX));
        assertEquals(0xAAAA, m.r(EBX));   // stale TLB entry until INVLPG
        assertEquals(0xBBBB, m.r(ECX));
        assertEquals(0xA0, m.read32(0x10004) & 0xE0);   // 4 MiB PDE: accessed, not dirty
    }

    /**
     * Touches 20,000 pages (more than the TLB's flush list holds), then remaps, reloads CR3 and
     * modifies its own code: the overflow paths of flushing and of write-protecting code pages.
     */
    @Test
    void tlbListOverflow() {
        TestMachine m = new TestMachine(32 << 20);
        m.load(0x1000, TestMachine.hex("be00000040b9204e00008b0681c600100000e2f6c70500040100830080000f20db0f22db"
                + "8b1d10000040c6053210000009b200f4"));
        m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        m.ram.write32(0x10000, 0x83);                         // 0..4 MiB identity (4 MiB page)
        for (int i = 0; i < 32; i++) {
            m.ram.write32(0x10000 + 4 * (0x100 + i), 0x83);   // 0x40000000..: aliases of 0..4 MiB
        }
        m.ram.write32(0x10, 0x1111);
        m.ram.write32(0x800010, 0x2222);
        m.cpu.setCr(4, 0x10);
        m.cpu.setCr(3, 0x10000);
        m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x2222, m.r(EBX));
        assertEquals(9, m.r(EDX) & 0xFF);
    }

    @Test
    void writeProtectInSupervisorMode() {
        TestMachine m = new TestMachine();
        m.load(0x1000, TestMachine.hex("c70500500000 01000000 f4".replace(" ", "")));   // mov dword [0x5000],1
        m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        m.standardTables();
        identityPaging(m, 3);
        m.ram.write32(PT + 5 * 4, 0x5001);          // read-only
        assertEquals(Stop.HALT_FOREVER, m.run());
        assertEquals(1, m.read32(0x5000));          // WP=0: supervisor may write
        m.cpu.setCr(0, m.cpu.cr(0) | 0x10000);
        m.cpu.setEip(0x1000);
        m.ram.write32(0x5000, 0);
        m.run();
        assertEquals(0, m.read32(0x5000));
        int[] pf = m.exceptions.get(0);
        assertEquals(14, pf[0]);
        assertEquals(3, pf[1]);                     // present, write, supervisor
    }

    @Test
    void userPagesAndProtectionFaults() {
        TestMachine m = boot("rings");
        m.gate(TestMachine.IDT, 0x80, 0x10, 0x1800, 0xE, 3);
        m.gate(TestMachine.IDT, 13, 0x10, 0x1900, 0xE, 0);
        m.gate(TestMachine.IDT, 14, 0x10, 0x1900, 0xE, 0);
        identityPaging(m, 7);
        m.ram.write32(PT + 0x6F * 4, 0x6F005);     // the ring-3 stack page read-only for users
        m.load(0x101B, TestMachine.hex("50f4"));   // user: push eax
        m.run();
        int[] pf = m.exceptions.get(m.exceptions.size() - 1);
        assertEquals(14, pf[0]);
        assertEquals(7, pf[1]);                     // present, write, user
        assertEquals(0x6FFFC, m.cpu.cr(2));
    }

    @Test
    void ring3ToRing0AndBack() {
        TestMachine m = boot("rings");
        m.gate(TestMachine.IDT, 0x80, 0x10, 0x1800, 0xE, 3);
        m.gate(TestMachine.IDT, 13, 0x10, 0x1900, 0xE, 0);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(2, m.r(EAX));
        assertEquals(0x10, m.r(ECX));                   // CS inside the handler
        assertEquals(0x90000 - 20, m.r(EBX));           // ring-0 stack from the TSS, 5 dwords pushed
        assertEquals(0x23, m.r(EDX));                   // back at ring 3
        assertEquals(0x70000, m.r(EBP));
        assertEquals(0, m.r(ESI));                      // #GP(0) for HLT at ring 3
        assertEquals(0x1026, m.r(EDI));                // at user_hlt
        assertEquals(0, m.cpu.cpl());
        assertEquals(0x2B, m.read32(0x90000 - 4));      // old SS pushed on the ring-0 stack
    }

    @Test
    void segmentLimitAndPrivilegeViolations() {
        TestMachine m = new TestMachine();
        // mov ax,0x38; mov ds,ax; mov eax,[0xfffe]; hlt
        m.load(0x1000, TestMachine.hex("66b838008ed8a1feff0000f4"));
        m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        m.standardTables();
        m.gate(TestMachine.IDT, 13, 0x10, 0x1900, 0xE, 0);
        m.load(0x1900, TestMachine.hex("f4"));
        m.run();
        assertEquals(13, m.exceptions.get(0)[0]);
        assertEquals(0, m.exceptions.get(0)[1]);
        assertEquals(0x1006, m.exceptions.get(0)[2]);
        // Ring 3 loading a DPL-0 data segment: #GP(0x18).
        TestMachine u = boot("rings");
        u.gate(TestMachine.IDT, 13, 0x10, 0x1900, 0xE, 0);
        u.load(0x101B, TestMachine.hex("66b818008ed8f4"));   // at user: mov ax,0x18; mov ds,ax
        u.run();
        assertEquals(13, u.exceptions.get(0)[0]);
        assertEquals(0x18, u.exceptions.get(0)[1]);
        // Loading a selector past the GDT limit.
        assertEquals("#GP(0x98)", assertThrowsMessage(() -> u.cpu.loadSegment(3, 0x99)));
    }

    static String assertThrowsMessage(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("no exception");
    }

    @Test
    void doubleFaultThroughTaskGate() {
        TestMachine m = boot("doublefault");
        m.ram.write32(TestMachine.IDT + 13 * 8, 0x00101900);
        m.ram.write32(TestMachine.IDT + 13 * 8 + 4, 0x00000E00);   // #GP gate not present
        m.gate(TestMachine.IDT, 8, 0x40, 0, 0x5, 0);               // #DF: task gate to TSS 0x40
        int t = 0x5000;
        m.ram.write32(t + 0x20, 0x1800);           // EIP
        m.ram.write32(t + 0x24, 2);                // EFLAGS
        m.ram.write32(t + 0x38, 0x60000);          // ESP
        for (int s = 0; s < 6; s++) {
            m.ram.write16(t + 0x48 + 4 * s, s == 1 ? 0x10 : 0x18);
        }
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0, m.r(EBP));                 // #DF error code
        assertEquals(0x40, m.r(EBX) & 0xFFFF);     // STR
        assertEquals(0x1010, m.r(ECX));            // the faulting MOV DS
        assertEquals(0x30, m.r(EDX));              // back link to the old task
        assertEquals(0x4000, m.r(ESI) & 0x4000);   // NT set
        assertEquals(0x11110099, m.read32(0x3000 + 0x28));   // EAX saved in the old TSS
        assertEquals(8, m.exceptions.get(1)[0]);   // #GP, then #NP turned into #DF
    }

    @Test
    void iretWithNestedTaskSwitchesBack() {
        TestMachine m = boot("taskreturn");
        m.ram.write32(TestMachine.IDT + 13 * 8, 0x00101900);
        m.ram.write32(TestMachine.IDT + 13 * 8 + 4, 0x00000E00);   // #GP gate not present
        m.gate(TestMachine.IDT, 8, 0x40, 0, 0x5, 0);
        int t = 0x5000;
        m.ram.write32(t + 0x20, 0x1800);
        m.ram.write32(t + 0x24, 2);
        m.ram.write32(t + 0x38, 0x60000);
        for (int s = 0; s < 6; s++) {
            m.ram.write16(t + 0x48 + 4 * s, s == 1 ? 0x10 : 0x18);
        }
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x600d, m.r(EBX));
        assertEquals(0x30, m.r(ECX) & 0xFFFF);
        assertEquals(0, m.r(EDX) & 0x4000);                        // NT clear in the old task
        assertEquals(0x89, (m.read32(TestMachine.GDT + 8 * 8 + 4) >>> 8) & 0xFF);  // 0x40 not busy
        assertEquals(0x8B, (m.read32(TestMachine.GDT + 6 * 8 + 4) >>> 8) & 0xFF);  // 0x30 busy
    }

    @Test
    void jumpToA16BitTssSwitchesTasks() {
        // mov ax,0x30; ltr ax; mov eax,0x11112222; jmp 0x40:0
        TestMachine m = TestMachine.flat("66b830000f00d8b822221111ea000000004000");
        m.standardTables();
        m.descriptor(TestMachine.GDT, 8, 0x5000, 0x2B, 0x81, 0);   // 0x40: an available 16-bit TSS
        int t = 0x5000;
        m.ram.write16(t + 0x0E, 0x1800);           // IP
        m.ram.write16(t + 0x10, 2);                // FLAGS
        m.ram.write16(t + 0x12, 0xAAAA);           // AX
        m.ram.write16(t + 0x1A, 0x7000);           // SP
        m.ram.write16(t + 0x22, 0x18);             // ES
        m.ram.write16(t + 0x24, 0x10);             // CS
        m.ram.write16(t + 0x26, 0x38);             // SS: the 64 KiB segment at 0x100000
        m.ram.write16(t + 0x28, 0x18);             // DS
        m.load(0x1800, TestMachine.hex("0f00cb8b0d20300000f4"));   // str bx; mov ecx,[0x3020]; hlt
        m.cpu.loadSegment(4, 0x18);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x40, m.r(EBX) & 0xFFFF, "STR: the new task");
        assertEquals(0x1013, m.r(ECX), "the old (32-bit) TSS holds the EIP after the JMP");
        assertEquals(0x11112222, m.read32(0x3000 + 0x28), "and the old EAX");
        assertEquals(0xFFFFAAAA, m.r(EAX), "a 16-bit TSS loads the low words; the high words read 0xFFFF");
        assertEquals(0xFFFF7000, m.r(ESP));
        assertEquals(0x38, m.cpu.segSelector(2));
        assertEquals(0, m.cpu.segSelector(4), "no FS in a 16-bit TSS: null");
        assertEquals(0x83, (m.read32(TestMachine.GDT + 8 * 8 + 4) >>> 8) & 0xFF, "0x40 busy");
        assertEquals(0x89, (m.read32(TestMachine.GDT + 6 * 8 + 4) >>> 8) & 0xFF, "0x30 no longer busy");
    }

    @Test
    void tripleFaultStops() {
        TestMachine m = TestMachine.flat("8ed8f4");   // mov ds, ax (AX=0 in ring 0 is fine) ...
        m.cpu.setIdtr(0, 0);                          // ... then UD2 with no IDT
        m.load(0x1002, TestMachine.hex("0f0b"));
        assertEquals(Stop.TRIPLE_FAULT, m.run());
        assertTrue(m.cpu.stopMessage().contains("triple fault"));
    }

    @Test
    void realModeInterruptAndSwitchToProtectedMode() {
        TestMachine m = new TestMachine();
        m.load(0x7C00, TestMachine.resource("realmode.bin"));
        m.cpu.reset();
        m.cpu.loadSegment(1, 0);
        m.cpu.setEip(0x7C00);
        m.standardTables();
        m.cpu.setIdtr(0, 0x3FF);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x12345678, m.r(EAX));
        assertEquals(0x1234, m.r(ECX));
        assertEquals(0x10, m.cpu.segSelector(1));
        assertEquals(1, m.cpu.cr(0) & 1);
    }

    @Test
    void realModeAddressingForms() {
        TestMachine m = new TestMachine();
        m.load(0x7C00, TestMachine.resource("real16.bin"));
        m.cpu.reset();
        m.cpu.loadSegment(1, 0);
        m.cpu.setEip(0x7C00);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x1111, m.ram.read16(0x600));
        assertEquals(0x3333, m.ram.read16(0x602));    // the later store to SS:0x220 won
        assertEquals(0, m.ram.read16(0x604));         // DS:0x220 never written
        assertEquals(0x4444, m.ram.read16(0x606));
        assertEquals(0x1111, m.ram.read16(0x608));
        assertEquals(0x5555, m.ram.read16(0x60A));
        assertEquals(0xFFFE, m.ram.read16(0x60C));
        assertEquals(0x6666, m.ram.read16(0x60E));
        assertEquals(0x23456789, m.ram.read32(0x610));
        assertEquals(0x5555, m.ram.read16(0x614));
        assertEquals(0x3333, m.ram.read16(0x20220));
    }

    @Test
    void selfModifyingCode() {
        TestMachine m = boot("smc");
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(42, m.r(EAX) & 0xFF);    // store into the running block
        assertEquals(3, m.r(EBX) & 0xFF);
        assertEquals(7, m.r(ECX) & 0xFF);     // store into a block decoded earlier
        // A device writing code (DMA) between runs: mov al,0 -> mov al,99 at the same address.
        m.ram.write8(0x1000 + 8, 99);
        m.cpu.setEip(0x1000 + 7);
        m.run();
        assertEquals(99, m.r(EAX) & 0xFF);
    }

    /** A block that rewrites itself, reached through block chaining (three pages in a loop). */
    @Test
    void selfModifyingCodeInAChainedBlock() {
        TestMachine m = new TestMachine();      // no tables: they would overlap page 0x3000
        m.load(0x1000, TestMachine.resource("smc2.bin"));
        m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0, m.read32(0x80000 - 12) & 0xFF);
        assertEquals(0x77, m.read32(0x80000 - 16) & 0xFF);   // patched on the last pass
    }

    @Test
    void ioPermissionBitmap() {
        TestMachine m = boot("iobitmap");
        m.gate(TestMachine.IDT, 13, 0x10, 0x1900, 0xE, 0);
        m.ram.write8(0x3000 + 0x68 + (0x81 >> 3), 1 << (0x81 & 7));
        m.ram.write8(0x3000 + 0x68 + 0x2000, 0xFF);
        int[] seen = new int[2];
        m.io.register(0x80, 2, new PortDevice() {
            @Override
            public int in(int port, int size) {
                return 0;
            }

            @Override
            public void out(int port, int size, int value) {
                seen[port - 0x80] = value;
            }
        });
        m.run();
        assertEquals(0x55, seen[0]);
        assertEquals(0, seen[1]);
        assertEquals(1, m.r(EBX));
        assertEquals(0, m.r(ESI));
    }

    @Test
    void sysenterSysexit() {
        TestMachine m = boot("sysenter");
        m.gate(TestMachine.IDT, 13, 0x10, 0x1900, 0xE, 0);
        m.load(0x1900, TestMachine.hex("f4"));
        m.run();
        assertEquals(6, m.r(EAX));
        assertEquals(0x10, m.r(EBX));
        assertEquals(0x23, m.r(ESI));
        assertEquals(9, m.r(EDI));
        assertEquals(13, m.exceptions.get(0)[0]);
    }

    @Test
    void externalInterruptWakesHalt() {
        TestMachine m = boot("interrupt");
        m.gate(TestMachine.IDT, 0x20, 0x10, 0x1800, 0xE, 0);
        assertEquals(Stop.HALT, m.run());
        m.cpu.setIntrLine(true);
        assertEquals(Stop.HALT_FOREVER, m.run());
        assertEquals(0x77, m.r(EBX));
    }

    @Test
    void hypercallFromRing3IsUndefined() {
        TestMachine m = boot("rings");
        m.gate(TestMachine.IDT, 6, 0x10, 0x1900, 0xE, 0);
        m.load(0x101B, TestMachine.hex("0f01c1f4"));
        m.run();
        assertEquals(6, m.exceptions.get(0)[0]);
        assertEquals(0, m.hypercalls);
    }
}
