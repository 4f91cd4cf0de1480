package jlguest.cpu;

import static jlguest.cpu.Opcode.MMX;
import static jlguest.cpu.Opcode.SIMD;
import static jlguest.cpu.Opcode.SSE;

import java.util.ArrayList;
import java.util.List;

/**
 * The MMX, SSE and SSE2 rows of the opcode table (0F 10..0F FF), appended to {@link OpcodeTable#ROWS}.
 *
 * <p>tour:cpu:025 MMX and SSE squeezed hundreds of instructions into the two-byte opcode map by
 * reusing the old prefixes as part of the opcode: 0F 58 is ADDPS, 66 0F 58 ADDPD, F3 0F 58 ADDSS
 * and F2 0F 58 ADDSD. A row carries that "mandatory prefix" in {@link Opcode#prefix()}; the decoder
 * takes the last F2/F3 prefix if there is one, else 66 if present, and looks for a row with it,
 * then falls back to the row without one (an MMX instruction ignores a stray prefix as a real
 * CPU does). The same 66 that selects the XMM form of an MMX instruction (66 0F FE PADDD xmm) no
 * longer means "16-bit operand" for it. The semantics live in package jlguest.cpu.simd.
 */
final class SimdTable {
    private SimdTable() {
    }

    private static final List<Opcode> rows = new ArrayList<>();

    static List<Opcode> rows() {
        if (rows.isEmpty()) {
            build();
        }
        return rows;
    }

    /** A row; {@code reg} is the ModRM reg extension or -1. */
    private static void row(int prefix, int code, int reg, String mnem, String operands, int written, int attrs) {
        String[] ops = operands.isEmpty() ? new String[0] : operands.split(",");
        Opcode.Mod mod = ops.length > 0 ? Opcode.Mod.ANY : reg >= 0 ? Opcode.Mod.REG : Opcode.Mod.NONE;
        Opcode.OpSize size = Opcode.OpSize.NONE;
        for (String k : ops) {
            char c = k.charAt(0);
            if (c == 'M') {
                mod = Opcode.Mod.MEM;
            } else if (c == 'U' || c == 'N') {
                mod = Opcode.Mod.REG;
            } else if ((c == 'E' || c == 'G') && size == Opcode.OpSize.NONE) {
                size = k.endsWith("w") ? Opcode.OpSize.WORD : Opcode.OpSize.DWORD;
            }
        }
        rows.add(new Opcode(0x100 | code, reg, -1, mod, prefix, mnem, List.of(ops), size, written, 0, attrs));
    }

    private static void mmx(int code, String mnem, String ops) {
        row(0, code, -1, mnem, ops, 0, MMX);
    }

    private static void sse(int prefix, int code, String mnem, String ops) {
        row(prefix, code, -1, mnem, ops, 0, SSE);
    }

    /** An MMX integer op 0F xx and its SSE2 twin 66 0F xx on XMM registers. */
    private static void both(int code, String mnem) {
        mmx(code, mnem, "Pq,Qq");
        sse(0x66, code, mnem, "Vdq,Wdq");
    }

    /** The four arithmetic forms: packed single, packed double, scalar single, scalar double. */
    private static void arith4(int code, String base, String imm) {
        sse(0, code, base + "PS", "Vps,Wps" + imm);
        sse(0x66, code, base + "PD", "Vpd,Wpd" + imm);
        sse(0xF3, code, base + "SS", "Vss,Wss" + imm);
        sse(0xF2, code, base + "SD", "Vsd,Wsd" + imm);
    }

