package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import jlguest.cpu.EntryState;
import org.junit.jupiter.api.Test;

/**
 * The fast path against the general executor: every form that has a fast handler runs on two
 * machines in the same state, one with {@link Cpu#fastPath} off, on random operands (registers,
 * flags left lazy by a random flag-setting instruction, memory at ordinary, page-crossing,
 * not-present and beyond-the-segment-limit addresses), and the whole state must come out the
 * same: registers, EIP, EFLAGS materialized, CR2, the retired count, the exceptions raised and
 * every byte of RAM. The differential suite then holds both paths to the real CPU.
 */
class FastPathEquivalenceTest {
    private static final int CODE = 0x10000, DATA = 0x20000, ABSENT = 0x30000, HANDLER = 0x7000;
    private static final int CASES_PER_FORM = 120;

    /** An instruction form: opcode bytes, ModRM (digit 0..7, or -1 for /r), immediate bytes. */
    record Form(String name, byte[] opcode, int digit, int immBytes, boolean regOk, boolean memOk) {
    }

    private static final List<Form> FORMS = new ArrayList<>();

    private static void form(String name, String opcodeHex, int digit, int imm, boolean reg, boolean mem) {
        FORMS.add(new Form(name, HexFormat.of().parseHex(opcodeHex), digit, imm, reg, mem));
    }

    private static void modrm(String name, String opcodeHex, int digit, int imm) {
        form(name, opcodeHex, digit, imm, true, true);
    }

    static {
        String[] alu = {"ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP"};
        for (int op = 0; op < 8; op++) {
            modrm(alu[op] + " Ev,Gv", String.format("%02x", op * 8 + 1), -1, 0);
            modrm(alu[op] + " Gv,Ev", String.format("%02x", op * 8 + 3), -1, 0);
            form(alu[op] + " eAX,Iv", String.format("%02x", op * 8 + 5), -2, 4, true, false);
            modrm(alu[op] + " Ev,Iv", "81", op, 4);
            modrm(alu[op] + " Ev,Ib", "83", op, 1);
        }
        modrm("IMUL Gv,Ev", "0faf", -1, 0);
        modrm("IMUL Gv,Ev,Iv", "69", -1, 4);
        modrm("IMUL Gv,Ev,Ib", "6b", -1, 1);
        String[] g3 = {"TEST", "TEST/1", "NOT", "NEG", "MUL", "IMUL", "DIV", "IDIV"};
        for (int d = 0; d < 8; d++) {
            modrm(g3[d] + " Ev", "f7", d, d < 2 ? 4 : 0);
        }
        for (int cc = 0; cc < 16; cc++) {
            modrm("SETcc " + cc, String.format("0f%02x", 0x90 + cc), 0, 0);
            modrm("CMOVcc " + cc, String.format("0f%02x", 0x40 + cc), -1, 0);
            form("Jcc8 " + cc, String.format("%02x", 0x70 + cc), -2, 1, true, false);
            form("Jcc32 " + cc, String.format("0f%02x", 0x80 + cc), -2, 4, true, false);
        }
        modrm("TEST Eb,Gb", "84", -1, 0);
        modrm("TEST Eb,Ib", "f6", 0, 1);
        modrm("TEST Ev,Gv", "85", -1, 0);
        form("TEST eAX,Iv", "a9", -2, 4, true, false);
        String[] g2 = {"ROL", "ROR", "RCL", "RCR", "SHL", "SHR", "SAL", "SAR"};
        for (int d = 0; d < 8; d++) {
            modrm(g2[d] + " Ev,Ib", "c1", d, 1);
            modrm(g2[d] + " Ev,1", "d1", d, 0);
            modrm(g2[d] + " Ev,CL", "d3", d, 0);
        }
        modrm("SHLD Ev,Gv,Ib", "0fa4", -1, 1);
        modrm("SHLD Ev,Gv,CL", "0fa5", -1, 0);
        modrm("SHRD Ev,Gv,Ib", "0fac", -1, 1);
        modrm("SHRD Ev,Gv,CL", "0fad", -1, 0);
        modrm("INC Ev", "ff", 0, 0);
        modrm("DEC Ev", "ff", 1, 0);
        modrm("CALL Ev", "ff", 2, 0);
        modrm("JMP Ev", "ff", 4, 0);
        modrm("PUSH Ev", "ff", 6, 0);
        modrm("MOVZX Gv,Eb", "0fb6", -1, 0);
        modrm("MOVZX Gv,Ew", "0fb7", -1, 0);
        modrm("MOVSX Gv,Eb", "0fbe", -1, 0);
        modrm("MOVSX Gv,Ew", "0fbf", -1, 0);
        modrm("CMP Eb,Ib", "80", 7, 1);
        modrm("CMP Eb,Ib (82)", "82", 7, 1);
        form("CMP AL,Ib", "3c", -2, 1, true, false);
        modrm("CMP Eb,Gb", "38", -1, 0);
        modrm("CMP Gb,Eb", "3a", -1, 0);
        modrm("MOV Eb,Gb", "88", -1, 0);
        modrm("MOV Gb,Eb", "8a", -1, 0);
        modrm("MOV Eb,Ib", "c6", 0, 1);
        modrm("MOV Ev,Gv", "89", -1, 0);
        modrm("MOV Gv,Ev", "8b", -1, 0);
        modrm("MOV Ev,Iv", "c7", 0, 4);
        form("LEA", "8d", -1, 0, false, true);
        for (int reg = 0; reg < 8; reg++) {
            form("MOV r8,Ib " + reg, String.format("%02x", 0xB0 + reg), -2, 1, true, false);
            form("MOV r32,Iv " + reg, String.format("%02x", 0xB8 + reg), -2, 4, true, false);
            form("INC r32 " + reg, String.format("%02x", 0x40 + reg), -2, 0, true, false);
            form("DEC r32 " + reg, String.format("%02x", 0x48 + reg), -2, 0, true, false);
            form("PUSH r32 " + reg, String.format("%02x", 0x50 + reg), -2, 0, true, false);
            form("POP r32 " + reg, String.format("%02x", 0x58 + reg), -2, 0, true, false);
        }
        form("PUSH Iv", "68", -2, 4, true, false);
        form("PUSH Ib", "6a", -2, 1, true, false);
        form("LEAVE", "c9", -2, 0, true, false);
        form("CDQ", "99", -2, 0, true, false);
        form("RET", "c3", -2, 0, true, false);
        form("CALL rel32", "e8", -2, 4, true, false);
        form("JMP rel32", "e9", -2, 4, true, false);
        form("JMP rel8", "eb", -2, 1, true, false);
    }

