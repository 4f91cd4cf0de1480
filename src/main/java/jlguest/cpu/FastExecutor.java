package jlguest.cpu;

import static jlguest.cpu.FastPath.*;

import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;

/**
 * The handlers behind {@link FastPath}: 32-bit operand and address size only, operands already
 * resolved into {@code Insn.d} and {@code Insn.s}. Each is what the general executor would do for
 * that shape, minus the tests that decoding already answered.
 *
 * <p>tour:cpu:660 Why two switches, and why the block loop sits here. HotSpot's C2 inlines a hot
 * callee only up to 325 bytes of bytecode (FreqInlineSize), and no switch over dozens of handlers
 * is that small: so the run loop hands a whole block to {@link #runFast}, whose loop runs the
 * instructions with the commonest handlers (moves, ALU, stack, branches) written in its own switch.
 * What matters is that each method C2 compiles is small and its hot callees (memory access, the
 * lazy-flag helpers) are inlined into it, and that it stays small: a helper inlined here makes
 * every handler slower, not only its own (the flag condition {@code cond} and INC/DEC's carry were
 * inlined for a while and cost the integer loops 5-20%), so the bigger helpers are left as calls.
 * The newer handlers (ADC/SBB, multiply and divide, SETcc/CMOVcc, rotates and double shifts, the
 * FF group, byte compares...) sit in {@link #execMore}, and the general executor takes the rest:
 * one call each from the loop's switch. The run loop used to call a one-instruction
 * {@code execFast} for every instruction, and its own code was a fifth of a userland run; with the
 * loop moved in here (and the fields these handlers read first in {@link Insn}) first runs were 3%
 * faster and nothing slower. Not more: the profile shows the per-instruction work moved here, it
 * did not go away. A
 * variant that put the whole block loop and every handler, {@code execMore}'s too, into one method
 * was measured and dropped much earlier: C2 took seconds to compile it, recompiled all of it at
 * every newly seen handler, and the bundled kernel booted 1.3-1.9x slower (bench/README.md). This
 * one is compiled once (-XX:+PrintCompilation). Check the shape with
 * {@code -XX:+UnlockDiagnosticVMOptions -XX:+PrintInlining}.
 */
