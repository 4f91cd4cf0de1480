package jlguest.cpu.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import jlguest.cpu.Opcode;

/**
 * Turns one variant of a table row into one concrete case: prefixes, opcode, ModRM/SIB,
 * immediates, and the registers and memory that go with them.
 *
 * <p>tour:difftest:090 Everything the encoder knows about an instruction it reads from the row's
 * operand kinds (Intel's Eb, Gv, Iz, Jb, Xv, ...): where each operand lives, how wide it is, how
 * many immediate bytes follow. Values that only make sense for particular instructions (a divisor
 * that does not overflow, a return address on the stack) are {@link Shaping}'s business.
 */
final class Encoder {
    final Forms.Variant v;
    final Opcode row;
    final CaseBuilder b;
    final SplittableRandom rnd;
    final int osize;
    /** Address size in bits: 16 under a 0x67 prefix. */
    int asize = 32;
    int regField = -1;
    int rm = -1;
    /** The ModRM memory operand, or null. */
    Addressing.Mem mem;
    /** Operand locations in row order (null for immediates and fixed non-register operands). */
    final List<CaseBuilder.Loc> locs = new ArrayList<>();
    /** Immediate values in row order (0 for non-immediates). */
    final List<Long> imms = new ArrayList<>();
    int codeLength;

    private Encoder(Forms.Variant v, SplittableRandom rnd) {
        this.v = v;
        this.row = v.row();
        this.rnd = rnd;
        this.b = new CaseBuilder(rnd);
        this.osize = v.osize();
    }

    String mnemonic() {
        return row.mnemonic(osize == 16 ? 16 : 32);
    }

    List<String> kinds() {
        return row.operands();
    }

    boolean has(int attr) {
        return (row.attrs() & attr) != 0;
    }

    /** Builds one case of {@code v}; null when this draw could not be made to fit (try again). */
    static DiffCase build(Forms.Variant v, SplittableRandom rnd, Names names) {
        Encoder e = new Encoder(v, rnd);
        if (!e.encode()) {
            return null;
        }
        List<DiffCase.Patch> patches = e.b.patches();
        byte[] code = e.b.code.toByteArray();
        if (patches == null || code.length > 15) {
            return null;
        }
        int form = names.index(v.name() + e.b.tags);
        return new DiffCase(form, code, e.b.eflags, e.b.regs.clone(), e.b.seed, patches,
                e.b.undefFlags & 0xFFFF, null);
    }

    private boolean encode() {
        prefixes();
        Shaping.before(this);
        if (row.code() >= 0x100) {
            b.emit(0x0F);
        }
        b.emit(row.code() & 0xFF);
        if (row.hasModrm()) {
            modrm();
        }
        codeLength = b.code.size() + immediateBytes();
        for (String k : kinds()) {
            long imm = 0;
            char c = k.charAt(0);
            if (k.length() > 1 && (c == 'I' || c == 'J' || c == 'O')) {
                int bytes = immediateSize(k);
                imm = Shaping.immediate(this, k, bytes);
                b.emit(imm, bytes);
            }
            imms.add(imm);
            locs.add(location(k, imm));
        }
        assignValues();
        b.undefFlags = row.flagsUndefined();
        return Shaping.after(this);
    }

    /** Prefixes in a random order: REP, LOCK, segment override, 0x66, 0x67; the mandatory one last. */
    private void prefixes() {
        List<Integer> p = new ArrayList<>();
        if (v.rep() != 0) {
            p.add(v.rep());
        }
        String group = v.group();
        boolean memShape = v.shape() == Forms.Shape.MEM;
        int lockOdds = has(Opcode.LOCKABLE) ? (memShape ? 30 : 4)
                : !has(Opcode.BRANCH) && List.of("alu", "move", "bit", "shift", "muldiv").contains(group) ? 2 : 0;
        if (rnd.nextInt(100) < lockOdds) {
            p.add(0xF0);
            b.tags.append(" lock");
        }
        boolean string = kinds().stream().anyMatch(k -> k.startsWith("X") || k.startsWith("Y"));
        boolean moffs = kinds().stream().anyMatch(k -> k.startsWith("O"));
        String m = mnemonic();
        int a16Odds = memShape ? (m.equals("LEA") ? 30 : 6) : string || moffs || m.equals("XLAT") ? 8
                : m.startsWith("LOOP") || m.startsWith("JCXZ") || m.startsWith("JECXZ") ? 30 : 0;
        if (rnd.nextInt(100) < a16Odds) {
            p.add(0x67);
            asize = 16;
            b.tags.append(" a16");
        }
        if ((memShape || string || moffs || m.equals("XLAT")) && rnd.nextInt(100) < 12) {
            p.add(new int[] {0x26, 0x2E, 0x36, 0x3E}[rnd.nextInt(4)]);
            b.tags.append(" seg");
        }
        if (v.o16()) {
            p.add(0x66);
        }
        for (int i = p.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            p.set(j, p.set(i, p.get(j)));
        }
        if (row.prefix() != 0) {
            p.add(row.prefix());
        }
        for (int x : p) {
            b.emit(x);
        }
    }