    /** Flag setters run first, so the instruction under test meets lazy flags of many kinds. */
    private static final String[] FLAG_SETTERS = {
        "01d8", "29d1", "46", "4f", "d1e7", "f9", "f8", "9e", "38d8", "11cb", "19d3", "0fafc3", "f7e1", "21c0",
        "c1f803", "d1d9",
    };

    @Test
    void everyFastHandlerMatchesTheGeneralPath() {
        Random rnd = new Random(0x5EED_FA57L);
        Rig fast = new Rig(true), slow = new Rig(false);
        int specialized = 0;
        List<String> failures = new ArrayList<>();
        for (Form f : FORMS) {
            boolean anyFast = false;
            for (int n = 0; n < CASES_PER_FORM && failures.size() < 10; n++) {
                Case c = randomCase(f, rnd);
                Insn probe = new Insn();
                Decoder.decode(lin -> c.code[lin - CODE] & 0xFF, CODE + c.prefixLength, true, probe);
                FastPath.specialize(probe);
                anyFast |= probe.h != 0;
                String a = fast.run(c), b = slow.run(c);
                if (!a.equals(b)) {
                    failures.add(f.name() + " " + HexFormat.of().formatHex(c.code) + "\n  fast:    " + a + "\n  general: " + b);
                }
            }
            if (anyFast) {
                specialized++;
            } else if (!f.name().contains("(82)")) {
                failures.add(f.name() + ": no case took a fast handler");
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " differences, e.g.\n" + String.join("\n", failures));
        }
        assertTrue(specialized > 200, "forms with a fast handler: " + specialized);
    }

    /** One program: a flag setter, the instruction under test, HLT; registers and memory to start with. */
    record Case(byte[] code, int prefixLength, int[] regs, int eflags, byte[] data, boolean esLimited) {
    }

