package jlguest.cpu;

import static jlguest.cpu.OpcodeTable.AC;
import static jlguest.cpu.OpcodeTable.AF;
import static jlguest.cpu.OpcodeTable.CF;
import static jlguest.cpu.OpcodeTable.DF;
import static jlguest.cpu.OpcodeTable.ID;
import static jlguest.cpu.OpcodeTable.IF;
import static jlguest.cpu.OpcodeTable.IOPL;
import static jlguest.cpu.OpcodeTable.NT;
import static jlguest.cpu.OpcodeTable.OF;
import static jlguest.cpu.OpcodeTable.PF;
import static jlguest.cpu.OpcodeTable.RF;
import static jlguest.cpu.OpcodeTable.SF;
import static jlguest.cpu.OpcodeTable.TF;
import static jlguest.cpu.OpcodeTable.VM;
import static jlguest.cpu.OpcodeTable.ZF;

import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;

/**
 * The instructions: one switch over the decoded opcode, split in two methods (one-byte and 0F
 * opcodes) so that each stays far below HotSpot's 8,000-byte limit for compiling a method.
 *
 * <p>tour:cpu:900 When an instruction runs, {@code eip} already points past it (relative jumps
 * add to it) and {@code curEip} at it (faults restart it). An instruction changes registers only
 * after every access that can fault has succeeded, so a fault leaves the state as it was.
 */
abstract class Executor extends SystemOps {
    /** Set by HLT; the run loop returns HALT or HALT_FOREVER. */
    boolean halted;
    private final int[] tmp = new int[1];
    private final int[] popaTmp = new int[8];

    Executor(PhysicalBus bus, IoPorts io, CpuHost host, Memory previous) {
        super(bus, io, host, previous);
    }

    // ---- operands -----------------------------------------------------------------------------

    /** The memory operand's offset within its segment. */
    final int ea(Insn i) {
        int a = i.disp;
        if (i.base >= 0) {
            a += r[i.base];
        }
        if (i.index >= 0) {
            a += r[i.index] << i.scale;
        }
        return i.a32 ? a : a & 0xFFFF;
    }

    final int rdE(Insn i, int sz) {
        if (i.mod == 3) {
            return regSz(i.rm, sz);
        }
        return rdSSz(i.seg, ea(i), sz);
    }

    final void wrE(Insn i, int sz, int v) {
        if (i.mod == 3) {
            setRegSz(i.rm, sz, v);
        } else {
            wrSSz(i.seg, ea(i), sz, v);
        }
    }

    private void priv() {
        if (cpl != 0) {
            throw fault(GP, 0);
        }
    }

    private void pmOnly() {
        if (!protectedMode) {
            throw fault(UD, -1);
        }
    }

    private void jump(Insn i, int target) {
        eip = i.o32 ? target : target & 0xFFFF;
    }

    // ---- ALU forms ----------------------------------------------------------------------------

    /** Opcodes 00..3F, forms 0..5: E,G / G,E / acc,imm for the eight ALU operations. */
    private void aluForm(Insn i) {
        int code = i.op;
        int op = (code >>> 3) & 7;
        int sz = i.sz;
        switch (code & 7) {
            case 0, 1 -> {
                int b = regSz(i.reg, sz);
                if (i.mod == 3) {
                    int res = alu(op, regSz(i.rm, sz), b, sz);
                    if (op != 7) {
                        setRegSz(i.rm, sz, res);
                    }
                } else if (op == 7) {
                    alu(7, rdSSz(i.seg, ea(i), sz), b, sz);
                } else {
                    int lin = rmwLin(i.seg, ea(i), 1 << sz);
                    int res = alu(op, rdw(lin, 1 << sz), b, sz);
                    wrSz(lin, sz, res);
                }
            }
            case 2, 3 -> {
                int res = alu(op, regSz(i.reg, sz), rdE(i, sz), sz);
                if (op != 7) {
                    setRegSz(i.reg, sz, res);
                }
            }
            default -> {
                int res = alu(op, regSz(EAX, sz), i.imm, sz);
                if (op != 7) {
                    setRegSz(EAX, sz, res);
                }
            }
        }
    }

    /** Group 1 (80..83): op from the reg field, immediate operand. */
    private void group1(Insn i) {
        int op = i.reg;
        int sz = i.sz;
        if (i.mod == 3) {
            int res = alu(op, regSz(i.rm, sz), i.imm, sz);
            if (op != 7) {
                setRegSz(i.rm, sz, res);
            }
        } else if (op == 7) {
            alu(7, rdSSz(i.seg, ea(i), sz), i.imm, sz);
        } else {
            int lin = rmwLin(i.seg, ea(i), 1 << sz);
            int res = alu(op, rdw(lin, 1 << sz), i.imm, sz);
            wrSz(lin, sz, res);
        }
    }

