package jlguest.cpu;

/**
 * The instruction decoder: bytes to {@link Insn}, driven by {@link OpcodeTable}.
 *
 * <p>tour:cpu:610 Decoding reads prefixes until the first non-prefix byte, then the opcode (one
 * byte, or 0F and a second byte), then asks the table whether a ModRM byte follows. The row found
 * for (opcode, ModRM) says how many immediate bytes come next, or that the form does not exist
 * (#UD). Addressing forms are turned into base + index * scale + displacement once, here.
 */
final class Decoder {
    /** Where the decoder gets bytes: linear address to byte, may throw a GuestFault (#PF). */
    interface Fetch {
        int fetch8(int linear);
    }

    private static final java.util.IdentityHashMap<Opcode, Integer> IMM = new java.util.IdentityHashMap<>();

    static {
        for (Opcode o : OpcodeTable.ROWS) {
            IMM.put(o, OpcodeTable.immediateKind(o));
        }
    }

    /** 16-bit addressing: [BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI] [DI] [BP] [BX]. */
    private static final int[] REG16_BASE = {3, 3, 5, 5, 6, 7, 5, 3};
    private static final int[] REG16_INDEX = {6, 7, 6, 7, -1, -1, -1, -1};

    private Decoder() {
    }

    /**
     * Decodes one instruction at linear address {@code lin} (whose EIP-relative position the
     * caller knows) into {@code d}. Fetch faults propagate as GuestFault.
     */
    static void decode(Fetch f, int lin, boolean code32, Insn d) {
        decode(f, lin, code32, d, false);
    }