    private static Case randomCase(Form f, Random rnd) {
        ByteArrayOutputStream code = new ByteArrayOutputStream();
        byte[] setter = HexFormat.of().parseHex(FLAG_SETTERS[rnd.nextInt(FLAG_SETTERS.length)]);
        code.writeBytes(setter);
        int[] regs = new int[8];
        for (int k = 0; k < 8; k++) {
            regs[k] = switch (rnd.nextInt(4)) {
                case 0 -> rnd.nextInt(64) - 32;
                case 1 -> rnd.nextBoolean() ? 0x80000000 : 0x7FFFFFFF;
                default -> rnd.nextInt();
            };
        }
        regs[4] = 0x80000 - 4 * rnd.nextInt(64) - (rnd.nextInt(8) == 0 ? 2 : 0);   // ESP
        regs[5] = 0x70000 + rnd.nextInt(0x1000);                                   // EBP (LEAVE)
        boolean esLimited = false;
        if (rnd.nextInt(10) == 0 && f.digit() != -2) {
            code.write(0x66);     // the operand-size prefix: 16-bit forms must not take 32-bit handlers
        }
        boolean mem = f.memOk() && (!f.regOk() || rnd.nextBoolean());
        int addrKind = rnd.nextInt(6);
        if (mem && addrKind == 4) {
            code.write(0x26);     // ES: a 64 KiB segment at 0x100000
            esLimited = true;
        }
        code.writeBytes(f.opcode());
        if (f.digit() != -2) {
            int reg = f.digit() >= 0 ? f.digit() : rnd.nextInt(8);
            if (!mem) {
                code.write(0xC0 | reg << 3 | rnd.nextInt(8));
            } else if (addrKind == 5) {
                // [EBX + ESI*scale + disp8]
                int scale = rnd.nextInt(4);
                code.write(0x44 | reg << 3);
                code.write(scale << 6 | 6 << 3 | 3);
                int disp = rnd.nextInt(256) - 128;
                code.write(disp);
                regs[6] = rnd.nextInt(64);
                regs[3] = DATA + 0x800 - (regs[6] << scale) - disp + rnd.nextInt(0x700);
            } else {
                int addr = switch (addrKind) {
                    case 0, 1 -> DATA + rnd.nextInt(0x1000 - 4);
                    case 2 -> DATA + 0xFFD + rnd.nextInt(3);           // crosses into the next page
                    case 3 -> ABSENT + rnd.nextInt(0x1000);              // not present: #PF
                    default -> 0xFFF8 + rnd.nextInt(8);                  // at ES's limit: #GP or not
                };
                code.write(0x05 | reg << 3);
                code.writeBytes(le32(addr));
            }
        }
        int imm = rnd.nextInt(3) == 0 ? rnd.nextInt(40) : rnd.nextInt();
        for (int k = 0; k < f.immBytes(); k++) {
            code.write(imm >>> (8 * k));
        }
        code.write(0xF4);
        byte[] data = new byte[0x2000];
        rnd.nextBytes(data);
        int eflags = (rnd.nextInt() & 0x8D5) | 2;
        return new Case(code.toByteArray(), setter.length, regs, eflags, data, esLimited);
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    /**
     * Everything a case can write: the tables and the handler, code and data, the stack (and what EBP
     * points at), what ES reaches, the page tables (accessed and dirty bits). Cleared before a case
     * and compared after it.
     */
    private static final int[][] RANGES = {
        {0, 0x8000}, {CODE, DATA + 0x2000}, {0x6F000, 0x81000}, {0x10E000, 0x111000}, {0x300000, 0x302000},
    };

    /** A machine reused for every case, with the fast path on or off. */
    private static final class Rig {
        final TestMachine m = new TestMachine(4 << 20);

        Rig(boolean fastPath) {
            m.cpu.fastPath = fastPath;
        }

        /** Runs the flag setter and the instruction (two instructions' budget); the state as text. */
        String run(Case c) {
            for (int[] range : RANGES) {
                Arrays.fill(m.ram.bytes, range[0], range[1], (byte) 0);
            }
            m.exceptions.clear();
            m.cpu.enter(new EntryState(CODE, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
            m.standardTables();
            for (int v = 0; v < 32; v++) {
                m.gate(TestMachine.IDT, v, 0x10, HANDLER, 0xE, 0);
            }
            m.ram.write8(HANDLER, 0xF4);
            m.load(CODE, c.code());
            m.load(DATA, c.data());
            m.load(0x10FFF8 - 0x1000, c.data());      // what ES (base 0x100000) reaches near its limit
            // identity paging for the first 4 MiB, with the page at ABSENT not present
            int pd = 0x300000, pt = 0x301000;
            for (int k = 0; k < 1024; k++) {
                m.ram.write32(pt + 4 * k, k << 12 | (k << 12 == ABSENT ? 0 : 3));
            }
            m.ram.write32(pd, pt | 3);
            m.cpu.setCr(3, pd);
            m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000);
            if (c.esLimited()) {
                m.cpu.loadSegment(0, 0x38);
            }
            for (int k = 0; k < 8; k++) {
                m.cpu.setReg(k, c.regs()[k]);
            }
            m.cpu.setEflags(c.eflags());
            long before = m.cpu.instructions();
            Stop s = m.cpu.run(2);
            StringBuilder sb = new StringBuilder();
            sb.append(s).append(" retired ").append(m.cpu.instructions() - before);
            for (int k = 0; k < 8; k++) {
                sb.append(String.format(" r%d=%08x", k, m.cpu.reg(k)));
            }
            sb.append(String.format(" eip=%08x eflags=%08x cr2=%08x", m.cpu.eip(), m.cpu.eflags(), m.cpu.cr(2)));
            for (int[] e : m.exceptions) {
                sb.append(" exc=").append(Arrays.toString(e));
            }
            for (int[] range : RANGES) {
                sb.append(" ram#").append(Arrays.hashCode(Arrays.copyOfRange(m.ram.bytes, range[0], range[1])));
            }
            return sb.toString();
        }
    }

    @Test
    void theRigSeesADifference() {
        // The comparison is not blind: the same case with one register changed differs.
        Random rnd = new Random(1);
        Case c = randomCase(FORMS.get(0), rnd);
        Rig a = new Rig(true);
        String one = a.run(c);
        c.regs()[0] ^= 1;
        assertEquals(false, one.equals(a.run(c)));
    }
}
