package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jlguest.cpu.EntryState;
import org.junit.jupiter.api.Test;

/**
 * Corners the differential vectors (tools/difftest) caught, one focused test each, so that a
 * regression names its cause without a 226,000-case replay: the direction flag, the order of the two
 * reads of CMPS, POPF's privilege rules, INT through a DPL-0 gate, ENTER's all-or-nothing frame, and
 * the P6 ASCII adjusts.
 */
class EdgeCaseTest {
    static final int EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
    static final int DF = 0x400, IF = 0x200, IOPL = 0x3000, CF = 1, AF = 0x10;

    /**
     * A machine that IRETs from ring 0 into {@code user} (at 0x1100, ESP 0x70000) with EFLAGS
     * {@code eflags}. Faults go to ring-0 handlers: #GP at 0x1900 ({@code pop esi; mov edi,[esp];
     * hlt}: error code and faulting EIP), #PF at 0x1800 ({@code hlt}).
     */
    static TestMachine ring3(String user, int eflags) {
        TestMachine m = new TestMachine();
        // mov ax,0x30; ltr ax; push 0x2b; push 0x70000; push eflags; push 0x23; push 0x1100; iretd
        m.load(0x1000, TestMachine.hex("66b830000f00d86a2b6800000700" + "68"
                + String.format("%08x", Integer.reverseBytes(eflags)) + "6a236800110000cf"));
        m.load(0x1100, TestMachine.hex(user));
        m.load(0x1800, TestMachine.hex("f4"));
        m.load(0x1900, TestMachine.hex("5e8b3c24f4"));
        m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        m.standardTables();
        m.gate(TestMachine.IDT, 13, 0x10, 0x1900, 0xE, 0);
        m.gate(TestMachine.IDT, 14, 0x10, 0x1800, 0xE, 0);
        return m;
    }

    /** Identity paging for user and kernel, with the pages at {@code holes} not present. */
    static void pagingWithHoles(TestMachine m, int... holes) {
        SystemTest.identityPaging(m, 7);
        for (int h : holes) {
            m.ram.write32(SystemTest.PT + (h >>> 12) * 4, 0);
        }
        m.cpu.setCr(3, SystemTest.PD);   // flush what identityPaging's walk may have cached
    }

    /**
     * {@code std; pushfd; pop ebx; mov esi,0x2003; mov edi,0x3003; mov ecx,4; rep movsb; cld;
     * pushfd; pop edx; hlt}: STD sets EFLAGS bit 10 (not bit 3), strings then run downwards, CLD
     * clears it again.
     */
    @Test
    void directionFlagIsBit10AndStringsRunDownwards() {
        TestMachine m = TestMachine.flat("fd9c5bbe03200000bf03300000b904000000f3a4fc9c5af4");
        m.ram.write32(0x2000, 0x44332211);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(DF, m.r(EBX) & (DF | 8));
        assertEquals(0, m.r(EDX) & (DF | 8));
        assertEquals(0x1FFF, m.r(ESI));
        assertEquals(0x2FFF, m.r(EDI));
        assertEquals(0x44332211, m.read32(0x3000));
    }

    /**
     * CMPS with both operands on not-present pages: CR2 shows which read came first. The AMD host
     * reads DS:[ESI] first with 32-bit addressing, ES:[DI] first with 16-bit addressing, except REPE
     * CMPSB (which reads DS:[SI] first).
     */
    @Test
    void cmpsReadOrderFollowsTheHost() {
        String[][] cases = {
            {"a6", "5000"}, {"f3a6", "5000"}, {"a7", "5000"},       // 32-bit addressing: DS first
            {"67a6", "6000"}, {"6667a7", "6000"}, {"67a7", "6000"}, // 16-bit: ES first
            {"f267a6", "6000"}, {"f367a7", "6000"},
            {"f367a6", "5000"},                                      // except REPE CMPSB
        };
        for (String[] c : cases) {
            // mov esi,0x5000; mov edi,0x6000; mov ecx,1; <cmps>; hlt
            TestMachine m = TestMachine.flat("be00500000bf00600000b901000000" + c[0] + "f4");
            m.standardTables();
            m.gate(TestMachine.IDT, 14, 0x10, 0x1800, 0xE, 0);
            m.load(0x1800, TestMachine.hex("f4"));
            pagingWithHoles(m, 0x5000, 0x6000);
            assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
            assertEquals(14, m.exceptions.get(0)[0], c[0]);
            assertEquals(Integer.parseInt(c[1], 16), m.cpu.cr(2), c[0]);
            assertEquals(0x100F, m.exceptions.get(0)[2], c[0]);   // restarts the CMPS
        }
    }

    /**
     * At CPL 3 with IOPL 0, POPFD and POPF (o16) of 0x3000 (IOPL 3, IF 0) change neither IF nor
     * IOPL, and raise no fault; at CPL 0 both change.
     */
    @Test
    void popfKeepsIfAndIoplWithoutPrivilege() {
        // push 0x3000; popfd; pushfd; pop ebx; push word 0x3000; popf (o16); pushfd; pop ecx; hlt
        TestMachine m = ring3("68003000009d9c5b66680030669d9c59f4", 0x202);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(IF, m.r(EBX) & (IF | IOPL));
        assertEquals(IF, m.r(ECX) & (IF | IOPL));
        assertEquals(13, m.exceptions.get(0)[0]);                 // only the final HLT faults
        assertEquals(0x1110, m.exceptions.get(0)[2]);

        // Ring 0: push 0x3000; popfd; pushfd; pop ebx; push 0x202; popfd; pushfd; pop ecx; hlt
        TestMachine k = TestMachine.flat("68003000009d9c5b68020200009d9c59f4");
        assertEquals(Stop.HALT, k.run(), k.cpu.stopMessage());      // HLT with IF=1 waits
        assertEquals(IOPL, k.r(EBX) & (IF | IOPL));
        assertEquals(IF, k.r(ECX) & (IF | IOPL));
    }

