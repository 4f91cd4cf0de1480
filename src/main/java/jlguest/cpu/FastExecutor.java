package jlguest.cpu;

import static jlguest.cpu.FastPath.*;

import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;

/**
 * The handlers behind {@link FastPath}: 32-bit operand and address size only, operands already
 * resolved into {@code Insn.d} and {@code Insn.s}. Each is what the general executor would do for
 * that shape, minus the tests that decoding already answered.
 */
abstract class FastExecutor extends Executor {
    FastExecutor(PhysicalBus bus, IoPorts io, CpuHost host) {
        super(bus, io, host);
    }

    private int ea32(Insn i) {
        int a = i.disp;
        if (i.base >= 0) {
            a += r[i.base];
        }
        if (i.index >= 0) {
            a += r[i.index] << i.scale;
        }
        return a;
    }

    private int logic32(int res) {
        lfOp = K_LOGIC | 2;
        lfRes = res;
        return res;
    }

    final void execFast(Insn i) {
        int[] r = this.r;
        switch (i.h) {
            case H_MOV_RR: r[i.d] = r[i.s]; return;
            case H_MOV_MR: wrS32(i.seg, ea32(i), r[i.s]); return;
            case H_MOV_RM: r[i.d] = rdS32(i.seg, ea32(i)); return;
            case H_MOV_RI: r[i.d] = i.imm; return;
            case H_MOV_MI: wrS32(i.seg, ea32(i), i.imm); return;
            case H_LEA: r[i.d] = ea32(i); return;
            case H_ADD_RR: r[i.d] = add32(r[i.d], r[i.s]); return;
            case H_SUB_RR: r[i.d] = sub32(r[i.d], r[i.s]); return;
            case H_CMP_RR: sub32(r[i.d], r[i.s]); return;
            case H_XOR_RR: r[i.d] = logic32(r[i.d] ^ r[i.s]); return;
            case H_AND_RR: r[i.d] = logic32(r[i.d] & r[i.s]); return;
            case H_OR_RR: r[i.d] = logic32(r[i.d] | r[i.s]); return;
            case H_TEST_RR: logic32(r[i.d] & r[i.s]); return;
            case H_ADD_RI: r[i.d] = add32(r[i.d], i.imm); return;
            case H_SUB_RI: r[i.d] = sub32(r[i.d], i.imm); return;
            case H_CMP_RI: sub32(r[i.d], i.imm); return;
            case H_AND_RI: r[i.d] = logic32(r[i.d] & i.imm); return;
            case H_OR_RI: r[i.d] = logic32(r[i.d] | i.imm); return;
            case H_XOR_RI: r[i.d] = logic32(r[i.d] ^ i.imm); return;
            case H_TEST_RI: logic32(r[i.d] & i.imm); return;
            case H_ALU_RM: {
                int v = alu(i.s, r[i.d], rdS32(i.seg, ea32(i)), 2);
                if (i.s != 7) {
                    r[i.d] = v;
                }
                return;
            }
            case H_CMP_MR: sub32(rdS32(i.seg, ea32(i)), r[i.s]); return;
            case H_CMP_MI: sub32(rdS32(i.seg, ea32(i)), i.imm); return;
            case H_INC_R: r[i.d] = inc(r[i.d], 2); return;
            case H_DEC_R: r[i.d] = dec(r[i.d], 2); return;
            case H_PUSH_R: push32(r[i.d]); return;
            case H_PUSH_I: push32(i.imm); return;
            case H_POP_R: {
                int v = pop32();
                r[i.d] = v;
                return;
            }
            case H_JCC:
                if (cond(i.d)) {
                    eip += i.imm;
                }
                return;
            case H_JMP: eip += i.imm; return;
            case H_CALL: push32(eip); eip += i.imm; return;
            case H_RET: eip = pop32(); return;
            case H_MOVZX8_RM: r[i.d] = rdS8(i.seg, ea32(i)); return;
            case H_MOVZX8_RR: r[i.d] = reg8(i.s); return;
            case H_SHL_RI: r[i.d] = shift(4, r[i.d], i.imm, 2); return;
            case H_SHR_RI: r[i.d] = shift(5, r[i.d], i.imm, 2); return;
            case H_SAR_RI: r[i.d] = shift(7, r[i.d], i.imm, 2); return;
            case H_MOV8_RM: setReg8(i.d, rdS8(i.seg, ea32(i))); return;
            case H_MOV8_MR: wrS8(i.seg, ea32(i), reg8(i.s)); return;
            case H_MOVZX16_RM: r[i.d] = rdS16(i.seg, ea32(i)); return;
            case H_MOVZX16_RR: r[i.d] = r[i.s] & 0xFFFF; return;
            case H_SHIFT_CL: r[i.d] = shift(i.reg, r[i.d], r[ECX], 2); return;
            case H_ALU_MR: {
                int lin = rmwLin(i.seg, ea32(i), 4);
                wr32(lin, alu(i.d, rdw(lin, 4), r[i.s], 2));
                return;
            }
            case H_ALU_MI: {
                int lin = rmwLin(i.seg, ea32(i), 4);
                wr32(lin, alu(i.d, rdw(lin, 4), i.imm, 2));
                return;
            }
            case H_MOV16_MR: wrS16(i.seg, ea32(i), r[i.s]); return;
            case H_MOV16_RM: setReg16(i.d, rdS16(i.seg, ea32(i))); return;
            default: exec(i);
        }
    }
}