    private void group2(Insn i, int count) {
        int sz = i.sz;
        if (i.mod == 3) {
            setRegSz(i.rm, sz, shift(i.reg, regSz(i.rm, sz), count, sz));
        } else {
            int lin = rmwLin(i.seg, ea(i), 1 << sz);
            int v = rdw(lin, 1 << sz);
            wrSz(lin, sz, shift(i.reg, v, count, sz));
        }
    }

    private void group3(Insn i) {
        int sz = i.sz;
        switch (i.reg) {
            case 0, 1 -> logic(rdE(i, sz) & i.imm, sz);
            case 2, 3 -> {
                if (i.mod == 3) {
                    int v = regSz(i.rm, sz);
                    setRegSz(i.rm, sz, i.reg == 2 ? ~v : neg(v, sz));
                } else {
                    int lin = rmwLin(i.seg, ea(i), 1 << sz);
                    int v = rdw(lin, 1 << sz);
                    wrSz(lin, sz, i.reg == 2 ? ~v : neg(v, sz));
                }
            }
            case 4 -> mul(rdE(i, sz), sz, false);
            case 5 -> mul(rdE(i, sz), sz, true);
            case 6 -> div(rdE(i, sz), sz, false);
            default -> div(rdE(i, sz), sz, true);
        }
    }

    private void incDec(Insn i, boolean dec) {
        int sz = i.sz;
        if (i.mod == 3) {
            int v = regSz(i.rm, sz);
            setRegSz(i.rm, sz, dec ? dec(v, sz) : inc(v, sz));
        } else {
            int lin = rmwLin(i.seg, ea(i), 1 << sz);
            int v = rdw(lin, 1 << sz);
            wrSz(lin, sz, dec ? dec(v, sz) : inc(v, sz));
        }
    }

    private void group5(Insn i) {
        int sz = i.sz;
        switch (i.reg) {
            case 0 -> incDec(i, false);
            case 1 -> incDec(i, true);
            case 2 -> {
                int t = rdE(i, sz);
                push(i.o32, eip);
                jump(i, t);
            }
            case 3, 5 -> {
                if (i.mod == 3) {
                    throw fault(UD, -1);
                }
                int off = ea(i);
                int o = i.o32 ? rdS32(i.seg, off) : rdS16(i.seg, off);
                int sel = rdS16(i.seg, off + (i.o32 ? 4 : 2));
                farTransfer(sel, o, i.reg == 3, i.o32);
            }
            case 4 -> jump(i, rdE(i, sz));
            default -> push(i.o32, rdE(i, sz));
        }
    }

    private void xchg(Insn i) {
        int sz = i.sz;
        int g = regSz(i.reg, sz);
        if (i.mod == 3) {
            setRegSz(i.reg, sz, regSz(i.rm, sz));
            setRegSz(i.rm, sz, g);
        } else {
            int lin = rmwLin(i.seg, ea(i), 1 << sz);
            int v = rdw(lin, 1 << sz);
            wrSz(lin, sz, g);
            setRegSz(i.reg, sz, v);
        }
    }

    private void popSeg(Insn i, int seg) {
        int v = peek(i.o32, 0);
        loadSeg(seg, v);
        setSp(sp() + (i.o32 ? 4 : 2));
        if (seg == SS) {
            inhibitInterrupts = true;
        }
    }

    private void pusha(boolean o32) {
        int n = o32 ? 4 : 2;
        int sp = sp();
        for (int k = 0; k < 8; k++) {
            int a = sp - (k + 1) * n;
            if (!stack32) {
                a &= 0xFFFF;
            }
            if (o32) {
                wrS32(SS, a, r[k]);
            } else {
                wrS16(SS, a, r[k]);
            }
        }
        setSp(sp - 8 * n);
    }

    private void popa(boolean o32) {
        int n = o32 ? 4 : 2;
        int[] v = popaTmp;
        for (int k = 0; k < 8; k++) {
            v[7 - k] = peek(o32, k * n);
        }
        for (int k = 0; k < 8; k++) {
            if (k != ESP) {
                setRegSz(k, o32 ? 2 : 1, v[k]);
            }
        }
        setSp(sp() + 8 * n);
    }

    private void popf(Insn i) {
        int v = peek(i.o32, 0);
        int fl = getFlags();
        int iopl = (fl >>> 12) & 3;
        // IF and IOPL only change with enough privilege; VIF, VIP, VM and the reserved bits never do.
        int mask = CF | PF | AF | ZF | SF | TF | DF | OF | NT | AC | ID;
        if (cpl == 0) {
            mask |= IOPL;
        }
        if (cpl <= iopl || !protectedMode) {
            mask |= IF;
        }
        if (!i.o32) {
            mask &= 0xFFFF;
        }
        flags = (fl & ~mask) | (v & mask) | 2;
        flags &= ~RF;
        setSp(sp() + (i.o32 ? 4 : 2));
    }

