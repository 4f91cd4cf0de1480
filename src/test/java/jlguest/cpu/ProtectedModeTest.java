package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jlguest.cpu.EntryState;
import org.junit.jupiter.api.Test;

/** Exceptions and protected-mode mechanisms, one small program each (nasm sources in comments). */
class ProtectedModeTest {
    static final int EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;

    /** Flat ring 0 at 0x1000 with the standard tables; every vector goes to a HLT at 0x1900. */
    static TestMachine machine(String hex) {
        TestMachine m = new TestMachine();
        m.load(0x1000, TestMachine.hex(hex));
        m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        m.standardTables();
        for (int v = 0; v < 32; v++) {
            m.gate(TestMachine.IDT, v, 0x10, 0x1900, 0xE, 0);
        }
        m.load(0x1900, TestMachine.hex("f4"));
        // 0x48: an LDT at 0x6000 holding one data segment at 0x7000; 0x50: expand-down data
        // (valid offsets 0x1000..0xFFFFFFFF); 0x60: a DPL-3 call gate to 0x10:0x1800.
        m.descriptor(TestMachine.GDT, 9, 0x6000, 0xF, 0x82, 0);
        m.descriptor(0x6000, 0, 0x7000, 0xFFFF, 0x93, 0x4);
        m.descriptor(TestMachine.GDT, 10, 0, 0xFFF, 0x97, 0x4);
        m.ram.write32(TestMachine.GDT + 12 * 8, (0x10 << 16) | 0x1800);
        m.ram.write32(TestMachine.GDT + 12 * 8 + 4, 0xEC01);   // present, DPL 3, 32-bit call gate, 1 param
        m.cpu.setGdtr(TestMachine.GDT, 16 * 8 - 1);
        return m;
    }

    static int[] first(TestMachine m) {
        return m.exceptions.get(0);
    }

    /** xor ecx,ecx; mov eax,5; div ecx; hlt */
    @Test
    void divideErrorIsAFault() {
        TestMachine m = machine("31c9b805000000f7f1f4");
        m.run();
        assertEquals(0, first(m)[0]);
        assertEquals(0x1007, first(m)[2]);
    }

    /** mov al,0x7f; add al,1; into; mov ebx,1; hlt */
    @Test
    void intoIsATrap() {
        TestMachine m = machine("b07f0401cebb01000000f4");
        m.run();
        assertEquals(4, first(m)[0]);
        assertEquals(0x1005, first(m)[2]);
    }

    /** bounds [1,5], index 6: bound eax,[0x2000] */
    @Test
    void boundRange() {
        TestMachine m = machine("c7050020000001000000c7050420000005000000b806000000620500200000f4");
        m.run();
        assertEquals(5, first(m)[0]);
        assertEquals(0x1019, first(m)[2]);
    }

    /** lock mov eax,[0x2000] */
    @Test
    void lockOnAMoveIsUndefined() {
        TestMachine m = machine("f0a100200000f4");
        m.run();
        assertEquals(6, first(m)[0]);
    }

    /** set CR0.TS; fninit -> #NM. Then clts; fninit; fnstsw ax works. */
    @Test
    void deviceNotAvailable() {
        TestMachine m = machine("0f20c083c8080f22c0dbe3f4");
        m.run();
        assertEquals(7, first(m)[0]);
        TestMachine ok = machine("0f06dbe3dfe0bb01000000f4");
        ok.run();
        assertEquals(1, ok.r(EBX));
        assertEquals(0, ok.exceptions.size());
    }