    /**
     * As {@link #decode(Fetch, int, boolean, Insn)}; with {@code describe} set, for a
     * disassembler rather than this CPU: the row comes from {@link OpcodeTable#describe}, so a
     * later processor's encoding (0F 38 xx, 0F 3A xx, TZCNT...) is decoded in full and named
     * instead of ending at #UD. An encoding no row describes leaves {@code row} null and
     * {@code len} just past its opcode (and ModRM) bytes.
     */
    static void decode(Fetch f, int lin, boolean code32, Insn d, boolean describe) {
        boolean o32 = code32, a32 = code32, lock = false;
        int rep = 0, seg = -1;
        int p = 0;
        int b;
        for (;;) {
            if (p >= 15) {
                d.op = Insn.OP_FAULT;
                d.imm = Memory.GP;
                d.imm2 = 0;
                d.len = 15;
                return;
            }
            b = f.fetch8(lin + p++);
            switch (b) {
                case 0x26: seg = 0; continue;
                case 0x2E: seg = 1; continue;
                case 0x36: seg = 2; continue;
                case 0x3E: seg = 3; continue;
                case 0x64: seg = 4; continue;
                case 0x65: seg = 5; continue;
                case 0x66: o32 = !code32; continue;
                case 0x67: a32 = !code32; continue;
                case 0xF0: lock = true; continue;
                case 0xF2: case 0xF3: rep = b; continue;
                default: break;
            }
            break;
        }
        d.prefixes = p - 1;
        int code = b;
        if (b == 0x0F) {
            code = 0x100 | f.fetch8(lin + p++);
            if (describe && (code == 0x138 || code == 0x13A)) {
                code = (code == 0x138 ? 0x200 : 0x300) | f.fetch8(lin + p++);
            }
        }
        d.code = code;
        d.o32 = o32;
        d.a32 = a32;
        d.lock = lock;
        d.rep = rep;
        d.segOverride = seg;
        d.modrm = -1;
        d.mod = 3;
        d.reg = 0;
        d.rm = 0;
        d.base = -1;
        d.index = -1;
        d.scale = 0;
        d.disp = 0;
        d.imm = 0;
        d.imm2 = 0;
        int modrm = 0;
        boolean hasModrm = describe ? OpcodeTable.describedWithModrm(code) : OpcodeTable.hasModrm(code);
        if (hasModrm) {
            modrm = f.fetch8(lin + p++);
            d.modrm = modrm;
            d.mod = modrm >>> 6;
            d.reg = (modrm >>> 3) & 7;
            d.rm = modrm & 7;
        }
        int opcodeEnd = p;
        Opcode row = describe ? OpcodeTable.describe(code, modrm, rep, o32 != code32)
                : OpcodeTable.find(code, modrm, rep, o32 != code32);
        int defSeg = 3;
        if (hasModrm && d.mod != 3) {
            if (a32) {
                int rm = d.rm;
                if (rm == 4) {
                    int sib = f.fetch8(lin + p++);
                    int base = sib & 7, index = (sib >>> 3) & 7;
                    d.scale = sib >>> 6;
                    d.index = index == 4 ? -1 : index;
                    if (base == 5 && d.mod == 0) {
                        d.base = -1;
                        d.disp = fetch32(f, lin + p);
                        p += 4;
                    } else {
                        d.base = base;
                    }
                } else if (rm == 5 && d.mod == 0) {
                    d.disp = fetch32(f, lin + p);
                    p += 4;
                } else {
                    d.base = rm;
                }
                if (d.mod == 1) {
                    d.disp = (byte) f.fetch8(lin + p++);
                } else if (d.mod == 2) {
                    d.disp = fetch32(f, lin + p);
                    p += 4;
                }
                if (d.base == 4 || d.base == 5) {
                    defSeg = 2;
                }
            } else {
                int rm = d.rm;
                if (rm == 6 && d.mod == 0) {
                    d.disp = fetch16(f, lin + p);
                    p += 2;
                } else {
                    d.base = REG16_BASE[rm];
                    d.index = REG16_INDEX[rm];
                    if (rm == 2 || rm == 3 || rm == 6) {
                        defSeg = 2;
                    }
                }
                if (d.mod == 1) {
                    d.disp = (byte) f.fetch8(lin + p++);
                } else if (d.mod == 2) {
                    d.disp = (short) fetch16(f, lin + p);
                    p += 2;
                }
            }
        }
        d.seg = seg >= 0 ? seg : defSeg;
        if (row == null) {
            d.op = Insn.OP_UD;
            d.row = null;
            d.attrs = Opcode.ENDS_BLOCK;
            d.len = describe ? opcodeEnd : p;
            return;
        }
        d.row = row;
        d.attrs = row.attrs();
        d.op = (row.attrs() & Opcode.UNIMPLEMENTED) != 0 ? Insn.OP_UNIMPL : code;
        switch (row.size()) {
            case BYTE -> d.sz = 0;
            case WORD -> d.sz = 1;
            case DWORD -> d.sz = 2;
            default -> d.sz = o32 ? 2 : 1;
        }
        switch (IMM.get(row)) {
            case OpcodeTable.IMM_B -> {
                d.imm = (byte) f.fetch8(lin + p++);
            }
            case OpcodeTable.IMM_W -> {
                d.imm = fetch16(f, lin + p);
                p += 2;
            }
            case OpcodeTable.IMM_Z -> {
                if (o32) {
                    d.imm = fetch32(f, lin + p);
                    p += 4;
                } else {
                    d.imm = (short) fetch16(f, lin + p);
                    p += 2;
                }
            }
            case OpcodeTable.IMM_AP -> {
                if (o32) {
                    d.imm = fetch32(f, lin + p);
                    p += 4;
                } else {
                    d.imm = fetch16(f, lin + p);
                    p += 2;
                }
                d.imm2 = fetch16(f, lin + p);
                p += 2;
            }
            case OpcodeTable.IMM_MOFFS -> {
                if (a32) {
                    d.disp = fetch32(f, lin + p);
                    p += 4;
                } else {
                    d.disp = fetch16(f, lin + p);
                    p += 2;
                }
                d.mod = 0;   // a memory operand with no base and no index
            }
            case OpcodeTable.IMM_ENTER -> {
                d.imm = fetch16(f, lin + p);
                d.imm2 = f.fetch8(lin + p + 2);
                p += 3;
            }
            default -> { }
        }
        if (p > 15) {
            d.op = Insn.OP_FAULT;
            d.imm = Memory.GP;
            d.imm2 = 0;
        }
        if (lock && ((row.attrs() & Opcode.LOCKABLE) == 0 || d.mod == 3)) {
            d.op = Insn.OP_UD;
        }
        d.len = p;
    }

    private static int fetch16(Decoder.Fetch f, int a) {
        return f.fetch8(a) | (f.fetch8(a + 1) << 8);
    }

    private static int fetch32(Decoder.Fetch f, int a) {
        return f.fetch8(a) | (f.fetch8(a + 1) << 8) | (f.fetch8(a + 2) << 16) | (f.fetch8(a + 3) << 24);
    }
}
