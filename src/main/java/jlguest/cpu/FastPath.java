package jlguest.cpu;

/**
 * tour:cpu:650 The fast path. Most instructions a kernel runs are a few dozen shapes of 32-bit
 * MOV, ALU, PUSH/POP, Jcc, CALL and RET. When a block is decoded, each such instruction gets a
 * handler number of its own here, with its operands pre-resolved, and the run loop executes it
 * through a small switch with no operand-size or addressing-form tests left. Everything else (and
 * every 16-bit form) goes to the general executor. This is the "specialize at decode time" half
 * of what makes interpreters like Bochs fast; JMH's integerLoop benchmark measures it.
 *
 * <p>Every handler does exactly what the general executor does for that shape, in the same order
 * of memory accesses (so faults hit the same state): FastPathEquivalenceTest runs each one and the
 * general path side by side on random operands and compares the whole state, and the differential
 * suite runs through both against the real CPU.
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
            H_MOVZX16_RM = 40, H_MOVZX16_RR = 41, H_ALU_MR = 43, H_ALU_MI = 44,
            H_MOV16_MR = 45, H_MOV16_RM = 46,
            // ADC and SBB (the ALU op in s, or in d for the memory-destination forms)
            H_ADC_RR = 47, H_SBB_RR = 48, H_ALU_RI = 49,
            // multiply and divide
            H_IMUL_RR = 50, H_IMUL_RM = 51, H_IMUL_RRI = 52, H_IMUL_RMI = 53, H_MUL_R = 54, H_MUL_M = 55,
            H_DIV_R = 56, H_DIV_M = 57,
            // NOT and NEG
            H_NOT_R = 58, H_NEG_R = 59, H_NOT_M = 60, H_NEG_M = 61,
            // SETcc, CMOVcc (condition in the low nibble of op)
            H_SETCC_R = 62, H_SETCC_M = 63, H_CMOV_RR = 64, H_CMOV_RM = 65,
            // TEST with byte operands, and with a memory operand
            H_TEST8_RR = 66, H_TEST8_MR = 67, H_TEST8_RI = 68, H_TEST8_MI = 69, H_TEST_MR = 70,
            H_TEST_MI = 71,
            // shifts and rotates: any of the eight (op in reg), by an immediate, 1 or CL
            H_SHIFT_R = 72, H_SHIFT_M = 73, H_SHD_R = 74, H_SHD_M = 75,
            // the FF group
            H_INC_M = 79, H_DEC_M = 80, H_CALL_R = 81, H_CALL_M = 82, H_JMP_R = 83, H_JMP_M = 84,
            H_PUSH_M = 85,
            // and a few more that kernels and decompressors run often
            H_MOVSX8_RR = 86, H_MOVSX8_RM = 87, H_MOVSX16_RR = 88, H_MOVSX16_RM = 89,
            H_CMP8_MI = 90, H_CMP8_RI = 91, H_CMP8_RR = 92, H_CMP8_RM = 93, H_CMP8_MR = 94,
            H_MOV8_RR = 95, H_MOV8_MI = 96, H_MOV8_RI = 97, H_LEAVE = 98, H_CDQ = 99;

    private static final int[] RR = {H_ADD_RR, H_OR_RR, H_ADC_RR, H_SBB_RR, H_AND_RR, H_SUB_RR, H_XOR_RR, H_CMP_RR};
    private static final int[] RI = {H_ADD_RI, H_OR_RI, H_ALU_RI, H_ALU_RI, H_AND_RI, H_SUB_RI, H_XOR_RI, H_CMP_RI};

    /** Chooses a fast handler for a decoded instruction (or leaves h = 0). */
    static void specialize(Insn i) {
        i.h = 0;
        int op = i.op;
        if (!i.a32 || i.rep != 0 || op >= 0x200) {
            return;
        }
        if (byteForm(i, op) || !i.o32) {
            return;
        }
        if (op < 0x40 && (op & 7) <= 5 && (op & 6) != 6) {
            alu(i, op);
            return;
        }
        if (op >= 0x100) {
            twoByte(i, op);
            return;
        }
        boolean reg = i.mod == 3;
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
                if (reg) {
                    i.h = RI[i.reg];
                    i.d = i.rm;
                    i.s = i.reg;
                } else if (i.reg == 7) {
                    i.h = H_CMP_MI;
                } else {
                    i.h = H_ALU_MI;
                    i.d = i.reg;
                }
            }
            case 0x85 -> {
                i.h = reg ? H_TEST_RR : H_TEST_MR;
                i.d = i.rm;
                i.s = i.reg;
            }
            case 0xA9 -> {
                i.h = H_TEST_RI;
                i.d = 0;
            }
            case 0xF7 -> group3(i, reg);
            case 0xFF -> group5(i, reg);
            case 0xC7 -> {
                if (!reg) {
                    i.h = H_MOV_MI;
                }
            }
            case 0xC1, 0xD1, 0xD3 -> {
                // the count (an immediate, 1 or CL) is chosen at run time from the opcode
                i.d = i.rm;
                if (reg && op == 0xC1 && (i.reg == 4 || i.reg == 5 || i.reg == 7) && (i.imm & 31) != 0) {
                    i.h = i.reg == 5 ? H_SHR_RI : i.reg == 7 ? H_SAR_RI : H_SHL_RI;
                } else {
                    i.h = reg ? H_SHIFT_R : H_SHIFT_M;
                }
            }
            case 0x69, 0x6B -> {
                i.h = reg ? H_IMUL_RRI : H_IMUL_RMI;
                i.d = i.reg;
                i.s = i.rm;
            }
            case 0x68, 0x6A -> i.h = H_PUSH_I;
            case 0xC3 -> i.h = H_RET;
            case 0xC9 -> i.h = H_LEAVE;
            case 0x99 -> i.h = H_CDQ;
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
                } else if (op >= 0x70 && op <= 0x7F) {
                    i.h = H_JCC;
                    i.d = op & 15;
                }
            }
        }
    }

    /** Opcodes 00..3D, forms 1, 3 and 5 (32-bit): the eight ALU operations. */
    private static void alu(Insn i, int op) {
        boolean reg = i.mod == 3;
        int alu = (op >>> 3) & 7;
        int form = op & 7;
        if (form == 1 || form == 3) {
            if (reg) {
                i.h = RR[alu];
                i.d = form == 1 ? i.rm : i.reg;
                i.s = form == 1 ? i.reg : i.rm;
            } else if (form == 3) {
                i.h = H_ALU_RM;
                i.d = i.reg;
                i.s = alu;
            } else if (alu == 7) {
                i.h = H_CMP_MR;
                i.s = i.reg;
            } else {
                i.h = H_ALU_MR;
                i.d = alu;
                i.s = i.reg;
            }
        } else if (form == 5) {
            i.h = RI[alu];
            i.d = 0;
            i.s = alu;
        }
    }

    /** Byte-operand forms, which no operand-size prefix changes; true when it was one. */
    private static boolean byteForm(Insn i, int op) {
        boolean reg = i.mod == 3;
        switch (op) {
            case 0x8A -> {
                i.h = reg ? H_MOV8_RR : H_MOV8_RM;
                i.d = i.reg;
                i.s = i.rm;
            }
            case 0x88 -> {
                i.h = reg ? H_MOV8_RR : H_MOV8_MR;
                i.d = i.rm;
                i.s = i.reg;
            }
            case 0xC6 -> {
                if (!reg && i.reg == 0) {
                    i.h = H_MOV8_MI;
                }
            }
            case 0x84 -> {
                i.h = reg ? H_TEST8_RR : H_TEST8_MR;
                i.d = i.rm;
                i.s = i.reg;
            }
            case 0xF6 -> {
                if (i.reg <= 1) {
                    i.h = reg ? H_TEST8_RI : H_TEST8_MI;
                    i.d = i.rm;
                }
            }
            case 0x80, 0x82 -> {
                if (i.reg == 7) {
                    i.h = reg ? H_CMP8_RI : H_CMP8_MI;
                    i.d = i.rm;
                }
            }
            case 0x3C -> {
                i.h = H_CMP8_RI;
                i.d = 0;
            }
            case 0x38 -> {
                i.h = reg ? H_CMP8_RR : H_CMP8_MR;
                i.d = i.rm;
                i.s = i.reg;
            }
            case 0x3A -> {
                i.h = reg ? H_CMP8_RR : H_CMP8_RM;
                i.d = i.reg;
                i.s = i.rm;
            }
            default -> {
                if (op >= 0xB0 && op <= 0xB7) {
                    i.h = H_MOV8_RI;
                    i.d = op & 7;
                } else if (op >= 0x190 && op <= 0x19F) {
                    i.h = reg ? H_SETCC_R : H_SETCC_M;
                    i.d = i.rm;
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    /** 0F xx opcodes with 32-bit operands. */
    private static void twoByte(Insn i, int op) {
        boolean reg = i.mod == 3;
        i.d = i.reg;
        i.s = i.rm;
        if (op >= 0x180 && op <= 0x18F) {
            i.h = H_JCC;
            i.d = op & 15;
        } else if (op >= 0x140 && op <= 0x14F) {
            i.h = reg ? H_CMOV_RR : H_CMOV_RM;
        } else if (op == 0x1B6) {
            i.h = reg ? H_MOVZX8_RR : H_MOVZX8_RM;
        } else if (op == 0x1B7) {
            i.h = reg ? H_MOVZX16_RR : H_MOVZX16_RM;
        } else if (op == 0x1BE) {
            i.h = reg ? H_MOVSX8_RR : H_MOVSX8_RM;
        } else if (op == 0x1BF) {
            i.h = reg ? H_MOVSX16_RR : H_MOVSX16_RM;
        } else if (op == 0x1AF) {
            i.h = reg ? H_IMUL_RR : H_IMUL_RM;
        } else if (op == 0x1A4 || op == 0x1A5 || op == 0x1AC || op == 0x1AD) {
            // SHLD/SHRD: destination r/m in d, source register in s; direction and count (an
            // immediate or CL) come from the opcode at run time
            i.h = reg ? H_SHD_R : H_SHD_M;
            i.d = i.rm;
            i.s = i.reg;
        }
    }

    /** F7: TEST, NOT, NEG, MUL, IMUL, DIV, IDIV with a 32-bit operand. */
    private static void group3(Insn i, boolean reg) {
        i.d = i.rm;
        switch (i.reg) {
            case 0, 1 -> i.h = reg ? H_TEST_RI : H_TEST_MI;
            case 2 -> i.h = reg ? H_NOT_R : H_NOT_M;
            case 3 -> i.h = reg ? H_NEG_R : H_NEG_M;
            case 4, 5 -> i.h = reg ? H_MUL_R : H_MUL_M;
            default -> i.h = reg ? H_DIV_R : H_DIV_M;
        }
    }

    /** FF: INC, DEC, CALL, JMP and PUSH with a 32-bit operand (the far forms stay general). */
    private static void group5(Insn i, boolean reg) {
        i.d = i.rm;
        switch (i.reg) {
            case 0 -> i.h = reg ? H_INC_R : H_INC_M;
            case 1 -> i.h = reg ? H_DEC_R : H_DEC_M;
            case 2 -> i.h = reg ? H_CALL_R : H_CALL_M;
            case 4 -> i.h = reg ? H_JMP_R : H_JMP_M;
            case 6 -> i.h = reg ? H_PUSH_R : H_PUSH_M;
            default -> { }
        }
    }
}
