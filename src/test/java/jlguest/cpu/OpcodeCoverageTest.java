package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The opcode table and the executor agree: every row the table marks implemented reaches a real
 * case in the executor.
 *
 * <p>The table drives the decoder, so an instruction with a row decodes; the executor then
 * switches on the opcode, and a row with no matching case would silently become #UD
 * ({@link Executor#noCase}). This test encodes every implemented row (register and memory forms,
 * each reg extension and exact ModRM), runs it once in flat 32-bit ring 0 with harmless operands,
 * and checks that no row fell through. Faults the instruction raises for its own reasons
 * (#GP for a bad selector, #DE, #UD from UD2) are fine: they come from a case.
 */
class OpcodeCoverageTest {
    /** Operands: EAX points to zeroed RAM, so [EAX] and the immediates (zeros) are harmless. */
    private static final int DATA = 0x20000;

    static List<byte[]> encodings(Opcode o) {
        List<byte[]> out = new ArrayList<>();
        List<Integer> modrms = new ArrayList<>();
        if (o.mod() == Opcode.Mod.NONE) {
            modrms.add(-1);
        } else if (o.modrm() >= 0) {
            modrms.add(o.modrm());
        } else {
            int reg = Math.max(o.reg(), 0) << 3;
            if (o.mod() != Opcode.Mod.REG) {
                modrms.add(reg);            // [EAX]
            }
            if (o.mod() != Opcode.Mod.MEM) {
                modrms.add(0xC0 | reg | 1); // ECX (or ST(1), MM1...)
            }
        }
        for (int modrm : modrms) {
            byte[] b = new byte[16];
            int n = 0;
            if (o.prefix() != 0) {
                b[n++] = (byte) o.prefix();
            }
            if (o.code() >= 0x100) {
                b[n++] = 0x0F;
            }
            if (o.code() >= 0x200) {
                b[n++] = 0x38;
            }
            b[n++] = (byte) o.code();
            if (modrm >= 0) {
                b[n++] = (byte) modrm;
            }
            out.add(b);   // the rest are zero: immediates, displacements
        }
        return out;
    }

    @Test
    void everyImplementedRowReachesACase() {
        List<String> missing = new ArrayList<>();
        int tried = 0;
        for (Opcode o : OpcodeTable.ROWS) {
            if ((o.attrs() & (Opcode.UNIMPLEMENTED | Opcode.LATER)) != 0) {
                continue;
            }
            for (byte[] code : encodings(o)) {
                TestMachine m = new TestMachine(1 << 20);
                m.load(0x1000, code);
                m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
                m.cpu.setReg(0, DATA);
                m.cpu.setReg(1, 1);
                m.cpu.run(1);
                tried++;
                if (m.cpu.rowsWithoutCase() != 0) {
                    missing.add(o.mnemonic() + " " + java.util.HexFormat.of().formatHex(code, 0, 4));
                }
            }
        }
        assertTrue(tried > 500, "tried " + tried + " encodings");
        assertEquals(List.of(), missing, "rows the executor has no case for");
    }

    /**
     * A later processor's row ({@link Opcode#LATER}) is in the table for the disassembler only: the
     * CPU raises #UD for its bytes, unless the same bytes without the mandatory prefix are one of
     * this CPU's instructions, which then runs (REP BSF for TZCNT), as on processors without it.
     */
    @Test
    void aLaterProcessorsRowIsUndefinedOnThisCpu() {
        int later = 0;
        List<String> wrong = new ArrayList<>();
        for (Opcode o : OpcodeTable.ROWS) {
            if ((o.attrs() & Opcode.LATER) == 0) {
                continue;
            }
            later++;
            for (byte[] code : encodings(o)) {
                int modrm = o.hasModrm() ? code[(o.prefix() != 0 ? 1 : 0) + (o.code() >= 0x200 ? 3 : 2)] & 0xFF : -1;
                boolean oldMeaning = o.code() < 0x200 && OpcodeTable.find(o.code(), modrm, 0) != null;
                TestMachine m = new TestMachine(1 << 20);
                m.load(0x1000, code);
                m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
                m.cpu.setReg(0, DATA);
                m.cpu.run(1);
                boolean ud = m.exceptions.stream().anyMatch(e -> e[0] == 6);
                if (ud == oldMeaning) {
                    wrong.add(o.mnemonic() + (ud ? " raised #UD" : " did not raise #UD"));
                }
                assertTrue(OpcodeTable.find(o.code() & 0x1FF, modrm, o.prefix() == 0x66 ? 0 : o.prefix(),
                        o.prefix() == 0x66) != o, o.mnemonic() + ": the CPU's lookup never returns a LATER row");
            }
        }
        assertTrue(later >= 30, later + " later rows");
        assertEquals(List.of(), wrong);
    }

    @Test
    void aRowWithoutACaseIsCounted() {
        TestMachine m = TestMachine.flat("");
        Insn i = new Insn();
        i.op = 0x1FF;   // no row and no case: what the count would see for a forgotten row
        assertThrowsFault(() -> m.cpu.exec(i));
        assertEquals(1, m.cpu.rowsWithoutCase());
    }

    private static void assertThrowsFault(Runnable r) {
        try {
            r.run();
        } catch (GuestFault f) {
            return;
        }
        throw new AssertionError("expected a guest fault");
    }
}