    private static void build() {
        final int osz = OpcodeTable.OSZAPC;
        sse(0, 0x10, "MOVUPS", "Vps,Wps");
        sse(0x66, 0x10, "MOVUPD", "Vpd,Wpd");
        sse(0xF3, 0x10, "MOVSS", "Vss,Wss");
        sse(0xF2, 0x10, "MOVSD", "Vsd,Wsd");
        sse(0, 0x11, "MOVUPS", "Wps,Vps");
        sse(0x66, 0x11, "MOVUPD", "Wpd,Vpd");
        sse(0xF3, 0x11, "MOVSS", "Wss,Vss");
        sse(0xF2, 0x11, "MOVSD", "Wsd,Vsd");
        sse(0, 0x12, "MOVLPS", "Vq,Mq");
        sse(0, 0x12, "MOVHLPS", "Vq,Uq");
        sse(0x66, 0x12, "MOVLPD", "Vq,Mq");
        sse(0, 0x13, "MOVLPS", "Mq,Vq");
        sse(0x66, 0x13, "MOVLPD", "Mq,Vq");
        sse(0, 0x14, "UNPCKLPS", "Vps,Wps");
        sse(0x66, 0x14, "UNPCKLPD", "Vpd,Wpd");
        sse(0, 0x15, "UNPCKHPS", "Vps,Wps");
        sse(0x66, 0x15, "UNPCKHPD", "Vpd,Wpd");
        sse(0, 0x16, "MOVHPS", "Vq,Mq");
        sse(0, 0x16, "MOVLHPS", "Vq,Uq");
        sse(0x66, 0x16, "MOVHPD", "Vq,Mq");
        sse(0, 0x17, "MOVHPS", "Mq,Vq");
        sse(0x66, 0x17, "MOVHPD", "Mq,Vq");
        String[] prefetch = {"PREFETCHNTA", "PREFETCHT0", "PREFETCHT1", "PREFETCHT2"};
        for (int r = 0; r < 4; r++) {
            row(0, 0x18, r, prefetch[r], "Mb", 0, SIMD);
        }
        sse(0, 0x28, "MOVAPS", "Vps,Wps");
        sse(0x66, 0x28, "MOVAPD", "Vpd,Wpd");
        sse(0, 0x29, "MOVAPS", "Wps,Vps");
        sse(0x66, 0x29, "MOVAPD", "Wpd,Vpd");
        row(0, 0x2A, -1, "CVTPI2PS", "Vps,Qq", 0, SSE | MMX);
        row(0x66, 0x2A, -1, "CVTPI2PD", "Vpd,Qq", 0, SSE | MMX);
        sse(0xF3, 0x2A, "CVTSI2SS", "Vss,Ed");
        sse(0xF2, 0x2A, "CVTSI2SD", "Vsd,Ed");
        sse(0, 0x2B, "MOVNTPS", "Mps,Vps");
        sse(0x66, 0x2B, "MOVNTPD", "Mpd,Vpd");
        row(0, 0x2C, -1, "CVTTPS2PI", "Pq,Wq", 0, SSE | MMX);
        row(0x66, 0x2C, -1, "CVTTPD2PI", "Pq,Wpd", 0, SSE | MMX);
        sse(0xF3, 0x2C, "CVTTSS2SI", "Gd,Wss");
        sse(0xF2, 0x2C, "CVTTSD2SI", "Gd,Wsd");
        row(0, 0x2D, -1, "CVTPS2PI", "Pq,Wq", 0, SSE | MMX);
        row(0x66, 0x2D, -1, "CVTPD2PI", "Pq,Wpd", 0, SSE | MMX);
        sse(0xF3, 0x2D, "CVTSS2SI", "Gd,Wss");
        sse(0xF2, 0x2D, "CVTSD2SI", "Gd,Wsd");
        row(0, 0x2E, -1, "UCOMISS", "Vss,Wss", osz, SSE);
        row(0x66, 0x2E, -1, "UCOMISD", "Vsd,Wsd", osz, SSE);
        row(0, 0x2F, -1, "COMISS", "Vss,Wss", osz, SSE);
        row(0x66, 0x2F, -1, "COMISD", "Vsd,Wsd", osz, SSE);
        sse(0, 0x50, "MOVMSKPS", "Gd,Ups");
        sse(0x66, 0x50, "MOVMSKPD", "Gd,Upd");
        arith4(0x51, "SQRT", "");
        sse(0, 0x52, "RSQRTPS", "Vps,Wps");
        sse(0xF3, 0x52, "RSQRTSS", "Vss,Wss");
        sse(0, 0x53, "RCPPS", "Vps,Wps");
        sse(0xF3, 0x53, "RCPSS", "Vss,Wss");
        String[] logic = {"AND", "ANDN", "OR", "XOR"};
        for (int k = 0; k < 4; k++) {
            sse(0, 0x54 + k, logic[k] + "PS", "Vps,Wps");
            sse(0x66, 0x54 + k, logic[k] + "PD", "Vpd,Wpd");
        }
        arith4(0x58, "ADD", "");
        arith4(0x59, "MUL", "");
        sse(0, 0x5A, "CVTPS2PD", "Vpd,Wq");
        sse(0x66, 0x5A, "CVTPD2PS", "Vps,Wpd");
        sse(0xF3, 0x5A, "CVTSS2SD", "Vsd,Wss");
        sse(0xF2, 0x5A, "CVTSD2SS", "Vss,Wsd");
        sse(0, 0x5B, "CVTDQ2PS", "Vps,Wdq");
        sse(0x66, 0x5B, "CVTPS2DQ", "Vdq,Wps");
        sse(0xF3, 0x5B, "CVTTPS2DQ", "Vdq,Wps");
        arith4(0x5C, "SUB", "");
        arith4(0x5D, "MIN", "");
        arith4(0x5E, "DIV", "");
        arith4(0x5F, "MAX", "");
        String[] m60 = {"PUNPCKLBW", "PUNPCKLWD", "PUNPCKLDQ", "PACKSSWB", "PCMPGTB", "PCMPGTW", "PCMPGTD",
            "PACKUSWB", "PUNPCKHBW", "PUNPCKHWD", "PUNPCKHDQ", "PACKSSDW"};
        for (int k = 0; k < m60.length; k++) {
            if (k < 3) {
                mmx(0x60 + k, m60[k], "Pq,Qd");   // the MMX low unpacks read 32 bits of memory
                sse(0x66, 0x60 + k, m60[k], "Vdq,Wdq");
            } else {
                both(0x60 + k, m60[k]);
            }
        }
        sse(0x66, 0x6C, "PUNPCKLQDQ", "Vdq,Wdq");
        sse(0x66, 0x6D, "PUNPCKHQDQ", "Vdq,Wdq");
        mmx(0x6E, "MOVD", "Pd,Ed");
        sse(0x66, 0x6E, "MOVD", "Vd,Ed");
        mmx(0x6F, "MOVQ", "Pq,Qq");
        sse(0x66, 0x6F, "MOVDQA", "Vdq,Wdq");
        sse(0xF3, 0x6F, "MOVDQU", "Vdq,Wdq");
        mmx(0x70, "PSHUFW", "Pq,Qq,Ib");
        sse(0x66, 0x70, "PSHUFD", "Vdq,Wdq,Ib");
        sse(0xF3, 0x70, "PSHUFHW", "Vdq,Wdq,Ib");
        sse(0xF2, 0x70, "PSHUFLW", "Vdq,Wdq,Ib");
        String[][] shifts = {
            {"", "", "PSRLW", "", "PSRAW", "", "PSLLW", ""},
            {"", "", "PSRLD", "", "PSRAD", "", "PSLLD", ""},
            {"", "", "PSRLQ", "PSRLDQ", "", "", "PSLLQ", "PSLLDQ"}};
        for (int k = 0; k < 3; k++) {
            for (int r = 0; r < 8; r++) {
                String m = shifts[k][r];
                if (m.isEmpty()) {
                    continue;
                }
                if (!m.endsWith("DQ")) {
                    row(0, 0x71 + k, r, m, "Nq,Ib", 0, MMX);
                }
                row(0x66, 0x71 + k, r, m, "Udq,Ib", 0, SSE);
            }
        }
        both(0x74, "PCMPEQB");
        both(0x75, "PCMPEQW");
        both(0x76, "PCMPEQD");
        mmx(0x77, "EMMS", "");
        mmx(0x7E, "MOVD", "Ed,Pd");
        sse(0x66, 0x7E, "MOVD", "Ed,Vd");
        sse(0xF3, 0x7E, "MOVQ", "Vq,Wq");
        mmx(0x7F, "MOVQ", "Qq,Pq");
        sse(0x66, 0x7F, "MOVDQA", "Wdq,Vdq");
        sse(0xF3, 0x7F, "MOVDQU", "Wdq,Vdq");
        row(0, 0xAE, 0, "FXSAVE", "M", 0, SIMD);
        row(0, 0xAE, 1, "FXRSTOR", "M", 0, SIMD);
        row(0, 0xAE, 2, "LDMXCSR", "Md", 0, SSE);
        row(0, 0xAE, 3, "STMXCSR", "Md", 0, SSE);
        row(0, 0xAE, 5, "LFENCE", "", 0, SIMD);
        row(0, 0xAE, 6, "MFENCE", "", 0, SIMD);
        row(0, 0xAE, 7, "SFENCE", "", 0, SIMD);
        row(0, 0xAE, 7, "CLFLUSH", "Mb", 0, SIMD);
        arith4(0xC2, "CMP", ",Ib");
        row(0, 0xC3, -1, "MOVNTI", "Md,Gd", 0, SIMD);
        mmx(0xC4, "PINSRW", "Pq,Ew,Ib");
        sse(0x66, 0xC4, "PINSRW", "Vdq,Ew,Ib");
        mmx(0xC5, "PEXTRW", "Gd,Nq,Ib");
        sse(0x66, 0xC5, "PEXTRW", "Gd,Udq,Ib");
        sse(0, 0xC6, "SHUFPS", "Vps,Wps,Ib");
        sse(0x66, 0xC6, "SHUFPD", "Vpd,Wpd,Ib");
        String[] md0 = {"", "PSRLW", "PSRLD", "PSRLQ", "PADDQ", "PMULLW", "", "",
            "PSUBUSB", "PSUBUSW", "PMINUB", "PAND", "PADDUSB", "PADDUSW", "PMAXUB", "PANDN",
            "PAVGB", "PSRAW", "PSRAD", "PAVGW", "PMULHUW", "PMULHW", "", "",
            "PSUBSB", "PSUBSW", "PMINSW", "POR", "PADDSB", "PADDSW", "PMAXSW", "PXOR",
            "", "PSLLW", "PSLLD", "PSLLQ", "PMULUDQ", "PMADDWD", "PSADBW", "",
            "PSUBB", "PSUBW", "PSUBD", "PSUBQ", "PADDB", "PADDW", "PADDD", ""};
        for (int k = 0; k < md0.length; k++) {
            if (!md0[k].isEmpty()) {
                both(0xD0 + k, md0[k]);
            }
        }
        sse(0x66, 0xD6, "MOVQ", "Wq,Vq");
        row(0xF3, 0xD6, -1, "MOVQ2DQ", "Vdq,Nq", 0, SSE | MMX);
        row(0xF2, 0xD6, -1, "MOVDQ2Q", "Pq,Uq", 0, SSE | MMX);
        mmx(0xD7, "PMOVMSKB", "Gd,Nq");
        sse(0x66, 0xD7, "PMOVMSKB", "Gd,Udq");
        sse(0x66, 0xE6, "CVTTPD2DQ", "Vdq,Wpd");
        sse(0xF3, 0xE6, "CVTDQ2PD", "Vpd,Wq");
        sse(0xF2, 0xE6, "CVTPD2DQ", "Vdq,Wpd");
        mmx(0xE7, "MOVNTQ", "Mq,Pq");
        sse(0x66, 0xE7, "MOVNTDQ", "Mdq,Vdq");
        mmx(0xF7, "MASKMOVQ", "Pq,Nq");
        sse(0x66, 0xF7, "MASKMOVDQU", "Vdq,Udq");
    }
}
