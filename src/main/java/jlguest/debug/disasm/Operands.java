package jlguest.debug.disasm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jlguest.cpu.DecodedInstruction;
import jlguest.cpu.Opcode;

/**
 * Prints a decoded row: each operand kind of the Intel manual's notation becomes text, and the
 * mnemonic and prefixes get GNU objdump's spelling.
 *
 * <p>tour:monitor:030 Operand kinds are two letters: how the operand is encoded (E = ModRM r/m,
 * G = ModRM reg, I = immediate, J = branch offset, ...) and its size (b, w, d, v = 16 or 32 by
 * the operand size). The CPU's decoder has already read every byte: the memory operand as base,
 * index, scale and displacement, the immediates in imm and imm2; this class only spells them.
 */
final class Operands {
    static final String[] REG32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    static final String[] REG16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    static final String[] REG8 = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
    static final String[] SEG = {"es", "cs", "ss", "ds", "fs", "gs", "?", "?"};
    private static final String[] MEM16 = {"bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx"};

    private final Disassembler.Decoding d;
    private final Opcode row;
    private final boolean x87;
    private final DecodedInstruction insn;
    private String memory;       // the ModRM memory operand without its PTR
    private boolean opsizeUsed;
    private boolean hasRel;
    private int immediates;      // how many immediates the operands have printed so far

    private Operands(Disassembler.Decoding d) {
        this.d = d;
        this.row = d.row;
        this.insn = d.insn;
        this.x87 = (row.attrs() & Opcode.X87) != 0 && row.hasModrm();
    }

    static Instruction format(Disassembler.Decoding d) {
        return new Operands(d).build(d.row.prefix());   // PAUSE (F3 90), the SSE forms, TZCNT...
    }

    private Instruction build(int mandatory) {
        if (d.modrm >= 0 && d.modrm < 0xC0) {
            memory = memoryOperand();
        }
        List<String> ops = new ArrayList<>();
        String mnem = row.mnemonic(d.opsize).toLowerCase(Locale.ROOT);
        if (x87) {
            mnem = x87Operands(mnem, ops);
        } else {
            for (String k : row.operands()) {
                ops.add(operand(k));
            }
        }
        mnem = objdumpName(mnem, ops);
        if (d.opcode == 0x90 && d.saw66 && mandatory == 0) {
            mnem = "xchg";
            ops = List.of("ax", "ax");
            opsizeUsed = true;
        }
        long target = -1;
        if (hasRel) {
            int t = d.address + insn.length() + insn.imm();
            target = d.opsize == 16 ? t & 0xFFFF : t & 0xFFFFFFFFL;
            ops.set(ops.size() - 1, hex(target));
        }
        return new Instruction(d.address, insn.length(), prefixes(mandatory), mnem, ops, target, d.bytes);
    }

    /** Prefixes that did not become part of an operand, as objdump names them. */
    private List<String> prefixes(int mandatory) {
        List<String> out = new ArrayList<>();
        boolean string = (row.attrs() & Opcode.REP) != 0;
        for (int p : d.prefixOrder) {
            switch (p) {
                case 0xF0 -> out.add("lock");
                case 0xF2 -> {
                    if (mandatory != 0xF2) {
                        out.add("repnz");
                    }
                }
                case 0xF3 -> {
                    if (mandatory != 0xF3) {
                        boolean compares = row.mnemonic().startsWith("CMPS") || row.mnemonic().startsWith("SCAS");
                        out.add(string && !compares ? "rep" : "repz");
                    }
                }
                case 0x66 -> {
                    if (!opsizeUsed && mandatory != 0x66) {
                        out.add("data16");
                    }
                }
                case 0x67 -> {
                    if (!string && memory == null) {
                        out.add("addr16");
                    }
                }
                default -> {
                    if (!d.segUsed) {
                        out.add(SEG[segOf(p)]);
                    }
                }
            }
        }
        // objdump prints the last REP-class prefix only once, and a prefix seen twice twice:
        return out;
    }

    private static int segOf(int prefix) {
        return switch (prefix) {
            case 0x26 -> 0;
            case 0x2E -> 1;
            case 0x36 -> 2;
            case 0x3E -> 3;
            case 0x64 -> 4;
            default -> 5;
        };
    }

    // ---- operand kinds ------------------------------------------------------------------------