    /**
     * ENTER builds the frame with a private stack pointer and commits ESP and EBP only at the end,
     * after a write probe of the final stack top (the frame's lowest byte): a fault anywhere leaves
     * the registers as they were (the bytes already pushed stay written, as on a real CPU).
     */
    private void enter(Insn i) {
        int size = i.imm & 0xFFFF, level = i.imm2 & 31;
        boolean o32 = i.o32;
        int n = o32 ? 4 : 2;
        int sp = enterPush(sp(), o32, r[EBP]);
        int frame = sp;
        if (level > 0) {
            int bp = stack32 ? r[EBP] : r[EBP] & 0xFFFF;
            for (int k = 1; k < level; k++) {
                bp -= n;
                sp = enterPush(sp, o32, peekAt(bp, o32));
            }
            sp = enterPush(sp, o32, frame);
        }
        int top = stack32 ? sp - size : (sp - size) & 0xFFFF;
        rdw(rmwLin(SS, top, n), n);
        setRegSz(EBP, o32 ? 2 : 1, frame);
        setSp(top);
    }

    private int enterPush(int sp, boolean o32, int v) {
        int a = stack32 ? sp - (o32 ? 4 : 2) : (sp - (o32 ? 4 : 2)) & 0xFFFF;
        if (o32) {
            wrS32(SS, a, v);
        } else {
            wrS16(SS, a, v);
        }
        return a;
    }

    private int peekAt(int off, boolean o32) {
        int a = stack32 ? off : off & 0xFFFF;
        return o32 ? rdS32(SS, a) : rdS16(SS, a);
    }

    final void leave(Insn i) {
        int bp = stack32 ? r[EBP] : r[EBP] & 0xFFFF;
        int v = peekAt(bp, i.o32);
        setSp(bp + (i.o32 ? 4 : 2));
        setRegSz(EBP, i.o32 ? 2 : 1, v);
    }

    /**
     * tour:cpu:950 x87 escapes go to the FPU (package jlguest.cpu.fpu) after the two checks that
     * belong to the CPU: #NM when CR0.EM/TS say the FPU state is not the current task's, and a
     * pending unmasked FPU error, which a waiting instruction reports before it runs: #MF when
     * CR0.NE is set, else the PC's legacy FERR# line (IRQ 13, through the host) and it goes on.
     */
    private void x87(Insn i) {
        fpuCheck(false);
        int code = i.op;
        if (fpu.errorPending() && jlguest.cpu.fpu.Fpu.isWaiting(code, i.modrm)) {
            fpuError();
        }
        if (code == 0xDF && i.modrm == 0xE0) {
            setReg16(EAX, fpu.statusWord());
            return;
        }
        boolean mem = i.mod != 3;
        fpu.where(curEip, segSel[CS], mem ? segSel[i.seg] : 0);
        boolean fcmov = !mem && (code == 0xDA || code == 0xDB) && i.reg < 4;
        int r = fpu.exec(fpuPort, code, i.modrm, i.seg, mem ? ea(i) : 0, i.o32, fcmov ? getFlags() : 0);
        if (r >= 0) {
            setOszapc(r);
        } else if (r == jlguest.cpu.fpu.Fpu.UD) {
            throw noCase(i);     // the decoder found a row, so the x87 should have had a case
        } else if (r == jlguest.cpu.fpu.Fpu.UNIMPLEMENTED) {
            throw unimplemented(i);
        }
    }

    /** FWAIT: #NM as for any x87 instruction (with CR0.MP), then a pending FPU error. */
    private void fwait() {
        fpuCheck(true);
        if (fpu.errorPending()) {
            fpuError();
        }
    }

    final void fpuError() {
        if ((cr0 & CR0_NE) != 0) {
            throw fault(MF, -1);
        }
        host.fpuError();
    }

    private final FpuPort fpuPort = new FpuPort(this);

    final GuestFault unimplemented(Insn i) {
        StringBuilder sb = new StringBuilder("unimplemented instruction");
        if (i.row != null) {
            sb.append(' ').append(i.row.mnemonic());
        }
        sb.append(" (bytes");
        int lin = segBase[CS] + curEip;
        for (int k = 0; k < i.len && k < 15; k++) {
            int b;
            try {
                b = readSlow(lin + k, 1, false, false);
            } catch (GuestFault f) {
                break;
            }
            sb.append(String.format(" %02x", b));
        }
        sb.append(String.format(") at EIP %08x", curEip));
        return stop(Stop.UNIMPLEMENTED, sb.toString());
    }

    // ---- dispatch -----------------------------------------------------------------------------

    /** Decoded instructions that found no case below (see {@link #noCase}); 0 unless we have a bug. */
    private long rowsWithoutCase;

    /**
     * The decoder accepted the instruction, so the opcode table has a row for it, yet the switch
     * has no case: a bug of ours, not of the guest. The guest sees #UD (what a CPU without the
     * instruction would do); the count lets OpcodeCoverageTest find such rows.
     */
    final GuestFault noCase(Insn i) {
        rowsWithoutCase++;
        return fault(UD, -1);
    }

    /** How often {@link #noCase} was reached. */
    public final long rowsWithoutCase() {
        return rowsWithoutCase;
    }

