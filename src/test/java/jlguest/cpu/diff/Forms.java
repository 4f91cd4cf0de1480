package jlguest.cpu.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jlguest.cpu.Opcode;
import jlguest.cpu.OpcodeTable;

/**
 * Which instruction forms the differential test covers, read from the CPU's opcode table.
 *
 * <p>tour:difftest:070 There is no second list of instructions here: every row of
 * {@link OpcodeTable#ROWS} becomes one or more variants (operand size 8/16/32, register or memory
 * ModRM form, with or without REP), unless the row is on the short list below of things a user-mode
 * process on a Linux host cannot observe faithfully. Each variant gets a name, a group (one vector
 * file per group) and a number of cases.
 */
final class Forms {
    private Forms() {
    }

    /** The ModRM shape of a variant. */
    enum Shape { NONE, REG, MEM }

    /**
     * One thing to test.
     *
     * @param row   the table row
     * @param osize operand size in bits (8, 16, 32); a 16-bit variant of a V row carries 0x66
     * @param o16   true when the variant carries the 0x66 prefix
     * @param shape register or memory ModRM form, or none
     * @param rep   0, 0xF3 or 0xF2 (string rows only)
     * @param group the vector file it goes to
     * @param count how many cases
     */
    record Variant(Opcode row, int osize, boolean o16, Shape shape, int rep, String group, int count) {
        String name() {
            StringBuilder sb = new StringBuilder();
            if (rep != 0) {
                sb.append(rep == 0xF3 ? "REP " : "REPNE ");
            }
            sb.append(row.mnemonic(osize == 16 ? 16 : 32));
            if (!row.operands().isEmpty()) {
                sb.append(' ').append(String.join(",", row.operands()));
            }
            if (o16) {
                sb.append(" o16");
            }
            if (shape != Shape.NONE) {
                sb.append(shape == Shape.MEM ? " mem" : " reg");
            }
            return sb.toString();
        }
    }

    /**
     * Rows left out, with the reason. Everything else in the table (minus x87, which is a separate
     * issue) is tested, privileged and I/O instructions included: at CPL 3 they must raise #GP.
     */
    static final Map<String, String> EXCLUDED = Map.ofEntries(
            Map.entry("CPUID", "reports the host CPU, not ours"),
            Map.entry("RDTSC", "time differs by nature"),
            Map.entry("SGDT", "host has UMIP; Linux emulates it with dummy values"),
            Map.entry("SIDT", "host has UMIP; Linux emulates it with dummy values"),
            Map.entry("SLDT", "host has UMIP; Linux emulates it with dummy values"),
            Map.entry("STR", "host has UMIP; Linux emulates it with dummy values"),
            Map.entry("SMSW", "host has UMIP; Linux emulates it with dummy values"),
            Map.entry("LAR", "depends on the host's descriptor tables"),
            Map.entry("LSL", "depends on the host's descriptor tables"),
            Map.entry("VERR", "depends on the host's descriptor tables"),
            Map.entry("VERW", "depends on the host's descriptor tables"),
            Map.entry("VMCALL", "intercepted by the host's hypervisor"),
            Map.entry("SYSENTER", "enters the host kernel"),
            Map.entry("INT1", "ICEBP: the host's debug machinery answers"),
            Map.entry("CALLF", "far transfers need the host's selectors (not covered yet)"),
            Map.entry("JMPF", "far transfers need the host's selectors (not covered yet)"),
            Map.entry("RETF", "far transfers need the host's selectors (not covered yet)"),
            Map.entry("IRET/IRETD", "far transfers need the host's selectors (not covered yet)"),
            Map.entry("LFS", "FS and GS hold the host's thread pointer"),
            Map.entry("LGS", "FS and GS hold the host's thread pointer"));

    private static boolean excluded(Opcode o) {
        if ((o.attrs() & (Opcode.X87 | Opcode.UNIMPLEMENTED | Opcode.MMX | Opcode.SSE | Opcode.SIMD | Opcode.LATER)) != 0
                || EXCLUDED.containsKey(o.mnemonic())) {
            return true;
        }
        // PUSH FS / POP FS / PUSH GS / POP GS: the host's TLS selectors.
        return o.operands().contains("FS") || o.operands().contains("GS");
    }

    private static final Map<String, String> GROUP_OF = groupMap();

