package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jlguest.cpu.EntryState;
import org.junit.jupiter.api.Test;

/**
 * The path the differential harness takes: flat ring-3 segments (CS 0x23, DS/ES/SS 0x2B) in a GDT,
 * paging with one user code page and one user data page, registers set through the API, then run.
 */
class HarnessPathTest {
    @Test
    void ring3FlatWithPaging() {
        TestMachine m = new TestMachine();
        m.cpu.enter(new EntryState(0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x18));
        m.standardTables();
        m.cpu.setIdtr(0, 0);     // no IDT: the final INT3 ends in a triple fault
        int pd = 0x10000, pt = 0x11000, code = 0x20000, data = 0x21000;
        m.ram.write32(pd + 4 * 0x100, pt | 7);                 // 0x40000000..
        m.ram.write32(pt, code | 5);                           // 0x40000000: code, user read-only
        m.ram.write32(pt + 4, data | 7);                       // 0x40001000: data, user writable
        // add eax, ebx; mov [0x40001010], eax; pushfd; pop ecx; push 7; pop edx; int3
        m.load(code, TestMachine.hex("01d8a3101000409c596a075acc"));
        // Segment loads read the GDT through paging, as the CPU does: load them before paging
        // is on (or map the GDT).
        m.cpu.loadSegment(2, 0x2B);     // SS before CS works too
        m.cpu.loadSegment(1, 0x23);
        m.cpu.loadSegment(3, 0x2B);
        m.cpu.loadSegment(0, 0x2B);
        m.cpu.setCr(3, pd);
        m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000);
        assertEquals(3, m.cpu.cpl());
        m.cpu.setEip(0x40000000);
        m.cpu.setReg(0, 0x7FFFFFFF);
        m.cpu.setReg(3, 1);
        m.cpu.setReg(4, 0x40002000);
        m.cpu.setEflags(0x202);
        assertEquals(Stop.TRIPLE_FAULT, m.cpu.run(100));
        assertEquals(0x80000000, m.cpu.reg(0));
        assertEquals(0x80000000, m.ram.read32(data + 0x10));
        assertEquals(0xA96, m.cpu.reg(1) & 0xFFF);             // OF SF AF PF, IF, bit 1
        assertEquals(7, m.cpu.reg(2));
        assertEquals(6, m.cpu.instructions());
        assertEquals(0x4000000C, m.cpu.eip());                 // at the INT3
        assertEquals(3, m.exceptions.get(0)[0]);
    }
}