    /** Executes one decoded instruction. */
    final void exec(Insn i) {
        int op = i.op;
        if (op >= 0x100) {
            exec0F(i);
            return;
        }
        switch (op) {
            case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x05:
            case 0x08: case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D:
            case 0x10: case 0x11: case 0x12: case 0x13: case 0x14: case 0x15:
            case 0x18: case 0x19: case 0x1A: case 0x1B: case 0x1C: case 0x1D:
            case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25:
            case 0x28: case 0x29: case 0x2A: case 0x2B: case 0x2C: case 0x2D:
            case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35:
            case 0x38: case 0x39: case 0x3A: case 0x3B: case 0x3C: case 0x3D:
                aluForm(i);
                return;
            case 0x06: push(i.o32, segSel[ES]); return;
            case 0x0E: push(i.o32, segSel[CS]); return;
            case 0x16: push(i.o32, segSel[SS]); return;
            case 0x1E: push(i.o32, segSel[DS]); return;
            case 0x07: popSeg(i, ES); return;
            case 0x17: popSeg(i, SS); return;
            case 0x1F: popSeg(i, DS); return;
            case 0x27: daa(); return;
            case 0x2F: das(); return;
            case 0x37: aaa(false); return;
            case 0x3F: aaa(true); return;
            case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
                setRegSz(op & 7, i.sz, inc(regSz(op & 7, i.sz), i.sz));
                return;
            case 0x48: case 0x49: case 0x4A: case 0x4B: case 0x4C: case 0x4D: case 0x4E: case 0x4F:
                setRegSz(op & 7, i.sz, dec(regSz(op & 7, i.sz), i.sz));
                return;
            case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
                push(i.o32, r[op & 7]);
                return;
            case 0x58: case 0x59: case 0x5A: case 0x5B: case 0x5C: case 0x5D: case 0x5E: case 0x5F: {
                int v = pop(i.o32);
                setRegSz(op & 7, i.sz, v);
                return;
            }
            case 0x60: pusha(i.o32); return;
            case 0x61: popa(i.o32); return;
            case 0x62: {
                int off = ea(i);
                int idx = regSz(i.reg, i.sz), lo, hi;
                if (i.o32) {
                    lo = rdS32(i.seg, off);
                    hi = rdS32(i.seg, off + 4);
                } else {
                    idx = (short) idx;
                    lo = (short) rdS16(i.seg, off);
                    hi = (short) rdS16(i.seg, off + 2);
                }
                if (idx < lo || idx > hi) {
                    throw fault(BR, -1);
                }
                return;
            }
            case 0x63: {
                pmOnly();
                int d = rdE(i, 1), s = r[i.reg] & 0xFFFF;
                if ((d & 3) < (s & 3)) {
                    wrE(i, 1, (d & ~3) | (s & 3));
                    setZf(true);
                } else {
                    setZf(false);
                }
                return;
            }
            case 0x68: case 0x6A: push(i.o32, i.imm); return;
            case 0x69: case 0x6B: setRegSz(i.reg, i.sz, imul(rdE(i, i.sz), i.imm, i.sz)); return;
            case 0x6C: case 0x6D: case 0x6E: case 0x6F:
            case 0xA4: case 0xA5: case 0xA6: case 0xA7: case 0xAA: case 0xAB: case 0xAC: case 0xAD:
            case 0xAE: case 0xAF:
                strings.string(i);
                return;
            case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
            case 0x78: case 0x79: case 0x7A: case 0x7B: case 0x7C: case 0x7D: case 0x7E: case 0x7F:
                if (cond(op & 15)) {
                    jump(i, eip + i.imm);
                }
                return;
            case 0x80: case 0x81: case 0x82: case 0x83: group1(i); return;
            case 0x84: case 0x85: logic(rdE(i, i.sz) & regSz(i.reg, i.sz), i.sz); return;
            case 0x86: case 0x87: xchg(i); return;
            case 0x88: case 0x89: wrE(i, i.sz, regSz(i.reg, i.sz)); return;
            case 0x8A: case 0x8B: setRegSz(i.reg, i.sz, rdE(i, i.sz)); return;
            case 0x8C:
                if (i.reg > 5) {
                    throw fault(UD, -1);
                }
                if (i.mod == 3) {
                    setRegSz(i.rm, i.sz, segSel[i.reg]);
                } else {
                    wrS16(i.seg, ea(i), segSel[i.reg]);
                }
                return;
            case 0x8D: setRegSz(i.reg, i.sz, ea(i)); return;
            case 0x8E:
                if (i.reg > 5 || i.reg == CS) {
                    throw fault(UD, -1);
                }
                loadSeg(i.reg, rdE(i, 1));
                if (i.reg == SS) {
                    inhibitInterrupts = true;
                }
                return;
            case 0x8F: {
                int v = peek(i.o32, 0);
                int old = r[ESP];
                setSp(sp() + (i.o32 ? 4 : 2));
                try {
                    wrE(i, i.sz, v);
                } catch (GuestFault f) {
                    r[ESP] = old;
                    throw f;
                }
                return;
            }
            case 0x90: return;
            case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: {
                int t = regSz(op & 7, i.sz);
                setRegSz(op & 7, i.sz, regSz(EAX, i.sz));
                setRegSz(EAX, i.sz, t);
                return;
            }
            case 0x98:
                if (i.o32) {
                    r[EAX] = (short) r[EAX];
                } else {
                    setReg16(EAX, (byte) r[EAX]);
                }
                return;
            case 0x99:
                if (i.o32) {
                    r[EDX] = r[EAX] >> 31;
                } else {
                    setReg16(EDX, ((short) r[EAX]) >> 15);
                }
                return;
            case 0x9A: farTransfer(i.imm2, i.imm, true, i.o32); return;
            case 0x9B: fwait(); return;
            case 0x9C:
                if (protectedMode && (getFlags() & VM) != 0) {
                    throw fault(GP, 0);
                }
                push(i.o32, getFlags() & ~(VM | RF));
                return;
            case 0x9D: popf(i); return;
            case 0x9E: setOszapc((oszapc() & OpcodeTable.OF) | ((r[EAX] >>> 8) & 0xD5)); return;
            case 0x9F: setReg8(4, (getFlags() & 0xD5) | 2); return;
            case 0xA0: case 0xA1: setRegSz(EAX, i.sz, rdSSz(i.seg, ea(i), i.sz)); return;
            case 0xA2: case 0xA3: wrSSz(i.seg, ea(i), i.sz, r[EAX]); return;
            case 0xA8: case 0xA9: logic(regSz(EAX, i.sz) & i.imm, i.sz); return;
            case 0xB0: case 0xB1: case 0xB2: case 0xB3: case 0xB4: case 0xB5: case 0xB6: case 0xB7:
                setReg8(op & 7, i.imm);
                return;
            case 0xB8: case 0xB9: case 0xBA: case 0xBB: case 0xBC: case 0xBD: case 0xBE: case 0xBF:
                setRegSz(op & 7, i.sz, i.imm);
                return;
            case 0xC0: case 0xC1: group2(i, i.imm); return;
            case 0xD0: case 0xD1: group2(i, 1); return;
            case 0xD2: case 0xD3: group2(i, r[ECX]); return;
            case 0xC2: case 0xC3: {
                int t = peek(i.o32, 0);
                setSp(sp() + (i.o32 ? 4 : 2) + (i.imm & 0xFFFF));
                jump(i, t);
                return;
            }
            case 0xC4: loadFar(i, ES); return;
            case 0xC5: loadFar(i, DS); return;
            case 0xC6: case 0xC7: wrE(i, i.sz, i.imm); return;
            case 0xC8: enter(i); return;
            case 0xC9: leave(i); return;
            case 0xCA: farReturn(i.o32, i.imm & 0xFFFF); return;
            case 0xCB: farReturn(i.o32, 0); return;
            case 0xCC: softwareInterrupt(BP, true); return;
            case 0xCD: softwareInterrupt(i.imm & 0xFF, false); return;
            case 0xCE:
                if (of()) {
                    softwareInterrupt(OF_, true);
                }
                return;
            case 0xCF: iret(i.o32); return;
            case 0xD4: aam(i.imm & 0xFF); return;
            case 0xD5: aad(i.imm & 0xFF); return;
            case 0xD6: setReg8(0, cf() ? 0xFF : 0); return;
            case 0xD7: {
                int base = i.a32 ? r[EBX] : r[EBX] & 0xFFFF;
                int off = base + (r[EAX] & 0xFF);
                setReg8(0, rdS8(i.seg, i.a32 ? off : off & 0xFFFF));
                return;
            }
            case 0xD8: case 0xD9: case 0xDA: case 0xDB: case 0xDC: case 0xDD: case 0xDE: case 0xDF:
                x87(i);
                return;
            case 0xE0: case 0xE1: case 0xE2: {
                int c = strings.cnt(i.a32) - 1;
                strings.setCnt(i.a32, c);
                boolean go = (i.a32 ? c : c & 0xFFFF) != 0
                        && (op == 0xE2 || (op == 0xE1) == zf());
                if (go) {
                    jump(i, eip + i.imm);
                }
                return;
            }
            case 0xE3:
                if (strings.cnt(i.a32) == 0) {
                    jump(i, eip + i.imm);
                }
                return;
            case 0xE4: case 0xE5: setRegSz(EAX, i.sz, strings.in(i.imm & 0xFF, i.sz)); return;
            case 0xE6: case 0xE7: strings.out(i.imm & 0xFF, i.sz, r[EAX]); return;
            case 0xEC: case 0xED: setRegSz(EAX, i.sz, strings.in(r[EDX] & 0xFFFF, i.sz)); return;
            case 0xEE: case 0xEF: strings.out(r[EDX] & 0xFFFF, i.sz, r[EAX]); return;
            case 0xE8: push(i.o32, eip); jump(i, eip + i.imm); return;
            case 0xE9: case 0xEB: jump(i, eip + i.imm); return;
            case 0xEA: farTransfer(i.imm2, i.imm, false, i.o32); return;
            case 0xF1: raise(DB, -1); return;
            case 0xF4:
                priv();
                halted = true;
                return;
            case 0xF5: setCf(!cf()); return;
            case 0xF6: case 0xF7: group3(i); return;
            case 0xF8: setCf(false); return;
            case 0xF9: setCf(true); return;
            case 0xFA:
                if (protectedMode && cpl > ((flags >>> 12) & 3)) {
                    throw fault(GP, 0);
                }
                flags &= ~IF;
                return;
            case 0xFB:
                if (protectedMode && cpl > ((flags >>> 12) & 3)) {
                    throw fault(GP, 0);
                }
                if ((flags & IF) == 0) {
                    inhibitInterrupts = true;
                }
                flags |= IF;
                return;
            case 0xFC: flags &= ~DF; return;
            case 0xFD: flags |= DF; return;
            case 0xFE: incDec(i, i.reg == 1); return;
            case 0xFF: group5(i); return;
            default:
                throw noCase(i);
        }
    }