    private static Map<String, String> groupMap() {
        java.util.HashMap<String, String> m = new java.util.HashMap<>();
        for (String s : "ADD OR ADC SBB AND SUB XOR CMP TEST INC DEC NEG NOT".split(" ")) {
            m.put(s, "alu");
        }
        for (String s : "ROL ROR RCL RCR SHL SHR SAL SAR SHLD SHRD".split(" ")) {
            m.put(s, "shift");
        }
        for (String s : "MUL IMUL DIV IDIV AAA AAS DAA DAS AAM AAD".split(" ")) {
            m.put(s, "muldiv");
        }
        for (String s : "BT BTS BTR BTC BSF BSR BSWAP".split(" ")) {
            m.put(s, "bit");
        }
        for (String s : "MOVSB MOVSW MOVSD CMPSB CMPSW CMPSD STOSB STOSW STOSD LODSB LODSW LODSD SCASB SCASW SCASD"
                .split(" ")) {
            m.put(s, "string");
        }
        for (String s : "PUSH POP PUSHA PUSHAD POPA POPAD PUSHF PUSHFD POPF POPFD ENTER LEAVE".split(" ")) {
            m.put(s, "stack");
        }
        for (String s : "CLC STC CMC CLD STD SAHF LAHF SALC NOP PAUSE ARPL".split(" ")) {
            m.put(s, "misc");
        }
        for (String s : "JMP CALL RET LOOP LOOPE LOOPNE JCXZ JECXZ INT INT3 INTO BOUND".split(" ")) {
            m.put(s, "branch");
        }
        return m;
    }

    /** The vector file a row belongs to. */
    static String group(Opcode o) {
        String m = o.mnemonic(32);
        if ((o.attrs() & (Opcode.PRIVILEGED | Opcode.IO)) != 0 || Set.of("CLI", "STI", "UD2").contains(m)) {
            return "system";
        }
        if (m.startsWith("J") || m.startsWith("LOOP")) {
            return "branch";
        }
        if (m.startsWith("SET") || m.startsWith("CMOV")) {
            return "cond";
        }
        return GROUP_OF.getOrDefault(m, "move");
    }

    /** Every variant of every testable row, with case counts multiplied by {@code scale}. */
    static List<Variant> all(double scale) {
        List<Variant> out = new ArrayList<>();
        for (Opcode o : OpcodeTable.ROWS) {
            if (excluded(o)) {
                continue;
            }
            String group = group(o);
            List<Integer> sizes = switch (o.size()) {
                case V -> List.of(32, 16);
                case BYTE -> List.of(8);
                case WORD -> List.of(16);
                default -> List.of(32);
            };
            List<Shape> shapes = switch (o.mod()) {
                case NONE -> List.of(Shape.NONE);
                case MEM -> List.of(Shape.MEM);
                case REG -> List.of(Shape.REG);
                case ANY -> registerOnly(o) ? List.of(Shape.REG) : List.of(Shape.REG, Shape.MEM);
            };
            List<Integer> reps = List.of(0);
            if ((o.attrs() & Opcode.REP) != 0) {
                String m = o.mnemonic(32);
                reps = m.startsWith("CMPS") || m.startsWith("SCAS") ? List.of(0, 0xF3, 0xF2) : List.of(0, 0xF3);
            }
            for (int size : sizes) {
                for (Shape shape : shapes) {
                    for (int rep : reps) {
                        boolean o16 = o.size() == Opcode.OpSize.V && size == 16;
                        int n = (int) Math.round(weight(o, group, shape, o16) * scale);
                        out.add(new Variant(o, size, o16, shape, rep, group, Math.max(n, 4)));
                    }
                }
            }
        }
        return out;
    }

    /** MOV to and from control and debug registers: the ModRM mod field is ignored, always a register. */
    private static boolean registerOnly(Opcode o) {
        return o.operands().stream().anyMatch(k -> k.equals("Rd") || k.equals("Cd") || k.equals("Dd"));
    }

    /**
     * How many cases a variant gets, before scaling. Faulting-only forms need few; forms whose
     * result depends on many input bits (shifts, division, strings, memory addressing) need many.
     */
    private static double weight(Opcode o, String group, Shape shape, boolean o16) {
        if (group.equals("system")) {
            return 16;
        }
        if ((o.attrs() & Opcode.BRANCH) != 0 && o16) {
            return 40;   // 16-bit EIP: mostly a fetch fault below 64 KiB
        }
        double w = switch (group) {
            case "muldiv" -> 500;
            case "string" -> 700;
            case "shift" -> 240;
            case "bit" -> 320;
            case "alu" -> 140;
            default -> 220;
        };
        if (shape == Shape.MEM) {
            w *= 1.25;
        } else if (shape == Shape.NONE) {
            w *= 0.75;
        }
        return w;
    }
}