    private String operand(String k) {
        switch (k) {
            case "AL": return "al";
            case "CL": return "cl";
            case "DX": return "dx";
            case "AX": return "ax";
            case "1": return "1";
            case "eAX": return reg(0, 'v');
            case "ES", "CS", "SS", "DS", "FS", "GS": return k.toLowerCase(Locale.ROOT);
            default: break;
        }
        char kind = k.charAt(0);
        if ("PQNVWU".indexOf(kind) >= 0 || kind == 'M' && k.length() > 2) {
            return simdOperand(kind, k.substring(1));
        }
        if (kind == 'E' && k.equals("Ew") && row.mnemonic().equals("PINSRW") && d.modrm >= 0xC0) {
            return REG32[d.modrm & 7];   // objdump names the whole register
        }
        char size = k.length() > 1 ? k.charAt(1) : ' ';
        if (size == 'v' || size == 'z' || size == 'p' || size == 'a') {
            opsizeUsed = true;
        }
        int rm = d.modrm & 7;
        int regField = (d.modrm >> 3) & 7;
        switch (kind) {
            case 'E':
                if (d.modrm >= 0xC0) {
                    return reg(rm, isMovSreg() || storesSystemRegister() ? 'v' : size);
                }
                return ptr(isMovSreg() ? 'w' : size) + memory;
            case 'M':
                return ptr(k.length() > 1 ? size : ' ') + memory;
            case 'G':
                return reg(regField, size);
            case 'R':
                return reg(rm, size);
            case 'S':
                return SEG[regField];
            case 'C':
                return "cr" + regField;
            case 'D':
                return "dr" + regField;
            case 'Z':
                return reg(d.opcode & 7, size);
            case 'I':
                return immediate(k);
            case 'J':
                hasRel = true;   // the decoder sign-extended the offset into imm
                opsizeUsed = true;
                return "";
            case 'A':   // the far pointer: offset in imm, selector in imm2
                return hex(insn.imm2() & 0xFFFF) + ":" + hex(insn.imm() & 0xFFFFFFFFL);
            case 'O': {
                long off = insn.disp() & (d.adsize == 16 ? 0xFFFFL : 0xFFFFFFFFL);
                d.segUsed = d.seg >= 0;
                return (d.seg >= 0 ? SEG[d.seg] : "ds") + ":" + hex(off);   // objdump prints no size here
            }
            case 'X': {
                d.segUsed = d.seg >= 0;
                String si = d.adsize == 16 ? "si" : "esi";
                return ptr(size) + (d.seg >= 0 ? SEG[d.seg] : "ds") + ":[" + si + "]";
            }
            case 'Y':
                return ptr(size) + "es:[" + (d.adsize == 16 ? "di" : "edi") + "]";
            default:
                return k.toLowerCase(Locale.ROOT);
        }
    }

    /**
     * MMX and SSE operands: P/N an MMX register by reg/rm, Q one or memory; V/U an XMM register,
     * W one or memory. The size suffix names the memory operand's width as objdump does:
     * ps, pd and dq are XMMWORD, sd and q QWORD, ss and d DWORD.
     */
    private String simdOperand(char kind, String size) {
        int rm = d.modrm & 7;
        int regField = (d.modrm >> 3) & 7;
        switch (kind) {
            case 'P': return "mm" + regField;
            case 'N': return "mm" + rm;
            case 'V': return "xmm" + regField;
            case 'U': return "xmm" + rm;
            default: break;
        }
        if (d.modrm >= 0xC0 && kind != 'M') {
            return (kind == 'Q' ? "mm" : "xmm") + rm;
        }
        String ptr = switch (size) {
            case "ps", "pd", "dq" -> "XMMWORD PTR ";
            case "sd", "q" -> "QWORD PTR ";
            case "ss", "d" -> "DWORD PTR ";
            case "w" -> "WORD PTR ";
            case "b" -> "BYTE PTR ";
            default -> "";
        };
        return ptr + memory;
    }

    private static final String[] CMP_PREDICATES = {"eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord"};

    /** SLDT, STR and SMSW to a register write the whole register: objdump names it by operand size. */
    private boolean storesSystemRegister() {
        int reg = (d.modrm >> 3) & 7;
        return d.opcode == 0x100 && reg < 2 || d.opcode == 0x101 && reg == 4;
    }

    private boolean isMovSreg() {
        return d.opcode == 0x8C || d.opcode == 0x8E;
    }

    /** An immediate: the decoder put the first in imm (sign-extended), ENTER's second in imm2. */
    private String immediate(String k) {
        int v = immediates++ == 0 ? insn.imm() : insn.imm2();
        switch (k) {
            case "Ib":
                return hex(v & 0xFF);
            case "Iw":
                return hex(v & 0xFFFF);
            default: {   // Ibs, Iz, Iv
                opsizeUsed = true;
                return d.opsize == 16 ? hex(v & 0xFFFF) : hex(v & 0xFFFFFFFFL);
            }
        }
    }

    private String reg(int n, char size) {
        return switch (size) {
            case 'b' -> REG8[n];
            case 'w' -> REG16[n];
            case 'd' -> REG32[n];
            default -> {
                opsizeUsed = true;
                yield d.opsize == 16 ? REG16[n] : REG32[n];
            }
        };
    }

    private String ptr(char size) {
        return switch (size) {
            case 'b' -> "BYTE PTR ";
            case 'w' -> "WORD PTR ";
            case 'd' -> "DWORD PTR ";
            case 'q' -> "QWORD PTR ";
            case 't' -> "TBYTE PTR ";
            case 'v', 'z' -> d.opsize == 16 ? "WORD PTR " : "DWORD PTR ";
            case 'p' -> d.opsize == 16 ? "DWORD PTR " : "FWORD PTR ";
            case 'a' -> d.opsize == 16 ? "DWORD PTR " : "QWORD PTR ";
            default -> "";
        };
    }