    /** LES/LDS/LSS/LFS/LGS: offset then selector from memory. */
    private void loadFar(Insn i, int seg) {
        if (i.mod == 3) {
            throw fault(UD, -1);
        }
        int off = ea(i);
        int o = i.o32 ? rdS32(i.seg, off) : rdS16(i.seg, off);
        int sel = rdS16(i.seg, off + (i.o32 ? 4 : 2));
        loadSeg(seg, sel);
        setRegSz(i.reg, i.sz, o);
    }

    private void bitOp(Insn i, int kind, int bitSrc, boolean immediate) {
        int sz = i.sz;
        int w = sz == 2 ? 32 : 16;
        if (i.mod == 3) {
            int v = regSz(i.rm, sz);
            int bit = bitSrc & (w - 1);
            setCf(((v >>> bit) & 1) != 0);
            if (kind != 0) {
                int nv = kind == 1 ? v | (1 << bit) : kind == 2 ? v & ~(1 << bit) : v ^ (1 << bit);
                setRegSz(i.rm, sz, nv);
            }
            return;
        }
        int off = ea(i);
        int bit;
        if (immediate) {
            bit = bitSrc & (w - 1);
        } else {
            int b = sz == 2 ? bitSrc : (short) bitSrc;
            off += (b >> (sz == 2 ? 5 : 4)) * (w / 8);
            if (!i.a32) {
                off &= 0xFFFF;
            }
            bit = b & (w - 1);
        }
        if (kind == 0) {
            int v = rdSSz(i.seg, off, sz);
            setCf(((v >>> bit) & 1) != 0);
            return;
        }
        int lin = rmwLin(i.seg, off, 1 << sz);
        int v = rdw(lin, 1 << sz);
        int nv = kind == 1 ? v | (1 << bit) : kind == 2 ? v & ~(1 << bit) : v ^ (1 << bit);
        wrSz(lin, sz, nv);
        setCf(((v >>> bit) & 1) != 0);
    }