abstract class FastExecutor extends Executor {
    FastExecutor(PhysicalBus bus, IoPorts io, CpuHost host, Memory previous) {
        super(bus, io, host, previous);
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

    /**
     * Where a guest fault left {@link #runFast}: the index in its block of the instruction that
     * faulted, which is how many of the block's instructions retired.
     */
    int faultIndex;

    /**
     * Runs instructions {@code k} up to {@code n} of a block and returns the index after the last
     * one run: {@code n}, or less after a taken branch (the block is left) or an abort (a write to
     * the running code page, a data watchpoint). EIP moves on before each instruction runs, as
     * relative branches and CALL's return address want it; {@code curEip} keeps the instruction's
     * own address for a fault.
     */
    final int runFast(Insn[] insns, int k, int n, int ipMask) {
        int[] r = this.r;
        try {
            for (; k < n; k++) {
                Insn i = insns[k];
                curEip = eip;
                int seq = (eip + i.len) & ipMask;
                eip = seq;
                switch (i.h) {
                    case H_MOV_RR: r[i.d] = r[i.s]; break;
                    case H_MOV_RM: r[i.d] = rdS32(i.seg, ea32(i)); break;
                    case H_MOV_MR: wrS32(i.seg, ea32(i), r[i.s]); break;
                    case H_MOV_RI: r[i.d] = i.imm; break;
                    case H_MOV_MI: wrS32(i.seg, ea32(i), i.imm); break;
                    case H_LEA: r[i.d] = ea32(i); break;
                    case H_JCC:
                        if (cond(i.d)) {
                            eip += i.imm;
                        }
                        break;
                    case H_ADD_RR: r[i.d] = add32(r[i.d], r[i.s]); break;
                    case H_SUB_RR: r[i.d] = sub32(r[i.d], r[i.s]); break;
                    case H_CMP_RR: sub32(r[i.d], r[i.s]); break;
                    case H_XOR_RR: r[i.d] = logic32(r[i.d] ^ r[i.s]); break;
                    case H_AND_RR: r[i.d] = logic32(r[i.d] & r[i.s]); break;
                    case H_OR_RR: r[i.d] = logic32(r[i.d] | r[i.s]); break;
                    case H_TEST_RR: logic32(r[i.d] & r[i.s]); break;
                    case H_ADD_RI: r[i.d] = add32(r[i.d], i.imm); break;
                    case H_SUB_RI: r[i.d] = sub32(r[i.d], i.imm); break;
                    case H_CMP_RI: sub32(r[i.d], i.imm); break;
                    case H_AND_RI: r[i.d] = logic32(r[i.d] & i.imm); break;
                    case H_OR_RI: r[i.d] = logic32(r[i.d] | i.imm); break;
                    case H_XOR_RI: r[i.d] = logic32(r[i.d] ^ i.imm); break;
                    case H_TEST_RI: logic32(r[i.d] & i.imm); break;
                    case H_INC_R: r[i.d] = inc(r[i.d], 2); break;
                    case H_DEC_R: r[i.d] = dec(r[i.d], 2); break;
                    case H_PUSH_R: push32(r[i.d]); break;
                    case H_POP_R: r[i.d] = pop32(); break;
                    case H_PUSH_I: push32(i.imm); break;
                    case H_JMP: eip += i.imm; break;
                    case H_CALL: push32(eip); eip += i.imm; break;
                    case H_RET: eip = pop32(); break;
                    case H_MOVZX8_RM: r[i.d] = rdS8(i.seg, ea32(i)); break;
                    case H_MOVZX8_RR: r[i.d] = reg8(i.s); break;
                    case H_MOVZX16_RM: r[i.d] = rdS16(i.seg, ea32(i)); break;
                    case H_MOVZX16_RR: r[i.d] = r[i.s] & 0xFFFF; break;
                    case H_MOV8_RM: setReg8(i.d, rdS8(i.seg, ea32(i))); break;
                    case H_MOV8_MR: wrS8(i.seg, ea32(i), reg8(i.s)); break;
                    case H_ALU_RM: aluRm(i); break;
                    case H_CMP_MR: sub32(rdS32(i.seg, ea32(i)), r[i.s]); break;
                    case H_CMP_MI: sub32(rdS32(i.seg, ea32(i)), i.imm); break;
                    case H_ALU_MR: aluM(i, r[i.s]); break;
                    case H_ALU_MI: aluM(i, i.imm); break;
                    case H_SHL_RI: r[i.d] = shl32(r[i.d], i.imm); break;
                    case H_SHR_RI: r[i.d] = shr32(r[i.d], i.imm); break;
                    case H_SAR_RI: r[i.d] = sar32(r[i.d], i.imm); break;
                    case H_MOV16_MR: wrS16(i.seg, ea32(i), r[i.s]); break;
                    case H_MOV16_RM: setReg16(i.d, rdS16(i.seg, ea32(i))); break;
                    case 0: exec(i); break;
                    default: execMore(i);
                }
                if (eip != seq || abortBlock) {   // a taken branch, or the block must end here
                    abortBlock = false;
                    return k + 1;
                }
            }
            return k;
        } catch (GuestFault f) {
            faultIndex = k;
            throw f;
        }
    }


    /**
     * The less frequent fast handlers (h >= {@link FastPath#H_ADC_RR}, called from
     * {@link #runFast}'s switch); anything else goes to the general executor.
     */
    final void execMore(Insn i) {
        int[] r = this.r;
        switch (i.h) {
            // ADC, SBB
            case H_ADC_RR: r[i.d] = adc32(r[i.d], r[i.s]); break;
            case H_SBB_RR: r[i.d] = sbb32(r[i.d], r[i.s]); break;
            case H_ALU_RI: r[i.d] = i.s == 2 ? adc32(r[i.d], i.imm) : sbb32(r[i.d], i.imm); break;
            // multiply and divide
            case H_IMUL_RR: r[i.d] = imul(r[i.d], r[i.s], 2); break;
            case H_IMUL_RM: r[i.d] = imul(r[i.d], rdS32(i.seg, ea32(i)), 2); break;
            case H_IMUL_RRI: r[i.d] = imul(r[i.s], i.imm, 2); break;
            case H_IMUL_RMI: r[i.d] = imul(rdS32(i.seg, ea32(i)), i.imm, 2); break;
            case H_MUL_R: mul32(r[i.d], i.reg == 5); break;
            case H_MUL_M: mul32(rdS32(i.seg, ea32(i)), i.reg == 5); break;
            case H_DIV_R: div(r[i.d], 2, i.reg == 7); break;
            case H_DIV_M: div(rdS32(i.seg, ea32(i)), 2, i.reg == 7); break;
            // NOT, NEG
            case H_NOT_R: r[i.d] = ~r[i.d]; break;
            case H_NEG_R: r[i.d] = neg(r[i.d], 2); break;
            case H_NOT_M: notNegM(i, false); break;
            case H_NEG_M: notNegM(i, true); break;
            // SETcc, CMOVcc
            case H_SETCC_R: setReg8(i.d, cond(i.op & 15) ? 1 : 0); break;
            case H_SETCC_M: wrS8(i.seg, ea32(i), cond(i.op & 15) ? 1 : 0); break;
            case H_CMOV_RR:
                if (cond(i.op & 15)) {
                    r[i.d] = r[i.s];
                }
                break;
            case H_CMOV_RM: {
                int v = rdS32(i.seg, ea32(i));      // read (and fault) whatever the condition
                if (cond(i.op & 15)) {
                    r[i.d] = v;
                }
                break;
            }
            // TEST
            case H_TEST8_RR: logic(reg8(i.d) & reg8(i.s), 0); break;
            case H_TEST8_MR: logic(rdS8(i.seg, ea32(i)) & reg8(i.s), 0); break;
            case H_TEST8_RI: logic(reg8(i.d) & i.imm, 0); break;
            case H_TEST8_MI: logic(rdS8(i.seg, ea32(i)) & i.imm, 0); break;
            case H_TEST_MR: logic32(rdS32(i.seg, ea32(i)) & r[i.s]); break;
            case H_TEST_MI: logic32(rdS32(i.seg, ea32(i)) & i.imm); break;
            // shifts and rotates
            case H_SHIFT_R: r[i.d] = shift(i.reg, r[i.d], shiftCount(i), 2); break;
            case H_SHIFT_M: shiftM(i); break;
            case H_SHD_R:
                r[i.d] = shiftDouble(i.op < 0x1AC, r[i.d], r[i.s], (i.op & 1) != 0 ? r[ECX] : i.imm, 2);
                break;
            case H_SHD_M: shiftDoubleM(i); break;
            // the FF group
            case H_INC_M: incDecM(i, false); break;
            case H_DEC_M: incDecM(i, true); break;
            case H_CALL_R: {
                int t = r[i.d];
                push32(eip);
                eip = t;
                break;
            }
            case H_CALL_M: {
                int t = rdS32(i.seg, ea32(i));
                push32(eip);
                eip = t;
                break;
            }
            case H_JMP_R: eip = r[i.d]; break;
            case H_JMP_M: eip = rdS32(i.seg, ea32(i)); break;
            case H_PUSH_M: push32(rdS32(i.seg, ea32(i))); break;
            // sign extension, byte compares and moves, LEAVE, CDQ
            case H_MOVSX8_RR: r[i.d] = (byte) reg8(i.s); break;
            case H_MOVSX8_RM: r[i.d] = (byte) rdS8(i.seg, ea32(i)); break;
            case H_MOVSX16_RR: r[i.d] = (short) r[i.s]; break;
            case H_MOVSX16_RM: r[i.d] = (short) rdS16(i.seg, ea32(i)); break;
            case H_CMP8_RI: alu(7, reg8(i.d), i.imm, 0); break;
            case H_CMP8_MI: alu(7, rdS8(i.seg, ea32(i)), i.imm, 0); break;
            case H_CMP8_RR: alu(7, reg8(i.d), reg8(i.s), 0); break;
            case H_CMP8_RM: alu(7, reg8(i.d), rdS8(i.seg, ea32(i)), 0); break;
            case H_CMP8_MR: {
                int b = reg8(i.s);
                alu(7, rdS8(i.seg, ea32(i)), b, 0);
                break;
            }
            case H_MOV8_RR: setReg8(i.d, reg8(i.s)); break;
            case H_MOV8_RI: setReg8(i.d, i.imm); break;
            case H_MOV8_MI: wrS8(i.seg, ea32(i), i.imm); break;
            case H_LEAVE: leave(i); break;
            case H_CDQ: r[EDX] = r[EAX] >> 31; break;
            default: exec(i);
        }
    }

    // ---- the handlers too long to write inline --------------------------------------------------

    /**
     * CF for ADC and SBB, as {@link CpuState#cf} computes it, with the records 32-bit code leaves
     * (ADC after ADD, SUB, ADC, a logic op, INC/DEC: bignum loops) answered here, so that the call
     * to {@code cf()} stays cold and C2 does not inline its 272 bytes into {@code execMore}.
     */
    private boolean carry() {
        switch (lfOp) {
            case K_ADD | 2: return Integer.compareUnsigned(lfRes, lfA) < 0;
            case K_SUB | 2: return Integer.compareUnsigned(lfA, lfB) < 0;
            case K_ADC | 2: {
                int a = lfA, res = lfRes;
                return res - a - lfB != 0 ? Integer.compareUnsigned(res, a) <= 0 : Integer.compareUnsigned(res, a) < 0;
            }
            case K_LOGIC | 2: return false;
            case K_INC | 2: case K_DEC | 2: return lfB != 0;
            case K_EAGER | 2: return (lfB & CF) != 0;
            default: return cf();     // 8- and 16-bit records, SBB, LF_NONE: rare here, so C2 leaves the call
        }
    }

    /** ADC, as Alu#alu(2, a, b, 2). */
    private int adc32(int a, int b) {
        int res = a + b + (carry() ? 1 : 0);
        lfOp = K_ADC | 2;
        lfA = a;
        lfB = b;
        lfRes = res;
        return res;
    }

    /** SBB, as Alu#alu(3, a, b, 2). */
    private int sbb32(int a, int b) {
        int res = a - b - (carry() ? 1 : 0);
        lfOp = K_SBB | 2;
        lfA = a;
        lfB = b;
        lfRes = res;
        return res;
    }

    private void aluRm(Insn i) {
        int v = alu(i.s, r[i.d], rdS32(i.seg, ea32(i)), 2);
        if (i.s != 7) {
            r[i.d] = v;
        }
    }

    /** ALU op d on a memory destination: read with write intent, then write (as the general path). */
    private void aluM(Insn i, int b) {
        int lin = rmwLin(i.seg, ea32(i), 4);
        wr32(lin, alu(i.d, rdw(lin, 4), b, 2));
    }

    private void notNegM(Insn i, boolean negate) {
        int lin = rmwLin(i.seg, ea32(i), 4);
        int v = rdw(lin, 4);
        wr32(lin, negate ? neg(v, 2) : ~v);
    }

    private void incDecM(Insn i, boolean decrement) {
        int lin = rmwLin(i.seg, ea32(i), 4);
        int v = rdw(lin, 4);
        wr32(lin, decrement ? dec(v, 2) : inc(v, 2));
    }

    /** C1, D1, D3: the count is the immediate, 1 or CL. */
    private int shiftCount(Insn i) {
        int op = i.op;
        return op == 0xC1 ? i.imm : op == 0xD1 ? 1 : r[ECX];
    }

    private void shiftM(Insn i) {
        int count = shiftCount(i);
        int lin = rmwLin(i.seg, ea32(i), 4);
        int v = rdw(lin, 4);
        wr32(lin, shift(i.reg, v, count, 2));
    }

    /** SHLD (0F A4, A5) and SHRD (0F AC, AD) on memory; the odd opcodes take CL. */
    private void shiftDoubleM(Insn i) {
        int count = (i.op & 1) != 0 ? r[ECX] : i.imm;
        int src = r[i.s];
        int lin = rmwLin(i.seg, ea32(i), 4);
        int v = rdw(lin, 4);
        wr32(lin, shiftDouble(i.op < 0x1AC, v, src, count, 2));
    }

    /** MUL/IMUL EDX:EAX = EAX * src, the 32-bit case of {@link Alu#mul}. */
    private void mul32(int src, boolean signed) {
        long p = signed ? (long) r[EAX] * src : (r[EAX] & 0xFFFFFFFFL) * (src & 0xFFFFFFFFL);
        int low = (int) p;
        r[EAX] = low;
        r[EDX] = (int) (p >>> 32);
        boolean over = signed ? p != low : (p >>> 32) != 0;
        eager(2, low, over ? CF | OF : 0);
    }

    // The 32-bit SHL, SHR and SAR of Alu#shift for a count already known to be 1..31 after
    // masking (count 0 changes nothing, not even flags: those stay on the general path).

    private int shl32(int a, int count) {
        int c = count & 31;
        int res = a << c;
        boolean cf = ((a >>> (32 - c)) & 1) != 0;
        eager(2, res, (cf ? CF : 0) | ((res < 0) != cf ? OF : 0));
        return res;
    }

    private int shr32(int a, int count) {
        int c = count & 31;
        int res = a >>> c;
        int cf = ((a >>> (c - 1)) & 1) != 0 ? CF : 0;
        eager(2, res, cf | (c == 1 && a < 0 ? OF : 0));
        return res;
    }

    private int sar32(int a, int count) {
        int c = count & 31;
        int res = a >> c;
        eager(2, res, ((a >> (c - 1)) & 1) != 0 ? CF : 0);
        return res;
    }

    private static final int CF = OpcodeTable.CF, OF = OpcodeTable.OF;
}