    // ---- the memory operand -------------------------------------------------------------------

    /** The decoded memory operand as text: "[ebx+esi*4+0x10]", "ds:0xc0400000", "fs:[eax]"... */
    private String memoryOperand() {
        d.segUsed = d.seg >= 0;
        String seg = d.seg >= 0 ? SEG[d.seg] + ":" : "";
        int mod = d.modrm >> 6;
        int rm = d.modrm & 7;
        int disp = insn.disp();
        if (d.adsize == 16) {
            if (mod == 0 && rm == 6) {
                return (seg.isEmpty() ? "ds:" : seg) + hex(disp & 0xFFFF);
            }
            return seg + "[" + MEM16[rm] + (mod != 0 ? signed(disp) : "") + "]";
        }
        boolean haveSib = rm == 4;
        int scale = insn.scale();
        int base = insn.base();      // -1: none (SIB base 5 or ModRM rm 5 with mod 0)
        int index = insn.index();    // -1: none (SIB index 4)
        boolean haveBase = base >= 0;
        boolean printIndex = haveSib && (scale != 0 || index >= 0 || haveBase && base != 4);
        if (!haveBase && !printIndex) {
            return (seg.isEmpty() ? "ds:" : seg) + hex(disp & 0xFFFFFFFFL);
        }
        StringBuilder s = new StringBuilder(seg).append('[');
        if (haveBase) {
            s.append(REG32[base]);
        }
        if (printIndex) {
            if (haveBase) {
                s.append('+');
            }
            s.append(index >= 0 ? REG32[index] : "eiz").append('*').append(1 << scale);
        }
        if (mod != 0 || !haveBase) {
            s.append(signed(disp));
        }
        return s.append(']').toString();
    }

    private static String signed(int disp) {
        if (disp < 0) {
            return "-" + hex(-(long) disp);
        }
        return "+" + hex(disp & 0xFFFFFFFFL);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    // ---- names --------------------------------------------------------------------------------

    private String objdumpName(String m, List<String> ops) {
        switch (m) {
            case "pushad": return "pusha";
            case "popad": return "popa";
            case "pushfd": return "pushf";
            case "popfd": return "popf";
            case "iretd": return "iret";
            case "callf": return "call";
            case "jmpf": return "jmp";
            case "sal": return "shl";
            case "cmpps", "cmppd", "cmpss", "cmpsd": {
                // objdump spells the predicate into the name (cmpltps) when it is one of the eight
                if ((row.attrs() & (Opcode.SSE)) != 0) {
                    String last = ops.get(ops.size() - 1);
                    int imm = Integer.decode(last);
                    if (imm < 8) {
                        ops.remove(ops.size() - 1);
                        return "cmp" + CMP_PREDICATES[imm] + m.substring(3);
                    }
                }
                break;
            }
            case "lgdt", "sgdt", "lidt", "sidt":
                opsizeUsed = true;
                return m + (d.opsize == 16 ? "w" : "d");
            case "xlat":
                d.segUsed = d.seg >= 0;
                ops.add("BYTE PTR " + (d.seg >= 0 ? SEG[d.seg] : "ds") + ":[" + (d.adsize == 16 ? "bx" : "ebx") + "]");
                return m;
            default: break;
        }
        if ((row.attrs() & Opcode.REP) != 0) {
            return m.substring(0, m.length() - 1);   // movsd -> movs: the operands carry the size
        }
        return m;
    }

    /** x87 operands: memory sizes from the row's "m32"-style suffix, ST(i) for register forms. */
    private String x87Operands(String mnem, List<String> ops) {
        String[] parts = mnem.split(" ");
        String name = parts[0];
        if (d.modrm < 0xC0) {
            char size = ' ';
            if (parts.length > 1) {
                size = switch (parts[1]) {
                    case "m16" -> 'w';
                    case "m32" -> 'd';
                    case "m64" -> 'q';
                    default -> 't';
                };
            } else if (name.equals("fldcw") || name.equals("fnstcw") || name.equals("fnstsw")) {
                size = 'w';
            } else if (name.equals("fbld") || name.equals("fbstp")) {
                size = 't';
            }
            ops.add(ptr(size) + memory);
            return name;
        }
        if (row.operands().isEmpty()) {
            return name;
        }
        if (row.operands().get(0).equals("AX")) {
            ops.add("ax");
            return name;
        }
        String sti = "st(" + (d.modrm & 7) + ")";
        boolean twoOps = name.matches("f(add|mul|sub|subr|div|divr)p?|fcmov.*|fu?comip?");
        if (!twoOps) {
            ops.add(sti);
        } else if (d.opcode == 0xDC || d.opcode == 0xDE) {
            ops.add(sti);
            ops.add("st");
        } else {
            ops.add("st");
            ops.add(sti);
        }
        return name;
    }
}