    private void shiftDouble(Insn i, boolean left, int count) {
        int sz = i.sz;
        int src = regSz(i.reg, sz);
        if (i.mod == 3) {
            setRegSz(i.rm, sz, shiftDouble(left, regSz(i.rm, sz), src, count, sz));
        } else {
            int lin = rmwLin(i.seg, ea(i), 1 << sz);
            int v = rdw(lin, 1 << sz);
            wrSz(lin, sz, shiftDouble(left, v, src, count, sz));
        }
    }

    private void cmpxchg(Insn i) {
        int sz = i.sz;
        int acc = regSz(EAX, sz);
        int src = regSz(i.reg, sz);
        if (i.mod == 3) {
            int d = regSz(i.rm, sz);
            alu(7, acc, d, sz);
            if ((acc & MASK[sz]) == (d & MASK[sz])) {
                setRegSz(i.rm, sz, src);
            } else {
                setRegSz(EAX, sz, d);
            }
            return;
        }
        int lin = rmwLin(i.seg, ea(i), 1 << sz);
        int d = rdw(lin, 1 << sz);
        alu(7, acc, d, sz);
        if ((acc & MASK[sz]) == (d & MASK[sz])) {
            wrSz(lin, sz, src);
        } else {
            wrSz(lin, sz, d);
            setRegSz(EAX, sz, d);
        }
    }

    private void xadd(Insn i) {
        int sz = i.sz;
        int src = regSz(i.reg, sz);
        if (i.mod == 3) {
            int d = regSz(i.rm, sz);
            int sum = alu(0, d, src, sz);
            setRegSz(i.reg, sz, d);
            setRegSz(i.rm, sz, sum);
            return;
        }
        int lin = rmwLin(i.seg, ea(i), 1 << sz);
        int d = rdw(lin, 1 << sz);
        int sum = alu(0, d, src, sz);
        wrSz(lin, sz, sum);
        setRegSz(i.reg, sz, d);
    }