    /** INT 0x40 at CPL 3 through a DPL-0 gate: #GP(0x40 * 8 + 2) that points at the INT itself. */
    @Test
    void intThroughPrivilegedGateFaultsAtTheInt() {
        TestMachine m = ring3("cd40", 0x202);
        m.gate(TestMachine.IDT, 0x40, 0x10, 0x1800, 0xE, 0);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x40 * 8 + 2, m.r(ESI));
        assertEquals(0x1100, m.r(EDI));
        assertEquals(0x1100, m.exceptions.get(0)[2]);
    }

    /**
     * ENTER write-probes the final stack top before it commits anything, and a fault while it pushes
     * leaves ESP and EBP as they were (the bytes already pushed stay written).
     */
    @Test
    void enterFaultsWithoutChangingRegisters() {
        // mov ebp,0x7100; mov esp,0x7010; enter 0x20,0; hlt: the frame ends on the missing page
        TestMachine m = ring3("bd00710000bc10700000c8200000f4", 0x202);
        pagingWithHoles(m, 0x6000);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(14, m.exceptions.get(0)[0]);
        assertEquals(6, m.exceptions.get(0)[1]);                  // user write, not present
        assertEquals(0x110A, m.exceptions.get(0)[2]);
        assertEquals(0x6FEC, m.cpu.cr(2));                        // 0x7010 - 4 - 0x20
        assertEquals(0x7010, m.read32(0x90000 - 8));              // the user ESP the fault saved
        assertEquals(0x7100, m.r(EBP));

        // mov ebp,0x7100; mov esp,0x7004; enter 0,3: the second push faults
        TestMachine n = ring3("bd00710000bc04700000c8000003f4", 0x202);
        pagingWithHoles(n, 0x6000);
        assertEquals(Stop.HALT_FOREVER, n.run(), n.cpu.stopMessage());
        assertEquals(14, n.exceptions.get(0)[0]);
        assertEquals(0x6FFC, n.cpu.cr(2));
        assertEquals(0x7004, n.read32(0x90000 - 8));
        assertEquals(0x7100, n.r(EBP));
        assertEquals(0x7100, n.read32(0x7000));                   // the old EBP was pushed
    }

    /**
     * The P6 ASCII adjusts work on all of AX: AAS computes AX - 6 (borrowing from AH) then AH - 1,
     * AAA computes AX + 0x106 (carrying into AH).
     */
    @Test
    void asciiAdjustsUseAllOfAx() {
        // mov ah,0x10; sahf (AF=1); mov ax,0x0203; aas; pushfd; pop ebx; hlt
        TestMachine m = TestMachine.flat("b4109e66b803023f9c5bf4");
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x000D, m.r(EAX) & 0xFFFF);
        assertEquals(CF | AF, m.r(EBX) & (CF | AF));
        // mov ax,0x00fa; aaa; hlt
        TestMachine a = TestMachine.flat("66b8fa0037f4");
        assertEquals(Stop.HALT_FOREVER, a.run(), a.cpu.stopMessage());
        assertEquals(0x0200, a.r(EAX) & 0xFFFF);
    }

    /**
     * Every byte of an instruction must lie within the CS limit, not only its first: with a CS of
     * limit 0x1FFF, {@code inc esi; inc esi; mov eax,imm32} at 0x1FFC runs both INCs, then the MOV
     * (0x1FFE..0x2002) raises #GP(0) at 0x1FFE. A MOV that ends exactly at the limit runs.
     */
    @Test
    void instructionCrossingTheCsLimitFaults() {
        for (int start : new int[] {0x1FFC, 0x1FF9}) {
            TestMachine m = TestMachine.flat("ea" + String.format("%08x", Integer.reverseBytes(start)) + "4800");
            m.standardTables();
            m.descriptor(TestMachine.GDT, 9, 0, 0x1FFF, 0x9B, 0x4);   // 32-bit code, limit 0x1FFF
            m.cpu.setGdtr(TestMachine.GDT, 10 * 8 - 1);
            m.gate(TestMachine.IDT, 13, 0x10, 0x1900, 0xE, 0);
            m.load(0x1900, TestMachine.hex("f4"));
            m.load(start, TestMachine.hex("4646b878563412"));
            assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
            assertEquals(2, m.r(ESI));
            assertEquals(13, m.exceptions.get(0)[0]);
            assertEquals(0, m.exceptions.get(0)[1]);
            if (start == 0x1FFC) {
                assertEquals(0x1FFE, m.exceptions.get(0)[2]);        // the MOV crosses the limit
                assertEquals(0, m.r(EAX));
            } else {
                assertEquals(0x2000, m.exceptions.get(0)[2]);        // the MOV fits; the next byte not
                assertEquals(0x12345678, m.r(EAX));
            }
        }
    }
}