    /**
     * Global pages survive a CR3 reload, others do not: read 0x400000 (global) into eax and
     * 0x401000 (not global) into ecx, point both PTEs at 0x801000, reload CR3, read again into
     * ebx and edx.
     */
    @Test
    void globalPagesSurviveCr3Reload() {
        TestMachine m = machine("a1000040008b0d00104000c7050010100003118000c70504101000031080000f20db0f22db"
                + "8b1d000040008b1500104000f4");
        int pd = 0x100000 - 0x1000, pt = 0x100000, pt2 = 0x101000;
        for (int i = 0; i < 1024; i++) {
            m.ram.write32(pt + 4 * i, (i << 12) | 3);
        }
        m.ram.write32(pt2, 0x800000 | 0x103);          // 0x400000 -> 0x800000, global
        m.ram.write32(pt2 + 4, 0x800000 | 0x3);        // 0x401000 -> 0x800000, not global
        m.ram.write32(pd, pt | 3);
        m.ram.write32(pd + 4, pt2 | 3);
        m.ram.write32(0x800000, 0x1111);
        m.ram.write32(0x801000, 0x2222);
        m.cpu.setCr(4, 0x80);
        m.cpu.setCr(3, pd);
        m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000);
        m.run();
        assertEquals(0x1111, m.r(EAX));
        assertEquals(0x1111, m.r(EBX));   // global: still the old translation
        assertEquals(0x1111, m.r(ECX));
        assertEquals(0x2222, m.r(EDX));   // flushed by the CR3 load
    }

    /** lar/lsl on 0x18, verw/verr on the code segment 0x10, lar on a bad selector. */
    @Test
    void descriptorInspection() {
        TestMachine m = machine("b9180000000f02c10f03d9ba100000000f00ea0f94c2be100000000f00e60f94c6bf990000000f02ff"
                + "0f94c1f4");
        m.run();
        assertEquals(0x00C09300, m.r(EAX) & 0x00F0FF00);   // bits 16..19 are undefined
        assertEquals(0xFFFFFFFF, m.r(EBX));
        assertEquals(0x0100, m.r(EDX) & 0xFFFF);   // VERW code: no; VERR readable code: yes
        assertEquals(0, m.r(ECX) & 0xFF);          // selector 0x99 is past the GDT limit
    }

    /** mov ax,0x48; lldt ax; mov ax,4; mov ds,ax; mov eax,[0x10]; sldt bx */
    @Test
    void localDescriptorTable() {
        TestMachine m = machine("66b848000f00d066b804008ed8a110000000660f00c3f4");
        m.ram.write32(0x7010, 0xCAFE);
        m.run();
        assertEquals(0xCAFE, m.r(EAX));
        assertEquals(0x48, m.r(EBX) & 0xFFFF);
        assertEquals(0x7000, m.cpu.segBase(3));
    }

    /** Expand-down ES: offset 0x2000 is inside, 0x800 is outside (#GP(0)). */
    @Test
    void expandDownSegment() {
        TestMachine m = machine("66b850008ec026c705002000000700000026a10020000026c7050008000001000000f4");
        m.run();
        assertEquals(7, m.r(EAX));
        assertEquals(13, first(m)[0]);
        assertEquals(0, first(m)[1]);
        assertEquals(0x1017, first(m)[2]);
    }

    /** cmpxchg8b that fails loads EDX:EAX and clears ZF. */
    @Test
    void cmpxchg8bFailure() {
        TestMachine m = machine("c7050020000005000000c705042000000600000031c031d20fc70d002000000f94c1f4");
        m.run();
        assertEquals(5, m.r(EAX));
        assertEquals(6, m.r(EDX));
        assertEquals(0, m.r(ECX) & 0xFF);
    }

    /** jmp 0x10:next; jmp word 0x10:next2; call 0x10:f (f: mov ecx,cs; retf). */
    @Test
    void farJumpsAndCalls() {
        TestMachine m = machine("ea07100000100066ea0d101000b8030000009a1f1000001000bb04000000f48cc9cb");
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(3, m.r(EAX));
        assertEquals(4, m.r(EBX));
        assertEquals(0x10, m.r(ECX));
        assertEquals(0x80000, m.r(ESP));
    }

    @Test
    void callGateFromRing3AndReturnNullsDataSegment() {
        TestMachine m = new TestMachine();
        m.load(0x1000, TestMachine.resource("callgate.bin"));
        m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        m.standardTables();
        m.gate(TestMachine.IDT, 13, 0x10, 0x1900, 0xE, 0);
        m.ram.write32(TestMachine.GDT + 12 * 8, (0x10 << 16) | 0x1800);
        m.ram.write32(TestMachine.GDT + 12 * 8 + 4, 0xEC01);
        m.cpu.setGdtr(TestMachine.GDT, 16 * 8 - 1);
        m.run();
        assertEquals(0x10, m.r(EBX));
        assertEquals(0x18, m.r(ECX));                 // SS0 from the TSS
        assertEquals(0xABCD, m.r(EDX));               // the parameter was copied
        assertEquals(0, m.r(ESI));                    // DS nulled on return to ring 3
        assertEquals(0x70000, m.r(EDI));              // RETF 4 popped the parameter
        assertEquals(13, m.exceptions.get(0)[0]);     // the final HLT at ring 3
    }
}