    private void cmpxchg8b(Insn i) {
        int off = ea(i);
        int lin0 = rmwLin(i.seg, off, 4);
        int lin1 = rmwLin(i.seg, off + 4, 4);
        int lo = rdw(lin0, 4), hi = rdw(lin1, 4);
        if (lo == r[EAX] && hi == r[EDX]) {
            wr32(lin0, r[EBX]);
            wr32(lin1, r[ECX]);
            setZf(true);
        } else {
            wr32(lin0, lo);
            wr32(lin1, hi);
            r[EAX] = lo;
            r[EDX] = hi;
            setZf(false);
        }
    }

    private void bitScan(Insn i, boolean reverse) {
        int v = rdE(i, i.sz) & MASK[i.sz];
        if (v == 0) {
            setZf(true);
            return;
        }
        setZf(false);
        setRegSz(i.reg, i.sz, reverse ? 31 - Integer.numberOfLeadingZeros(v) : Integer.numberOfTrailingZeros(v));
    }

    private void group6(Insn i) {
        pmOnly();
        switch (i.reg) {
            case 0 -> wrE(i, i.mod == 3 ? i.sz : 1, ldtSel);
            case 1 -> wrE(i, i.mod == 3 ? i.sz : 1, trSel);
            case 2 -> {
                priv();
                loadLdt(rdE(i, 1), GP);
            }
            case 3 -> {
                priv();
                loadTr(rdE(i, 1));
            }
            case 4 -> verrw(rdE(i, 1), false);
            case 5 -> verrw(rdE(i, 1), true);
            default -> throw noCase(i);
        }
    }

    private void group7(Insn i) {
        if (i.modrm == 0xC1) {       // VMCALL
            if (cpl != 0) {
                throw fault(UD, -1);
            }
            r[EAX] = host.hypercall((Cpu) this);
            return;
        }
        switch (i.reg) {
            case 0, 1 -> {
                int off = ea(i);
                wrS16(i.seg, off, i.reg == 0 ? gdtLimit : idtLimit);
                wrS32(i.seg, off + 2, i.reg == 0 ? gdtBase : idtBase);
            }
            case 2, 3 -> {
                priv();
                int off = ea(i);
                int limit = rdS16(i.seg, off);
                int base = rdS32(i.seg, off + 2);
                if (!i.o32) {
                    base &= 0xFFFFFF;
                }
                if (i.reg == 2) {
                    gdtBase = base;
                    gdtLimit = limit;
                } else {
                    idtBase = base;
                    idtLimit = limit;
                }
            }
            case 4 -> wrE(i, i.mod == 3 ? i.sz : 1, cr0);
            case 6 -> {
                priv();
                lmsw(rdE(i, 1));
            }
            case 7 -> {
                priv();
                tlbFlushPage(segBase[i.seg] + ea(i));
            }
            default -> throw noCase(i);
        }
    }