    private void modrm() {
        if (row.modrm() >= 0) {
            b.emit(row.modrm());
            regField = (row.modrm() >> 3) & 7;
            rm = row.modrm() & 7;
            return;
        }
        regField = row.reg() >= 0 ? row.reg() : Shaping.regField(this);
        if (v.shape() == Forms.Shape.REG) {
            rm = rnd.nextInt(8);
            b.emit(0xC0 | regField << 3 | rm);
            return;
        }
        String k = kinds().stream().filter(x -> x.startsWith("E") || x.startsWith("M")).findFirst().orElse("M");
        int len = memoryBytes(k);
        if (asize == 16) {
            mem = Addressing.modrm16(b, regField);
        } else {
            boolean computesOnly = mnemonic().equals("LEA") || mnemonic().equals("NOP");
            mem = Addressing.modrm32(b, regField, len, computesOnly, true);
        }
    }

    /** Width in bits of an operand kind's data. */
    int bits(String k) {
        return switch (k) {
            case "AL", "CL" -> 8;
            case "AX", "DX" -> 16;
            case "eAX" -> osize;
            case "1" -> 8;
            default -> switch (k.charAt(k.length() - 1)) {
                case 'b' -> 8;
                case 'w' -> 16;
                case 'd' -> 32;
                case 'q' -> 64;
                default -> osize;       // v, z, s (Ibs), and the like
            };
        };
    }

    /** Bytes a memory operand kind touches (0 for a bare M, which is only an address). */
    int memoryBytes(String k) {
        if (k.equals("M")) {
            return 0;
        }
        return switch (k.substring(1)) {
            case "p" -> osize / 8 + 2;
            case "a" -> 2 * osize / 8;
            case "s" -> 6;
            default -> bits(k) / 8;
        };
    }

    private int immediateSize(String k) {
        return switch (k) {
            case "Ib", "Ibs", "Jb" -> 1;
            case "Iw" -> 2;
            case "Ob", "Ov" -> asize / 8;
            default -> osize == 16 ? 2 : 4;   // Iz, Iv, Jz
        };
    }

    private int immediateBytes() {
        int n = 0;
        for (String k : kinds()) {
            char c = k.charAt(0);
            if (k.length() > 1 && (c == 'I' || c == 'J' || c == 'O')) {
                n += immediateSize(k);
            }
        }
        return n;
    }

    private CaseBuilder.Loc location(String k, long imm) {
        char c = k.charAt(0);
        switch (k) {
            case "AL": return CaseBuilder.Loc.reg(0, 8);
            case "CL": return CaseBuilder.Loc.reg(1, 8);
            case "AX": return CaseBuilder.Loc.reg(0, 16);
            case "DX": return CaseBuilder.Loc.reg(2, 16);
            case "eAX": return CaseBuilder.Loc.reg(0, osize);
            default: break;
        }
        if (k.length() < 2 || !Character.isLowerCase(k.charAt(1))) {
            return null;     // 1, ES, CS, ...
        }
        return switch (c) {
            case 'E', 'M', 'R' -> mem != null ? CaseBuilder.Loc.mem(mem.addr(), Math.max(8, Math.min(64, bits(k))))
                    : rm >= 0 ? CaseBuilder.Loc.reg(rm, bits(k) == 64 ? 32 : bits(k)) : null;
            case 'G' -> CaseBuilder.Loc.reg(regField, bits(k));
            case 'Z' -> CaseBuilder.Loc.reg(row.code() & 7, bits(k));
            case 'O' -> CaseBuilder.Loc.mem((int) imm, bits(k));
            case 'X' -> CaseBuilder.Loc.mem(address(b.regs[CaseBuilder.ESI]), bits(k));
            case 'Y' -> CaseBuilder.Loc.mem(address(b.regs[CaseBuilder.EDI]), bits(k));
            default -> null;
        };
    }

    /** A register's value as an address of the current address size. */
    int address(int reg) {
        return asize == 16 ? reg & 0xFFFF : reg;
    }

    /** Edge values for about half of the data operands; registers pinned for addresses stay. */
    private void assignValues() {
        for (int i = 0; i < locs.size(); i++) {
            CaseBuilder.Loc l = locs.get(i);
            String k = kinds().get(i);
            if (l == null || k.length() > 1 && "SCDMXY".indexOf(k.charAt(0)) >= 0) {
                continue;
            }
            if (rnd.nextInt(100) < 55) {
                b.write(l, Values.edge(rnd, l.bits()));
            }
        }
    }
}
