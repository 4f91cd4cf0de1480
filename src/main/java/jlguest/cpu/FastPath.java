package jlguest.cpu;

/**
 * tour:cpu:650 The fast path. Most instructions a kernel runs are a few dozen shapes of 32-bit
 * MOV, ALU, PUSH/POP, Jcc, CALL and RET. When a block is decoded, each such instruction gets a
 * handler number of its own here, with its operands pre-resolved, and the run loop executes it
 * through a small switch with no operand-size or addressing-form tests left. Everything else (and
 * every 16-bit form) goes to the general executor. This is the "specialize at decode time" half
 * of what makes interpreters like Bochs fast; JMH's integerLoop benchmark measures it.
 */
final class FastPath {
    private FastPath() {
    }

    static final int H_MOV_RR = 1, H_MOV_MR = 2, H_MOV_RM = 3, H_MOV_RI = 4, H_LEA = 5,
            H_ADD_RR = 6, H_SUB_RR = 7, H_CMP_RR = 8, H_XOR_RR = 9, H_AND_RR = 10, H_OR_RR = 11,
            H_TEST_RR = 12, H_ADD_RI = 13, H_SUB_RI = 14, H_CMP_RI = 15, H_AND_RI = 16, H_OR_RI = 17,
            H_XOR_RI = 18, H_ALU_RM = 19, H_CMP_MR = 20, H_CMP_MI = 21, H_INC_R = 22, H_DEC_R = 23,
            H_PUSH_R = 24, H_POP_R = 25, H_JCC = 26, H_JMP = 27, H_CALL = 28, H_RET = 29,
            H_MOVZX8_RM = 30, H_MOVZX8_RR = 31, H_TEST_RI = 32, H_PUSH_I = 33, H_MOV_MI = 34,
            H_SHL_RI = 35, H_SHR_RI = 36, H_SAR_RI = 37, H_MOV8_RM = 38, H_MOV8_MR = 39,
            H_MOVZX16_RM = 40, H_MOVZX16_RR = 41, H_SHIFT_CL = 42, H_ALU_MR = 43, H_ALU_MI = 44,
            H_MOV16_MR = 45, H_MOV16_RM = 46;

    private static final int[] RR = {H_ADD_RR, H_OR_RR, 0, 0, H_AND_RR, H_SUB_RR, H_XOR_RR, H_CMP_RR};
    private static final int[] RI = {H_ADD_RI, H_OR_RI, 0, 0, H_AND_RI, H_SUB_RI, H_XOR_RI, H_CMP_RI};