    private void exec0F(Insn i) {
        int op = i.op;
        switch (op) {
            case 0x100: group6(i); return;
            case 0x101: group7(i); return;
            case 0x102: case 0x103: {
                pmOnly();
                if (larLsl(rdE(i, 1), op == 0x103, tmp)) {
                    setRegSz(i.reg, i.sz, tmp[0]);
                }
                return;
            }
            case 0x106: priv(); cr0 &= ~CR0_TS; return;
            case 0x108: case 0x109: priv(); return;
            case 0x10B: throw fault(UD, -1);     // UD2: #UD is what it is for
            case 0x118: case 0x119: case 0x11A: case 0x11B: case 0x11C: case 0x11D: case 0x11E: case 0x11F:
                return;
            case 0x120: priv(); r[i.rm] = readCr(i.reg); return;
            case 0x122: priv(); writeCr(i.reg, r[i.rm]); return;
            case 0x121: {
                priv();
                int n = i.reg == 4 ? 6 : i.reg == 5 ? 7 : i.reg;
                r[i.rm] = n == 6 ? dr[6] | 0xFFFF0FF0 : n == 7 ? dr[7] | 0x400 : dr[n];
                return;
            }
            case 0x123: {
                priv();
                int n = i.reg == 4 ? 6 : i.reg == 5 ? 7 : i.reg;
                dr[n] = r[i.rm];
                return;
            }
            case 0x130: priv(); wrmsr(); return;
            case 0x131: rdtsc(); return;
            case 0x132: priv(); rdmsr(); return;
            case 0x134: sysenter(); return;
            case 0x135: sysexit(); return;
            case 0x140: case 0x141: case 0x142: case 0x143: case 0x144: case 0x145: case 0x146: case 0x147:
            case 0x148: case 0x149: case 0x14A: case 0x14B: case 0x14C: case 0x14D: case 0x14E: case 0x14F: {
                int v = rdE(i, i.sz);
                if (cond(op & 15)) {
                    setRegSz(i.reg, i.sz, v);
                }
                return;
            }
            case 0x180: case 0x181: case 0x182: case 0x183: case 0x184: case 0x185: case 0x186: case 0x187:
            case 0x188: case 0x189: case 0x18A: case 0x18B: case 0x18C: case 0x18D: case 0x18E: case 0x18F:
                if (cond(op & 15)) {
                    jump(i, eip + i.imm);
                }
                return;
            case 0x190: case 0x191: case 0x192: case 0x193: case 0x194: case 0x195: case 0x196: case 0x197:
            case 0x198: case 0x199: case 0x19A: case 0x19B: case 0x19C: case 0x19D: case 0x19E: case 0x19F:
                wrE(i, 0, cond(op & 15) ? 1 : 0);
                return;
            case 0x1A0: push(i.o32, segSel[FS]); return;
            case 0x1A8: push(i.o32, segSel[GS]); return;
            case 0x1A1: popSeg(i, FS); return;
            case 0x1A9: popSeg(i, GS); return;
            case 0x1A2: cpuid(); return;
            case 0x1A3: bitOp(i, 0, regSz(i.reg, i.sz), false); return;
            case 0x1AB: bitOp(i, 1, regSz(i.reg, i.sz), false); return;
            case 0x1B3: bitOp(i, 2, regSz(i.reg, i.sz), false); return;
            case 0x1BB: bitOp(i, 3, regSz(i.reg, i.sz), false); return;
            case 0x1BA: bitOp(i, i.reg - 4, i.imm, true); return;
            case 0x1A4: shiftDouble(i, true, i.imm); return;
            case 0x1A5: shiftDouble(i, true, r[ECX]); return;
            case 0x1AC: shiftDouble(i, false, i.imm); return;
            case 0x1AD: shiftDouble(i, false, r[ECX]); return;
            case 0x1AF: setRegSz(i.reg, i.sz, imul(regSz(i.reg, i.sz), rdE(i, i.sz), i.sz)); return;
            case 0x1B0: case 0x1B1: cmpxchg(i); return;
            case 0x1B2: loadFar(i, SS); return;
            case 0x1B4: loadFar(i, FS); return;
            case 0x1B5: loadFar(i, GS); return;
            case 0x1B6: setRegSz(i.reg, i.sz, rdE(i, 0)); return;
            case 0x1B7: setRegSz(i.reg, i.sz, rdE(i, 1)); return;
            case 0x1BE: setRegSz(i.reg, i.sz, (byte) rdE(i, 0)); return;
            case 0x1BF: setRegSz(i.reg, i.sz, (short) rdE(i, 1)); return;
            case 0x1BC: bitScan(i, false); return;
            case 0x1BD: bitScan(i, true); return;
            case 0x1C0: case 0x1C1: xadd(i); return;
            case 0x1C7: cmpxchg8b(i); return;
            case 0x1C8: case 0x1C9: case 0x1CA: case 0x1CB: case 0x1CC: case 0x1CD: case 0x1CE: case 0x1CF:
                if (i.o32) {
                    r[op & 7] = Integer.reverseBytes(r[op & 7]);
                } else {
                    setReg16(op & 7, 0);   // undefined in the SDM; what real parts do (not difftested)
                }
                return;
            case Insn.OP_UNIMPL:
                throw unimplemented(i);
            case Insn.OP_FAULT:
                throw fault(i.imm, i.imm2);
            default:
                if (op < Insn.OP_UD && (i.attrs & (Opcode.MMX | Opcode.SSE | Opcode.SIMD)) != 0) {
                    simd.exec(simdPort, fpu, simdForm(i.row), i.modrm, i.seg, i.mod != 3 ? ea(i) : 0, i.imm, i.a32);
                    return;
                }
                throw noCase(i);
        }
    }

    private final SimdPort simdPort = new SimdPort(this);

    /** Each SIMD row's form for jlguest.cpu.simd, made once: read-only after class init, by identity. */
    private static final java.util.Map<Opcode, jlguest.cpu.simd.Simd.Form> SIMD_FORMS = simdForms();

    private static java.util.Map<Opcode, jlguest.cpu.simd.Simd.Form> simdForms() {
        java.util.Map<Opcode, jlguest.cpu.simd.Simd.Form> m = new java.util.IdentityHashMap<>();
        for (Opcode r : OpcodeTable.ROWS) {
            if ((r.attrs() & (Opcode.MMX | Opcode.SSE | Opcode.SIMD)) != 0) {
                m.put(r, new jlguest.cpu.simd.Simd.Form(r.code(), r.prefix(), (r.attrs() & Opcode.MMX) != 0,
                        (r.attrs() & Opcode.SSE) != 0));
            }
        }
        return m;
    }

    private static jlguest.cpu.simd.Simd.Form simdForm(Opcode row) {
        return SIMD_FORMS.get(row);
    }
}
