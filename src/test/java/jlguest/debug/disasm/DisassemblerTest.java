package jlguest.debug.disasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Hand-picked encodings, including the ones the kernel's text does not exercise. */
class DisassemblerTest {
    private static String dis(int address, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        Instruction insn = Disassembler.decode(CodeReader.of(b, address), address);
        assertEquals(bytes.length, insn.length(), insn.text());
        return insn.text();
    }

    @Test
    void commonForms() {
        assertEquals("mov eax,DWORD PTR [ebp-0x4]", dis(0, 0x8B, 0x45, 0xFC));
        assertEquals("lea esi,[esi+eiz*1+0x0]", dis(0, 0x8D, 0x74, 0x26, 0x00));
        assertEquals("mov eax,DWORD PTR [esp]", dis(0, 0x8B, 0x04, 0x24));
        assertEquals("mov eax,DWORD PTR [eax*4-0x10]", dis(0, 0x8B, 0x04, 0x85, 0xF0, 0xFF, 0xFF, 0xFF));
        assertEquals("mov eax,ds:0xc0400000", dis(0, 0xA1, 0x00, 0x00, 0x40, 0xC0));
        assertEquals("and esp,0xfffffff0", dis(0, 0x83, 0xE4, 0xF0));
        assertEquals("rep stos DWORD PTR es:[edi],eax", dis(0, 0xF3, 0xAB));
        assertEquals("xchg ax,ax", dis(0, 0x66, 0x90));
        assertEquals("mov WORD PTR fs:[eax],0x1", dis(0, 0x64, 0x66, 0xC7, 0x00, 0x01, 0x00));
        assertEquals("call 0xc0100010", dis(0xC0100000, 0xE8, 0x0B, 0x00, 0x00, 0x00));
        assertEquals("jne 0xc00ffff2", dis(0xC0100000, 0x75, 0xF0));
        assertEquals("mov cr3,eax", dis(0, 0x0F, 0x22, 0xD8));
        assertEquals("mov ds,eax", dis(0, 0x8E, 0xD8));
        assertEquals("lgdtd ds:0x388006", dis(0, 0x0F, 0x01, 0x15, 0x06, 0x80, 0x38, 0x00));
    }

    @Test
    void sixteenBitAddressingX87AndNewerInstructions() {
        assertEquals("mov ax,WORD PTR [bx+si+0x4]", dis(0, 0x66, 0x67, 0x8B, 0x40, 0x04));
        assertEquals("fld QWORD PTR [eax]", dis(0, 0xDD, 0x00));
        assertEquals("faddp st(1),st", dis(0, 0xDE, 0xC1));
        assertEquals("fnstsw ax", dis(0, 0xDF, 0xE0));
        assertEquals("tzcnt eax,ecx", dis(0, 0xF3, 0x0F, 0xBC, 0xC1));
        assertEquals("bsf eax,ecx", dis(0, 0x0F, 0xBC, 0xC1));
        assertEquals("invpcid eax,[esp]", dis(0, 0x66, 0x0F, 0x38, 0x82, 0x04, 0x24));
        assertEquals("xsetbv", dis(0, 0x0F, 0x01, 0xD1));
        assertEquals("(bad)", dis(0, 0x0F, 0x04));
    }

    @Test
    void unreadableMemoryIsNull() {
        assertNull(Disassembler.decode(a -> -1, 0));
        assertNull(Disassembler.decode(CodeReader.of(new byte[] {(byte) 0xE8, 0}, 0), 0));
    }
}