    /** Chooses a fast handler for a decoded instruction (or leaves h = 0). */
    static void specialize(Insn i) {
        i.h = 0;
        int op = i.op;
        if (!i.a32 || i.rep != 0 || op >= 0x200) {
            return;
        }
        boolean reg = i.mod == 3;
        // Byte moves do not care about the operand size.
        if (op == 0x8A && !reg) {
            i.h = H_MOV8_RM;
            i.d = i.reg;
            return;
        }
        if (op == 0x88 && !reg) {
            i.h = H_MOV8_MR;
            i.s = i.reg;
            return;
        }
        if (!i.o32) {
            if (op == 0x89 && !reg) {
                i.h = H_MOV16_MR;
                i.s = i.reg;
            } else if (op == 0x8B && !reg) {
                i.h = H_MOV16_RM;
                i.d = i.reg;
            }
            return;
        }
        if (op < 0x40 && (op & 7) <= 5 && (op & 0xC0) == 0 && (op & 6) != 6) {
            int alu = (op >>> 3) & 7;
            int form = op & 7;
            if (form == 1 || form == 3) {
                if (reg && RR[alu] != 0) {
                    i.h = RR[alu];
                    i.d = form == 1 ? i.rm : i.reg;
                    i.s = form == 1 ? i.reg : i.rm;
                } else if (!reg && form == 3 && alu != 2 && alu != 3) {
                    i.h = H_ALU_RM;
                    i.d = i.reg;
                    i.s = alu;
                } else if (!reg && form == 1 && alu == 7) {
                    i.h = H_CMP_MR;
                    i.s = i.reg;
                } else if (!reg && form == 1 && alu != 2 && alu != 3 && !i.lock) {
                    i.h = H_ALU_MR;
                    i.d = alu;
                    i.s = i.reg;
                }
            } else if (form == 5 && RI[alu] != 0) {
                i.h = RI[alu];
                i.d = 0;
            }
            return;
        }
        switch (op) {
            case 0x89 -> {
                i.h = reg ? H_MOV_RR : H_MOV_MR;
                i.d = i.rm;
                i.s = i.reg;
            }
            case 0x8B -> {
                i.h = reg ? H_MOV_RR : H_MOV_RM;
                i.d = i.reg;
                i.s = i.rm;
            }
            case 0x8D -> {
                i.h = H_LEA;
                i.d = i.reg;
            }
            case 0x81, 0x83 -> {
                if (reg && RI[i.reg] != 0) {
                    i.h = RI[i.reg];
                    i.d = i.rm;
                } else if (!reg && i.reg == 7) {
                    i.h = H_CMP_MI;
                } else if (!reg && i.reg != 2 && i.reg != 3) {
                    i.h = H_ALU_MI;
                    i.d = i.reg;
                }
            }
            case 0x85 -> {
                if (reg) {
                    i.h = H_TEST_RR;
                    i.d = i.rm;
                    i.s = i.reg;
                }
            }
            case 0xA9 -> {
                i.h = H_TEST_RI;
                i.d = 0;
            }
            case 0xF7 -> {
                if (reg && i.reg == 0) {
                    i.h = H_TEST_RI;
                    i.d = i.rm;
                }
            }
            case 0xC7 -> {
                if (!reg) {
                    i.h = H_MOV_MI;
                }
            }
            case 0xC1 -> {
                if (reg && (i.reg == 4 || i.reg == 5 || i.reg == 7) && (i.imm & 31) != 0) {
                    i.h = i.reg == 4 ? H_SHL_RI : i.reg == 5 ? H_SHR_RI : H_SAR_RI;
                    i.d = i.rm;
                }
            }
            case 0x1B6 -> {
                i.h = reg ? H_MOVZX8_RR : H_MOVZX8_RM;
                i.d = i.reg;
                i.s = i.rm;
            }
            case 0x1B7 -> {
                i.h = reg ? H_MOVZX16_RR : H_MOVZX16_RM;
                i.d = i.reg;
                i.s = i.rm;
            }
            case 0xD3 -> {
                if (reg && (i.reg == 4 || i.reg == 5 || i.reg == 7)) {
                    i.h = H_SHIFT_CL;
                    i.d = i.rm;
                }
            }
            case 0x68, 0x6A -> i.h = H_PUSH_I;
            case 0xC3 -> i.h = H_RET;
            case 0xE8 -> i.h = H_CALL;
            case 0xE9, 0xEB -> i.h = H_JMP;
            default -> {
                if (op >= 0xB8 && op <= 0xBF) {
                    i.h = H_MOV_RI;
                    i.d = op & 7;
                } else if (op >= 0x40 && op <= 0x47) {
                    i.h = H_INC_R;
                    i.d = op & 7;
                } else if (op >= 0x48 && op <= 0x4F) {
                    i.h = H_DEC_R;
                    i.d = op & 7;
                } else if (op >= 0x50 && op <= 0x57) {
                    i.h = H_PUSH_R;
                    i.d = op & 7;
                } else if (op >= 0x58 && op <= 0x5F) {
                    i.h = H_POP_R;
                    i.d = op & 7;
                } else if (op >= 0x70 && op <= 0x7F || op >= 0x180 && op <= 0x18F) {
                    i.h = H_JCC;
                    i.d = op & 15;
                }
            }
        }
    }
}
