package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OpcodeTableTest {
    @Test
    void everyOneByteOpcodeIsARowOrAPrefix() {
        for (int b = 0; b < 256; b++) {
            if (b == 0x0F || OpcodeTable.PREFIXES.contains(b)) {
                continue;
            }
            boolean found = false;
            for (int m = 0; m < 256 && !found; m++) {
                found = OpcodeTable.find(b, m, 0) != null;
            }
            assertTrue(found, String.format("opcode %02X has no row", b));
        }
    }

    @Test
    void groupsAndExactModrmRows() {
        assertEquals("SUB", OpcodeTable.find(0x81, 0xE8, 0).mnemonic());   // 81 /5
        assertEquals("VMCALL", OpcodeTable.find(0x101, 0xC1, 0).mnemonic());
        assertEquals("SGDT", OpcodeTable.find(0x101, 0x05, 0).mnemonic());
        assertNull(OpcodeTable.find(0x101, 0xC0, 0));                       // 0F 01 C0: #UD
        assertNull(OpcodeTable.find(0x8D, 0xC0, 0));                        // LEA reg: #UD
        assertEquals("FNINIT", OpcodeTable.find(0xDB, 0xE3, 0).mnemonic());
        assertEquals("PAUSE", OpcodeTable.find(0x90, 0, 0xF3).mnemonic());
        assertNull(OpcodeTable.find(0x8F, 0x08, 0));                        // 8F /1
        assertTrue(OpcodeTable.hasModrm(0x1C7));
        assertNotNull(OpcodeTable.find(0x1C7, 0x08, 0));
    }

    @Test
    void publicDecoder() {
        // 66 8B 84 8B 78 56 34 12 = mov ax, [ebx + ecx*4 + 0x12345678]
        DecodedInstruction d = DecodedInstruction.decode(TestMachine.hex("668b848b78563412"), 0, true);
        assertEquals("MOV", d.row().mnemonic());
        assertEquals(8, d.length());
        assertEquals(false, d.operand32());
        assertEquals(3, d.base());
        assertEquals(1, d.index());
        assertEquals(2, d.scale());
        assertEquals(0x12345678, d.disp());
        assertTrue(d.hasMemoryOperand());
        assertNull(DecodedInstruction.decode(TestMachine.hex("0f01c0"), 0, true).row());   // #UD
        assertNull(DecodedInstruction.decode(TestMachine.hex("b8"), 0, true));             // truncated
    }

    @Test
    void flagMasks() {
        Opcode shl = OpcodeTable.find(0xD3, 0xE0, 0);
        assertEquals("SHL", shl.mnemonic());
        assertEquals(OpcodeTable.OSZAPC, shl.flagsWritten());
        assertEquals(OpcodeTable.OF | OpcodeTable.AF, shl.flagsUndefined());
        assertEquals(Opcode.OpSize.V, shl.size());
        assertEquals("CWDE", OpcodeTable.find(0x98, 0, 0).mnemonic(32));
    }
}
