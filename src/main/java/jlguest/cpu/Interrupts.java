package jlguest.cpu;

import static jlguest.cpu.OpcodeTable.AC;
import static jlguest.cpu.OpcodeTable.IF;
import static jlguest.cpu.OpcodeTable.IOPL;
import static jlguest.cpu.OpcodeTable.NT;
import static jlguest.cpu.OpcodeTable.RF;
import static jlguest.cpu.OpcodeTable.TF;
import static jlguest.cpu.OpcodeTable.VM;

import jlguest.bus.PhysicalBus;

/**
 * Exceptions, interrupts, privilege changes and task switches: everything that moves the CPU
 * between code segments with checks.
 *
 * <p>tour:faults:020 An exception is delivered through the IDT: an interrupt or trap gate names a code
 * segment and an offset; going to a more privileged ring takes a fresh stack from the TSS and
 * pushes the old SS:ESP first. If delivering an exception raises another, the pair may become a
 * double fault (#DF); a fault while delivering #DF is a triple fault, which resets a real PC and
 * stops our run loop with {@link Stop#TRIPLE_FAULT}. Delivery is careful to change no register
 * before every check has passed, so a nested fault sees the state as it was.
 */
abstract class Interrupts extends Segments {
    final CpuHost host;

    /** Special "vector" carried by a GuestFault that stops the run loop (UNIMPLEMENTED...). */
    static final int VEC_STOP = 256;
    Stop pendingStop;
    String stopMessage = "";
    boolean tripleFault;
    /** The exception that began the chain ending in a triple fault: vector, error code (-1: none), EIP. */
    int tripleFaultVector = -1, tripleFaultError = -1, tripleFaultEip;

    Interrupts(PhysicalBus bus, CpuHost host, Memory previous) {
        super(bus, previous);
        this.host = host;
    }

    final GuestFault stop(Stop why, String message) {
        pendingStop = why;
        stopMessage = message;
        return fault(VEC_STOP, -1);
    }

    static boolean contributory(int v) {
        return v == DE || v >= TS && v <= GP;
    }

    static boolean hasErrorCode(int v) {
        return v == DF_ || v >= TS && v <= PF_ || v == AC_;
    }

    /**
     * Raises an exception at the current instruction (eip must already point where the handler
     * should return: the faulting instruction for faults, the next one for traps), handling the
     * double-fault and triple-fault rules.
     */
    final void raise(int vector, int errorCode) {
        int firstVector = vector, firstError = hasErrorCode(vector) ? errorCode : -1, firstEip = eip;
        for (;;) {
            host.exceptionRaised(vector, hasErrorCode(vector) ? errorCode : -1, eip);
            try {
                deliver(vector, hasErrorCode(vector) ? errorCode : -1, false, true);
                return;
            } catch (GuestFault f) {
                if (f.vector == VEC_STOP) {
                    throw f;
                }
                int nv = f.vector, ne = f.errorCode;
                if (vector == DF_) {
                    tripleFault = true;
                    tripleFaultVector = firstVector;
                    tripleFaultError = firstError;
                    tripleFaultEip = firstEip;
                    stopMessage = String.format("triple fault: exception %d (error %x) delivering #DF at %08x",
                            nv, ne, eip);
                    throw stop(Stop.TRIPLE_FAULT, stopMessage);
                }
                if (contributory(vector) && contributory(nv) || vector == PF_ && (contributory(nv) || nv == PF_)) {
                    nv = DF_;
                    ne = 0;
                }
                vector = nv;
                errorCode = ne;
            }
        }
    }

    /**
     * INT n, INT3, INTO: a software interrupt (gate DPL checked); eip is the return address. A
     * fault while delivering it propagates to the run loop, which restarts the INT instruction.
     */
    final void softwareInterrupt(int vector, boolean exception) {
        if (exception) {
            host.exceptionRaised(vector, -1, eip);
        }
        deliver(vector, -1, true, false);
    }

    // tour:faults:050 An interrupt's whole delivery. A device raises its IRQ line at the PIC; the PIC,
    // if the line is unmasked and outranks what is in service, raises INTR, which sets the CPU's
    // `intrLine`. Between two blocks the run loop (Cpu.loop) sees INTR with IF=1, calls the host's
    // acknowledgeInterrupt (the machine counts it and asks the PIC for the vector, moving the request
    // from IRR to ISR) and delivers that vector here, through the IDT exactly like an exception but
    // with no error code. The handler ends it with an EOI (OUT 0x20, 0x20) and an IRET.
    /** An external interrupt (from the INTR line). */
    final void externalInterrupt(int vector) {
        try {
            deliver(vector, -1, false, true);
        } catch (GuestFault f) {
            if (f.vector == VEC_STOP) {
                throw f;
            }
            raise(f.vector, f.errorCode);
        }
    }

    /** Delivers through the IVT (real mode) or the IDT; error < 0 means none is pushed. */
    final void deliver(int vector, int error, boolean soft, boolean ext) {
        if (!protectedMode) {
            int entry = vector * 4;
            if (entry + 3 > (idtLimit & 0xFFFF)) {
                throw fault(GP, 0);
            }
            int ivt = sysRead32(idtBase + entry);
            int fl = getFlags();
            int sp = sp();
            wrS16(SS, (sp - 2) & 0xFFFF, fl);
            wrS16(SS, (sp - 4) & 0xFFFF, segSel[CS]);
            wrS16(SS, (sp - 6) & 0xFFFF, eip);
            setSp((sp - 6) & 0xFFFF);
            flags = fl & ~(IF | TF | AC | RF);
            loadSegReal(CS, ivt >>> 16);
            eip = ivt & 0xFFFF;
            return;
        }
        int e = ext ? 1 : 0;
        if (vector * 8 + 7 > idtLimit) {
            throw fault(GP, vector * 8 + 2 + e);
        }
        int lo = sysRead32(idtBase + vector * 8), hi = sysRead32(idtBase + vector * 8 + 4);
        int type = (hi >>> 8) & 0x1F;
        int gdpl = (hi >>> 13) & 3;
        if (type != 0x05 && type != 0x06 && type != 0x07 && type != 0x0E && type != 0x0F) {
            throw fault(GP, vector * 8 + 2 + e);
        }
        if (soft && gdpl < cpl) {
            throw fault(GP, vector * 8 + 2);
        }
        if ((hi & 0x8000) == 0) {
            throw fault(NP, vector * 8 + 2 + e);
        }
        if (type == 0x05) {
            taskSwitch(lo >>> 16, SWITCH_CALL, eip);
            if (error >= 0) {
                if ((trAttr & 8) != 0) {
                    push32(error);
                } else {
                    push16(error);
                }
            }
            return;
        }
        boolean gate32 = (type & 8) != 0;
        int sel = lo >>> 16;
        int off = gate32 ? (lo & 0xFFFF) | (hi & 0xFFFF0000) : lo & 0xFFFF;
        if ((sel & 0xFFFC) == 0) {
            throw fault(GP, e);
        }
        long d = readDesc(sel, GP);
        int attr = descAttr(d);
        int dpl = attrDpl(attr);
        if (!attrCode(attr) || dpl > cpl) {
            throw fault(GP, (sel & 0xFFFC) + e);
        }
        if (!attrPresent(attr)) {
            throw fault(NP, (sel & 0xFFFC) + e);
        }
        int fl = getFlags();
        if ((fl & VM) != 0) {
            throw stop(Stop.UNIMPLEMENTED, "unimplemented: interrupt from virtual-8086 mode");
        }
        int n = gate32 ? 4 : 2;
        int newCpl;
        if (!attrConforming(attr) && dpl < cpl) {
            // tour:faults:030 Into a more privileged ring: the new stack comes from the TSS.
            tssStack(dpl, e);
            int newSs = tssSs, newEsp = tssEsp;
            long sd = readDesc(newSs, TS);
            int sattr = descAttr(sd);
            int sbase = descBase(sd);
            boolean s32 = (sattr & 0x4000) != 0;
            int count = error >= 0 ? 6 : 5;
            int sp = newEsp - count * n;
            if (!s32) {
                sp &= 0xFFFF;
            }
            // Pushed image, from the top down: SS, ESP, EFLAGS, CS, EIP [, error code].
            int k = count - 1;
            boolean u = dpl == 3;
            stackWrite(sbase, s32, sp, k--, n, segSel[SS], u);
            stackWrite(sbase, s32, sp, k--, n, r[ESP], u);
            stackWrite(sbase, s32, sp, k--, n, fl, u);
            stackWrite(sbase, s32, sp, k--, n, segSel[CS], u);
            stackWrite(sbase, s32, sp, k--, n, eip, u);
            if (error >= 0) {
                stackWrite(sbase, s32, sp, k, n, error, u);
            }
            setAccessed(newSs, sd);
            setSeg(SS, newSs, sbase, descLimit(sd), sattr | 1);
            r[ESP] = s32 ? sp : (r[ESP] & 0xFFFF0000) | sp;
            newCpl = dpl;
        } else if (attrConforming(attr) || dpl == cpl) {
            int sp = sp() - (error >= 0 ? 4 : 3) * n;
            int k = error >= 0 ? 3 : 2;
            sameStackWrite(sp, k--, n, fl);
            sameStackWrite(sp, k--, n, segSel[CS]);
            sameStackWrite(sp, k--, n, eip);
            if (error >= 0) {
                sameStackWrite(sp, k, n, error);
            }
            setSp(stack32 ? sp : sp & 0xFFFF);
            newCpl = cpl;
        } else {
            throw fault(GP, (sel & 0xFFFC) + e);
        }
        flags = fl & ~(TF | NT | RF | VM | ((type & 1) == 0 ? IF : 0));
        setCs(sel, d, newCpl);
        eip = off;
    }

    private void stackWrite(int base, boolean s32, int sp, int slot, int n, int v, boolean user) {
        int off = sp + slot * n;
        writeSlow(base + (s32 ? off : off & 0xFFFF), n, v, user);
    }

    private void sameStackWrite(int sp, int slot, int n, int v) {
        int a = sp + slot * n;
        if (!stack32) {
            a &= 0xFFFF;
        }
        if (n == 4) {
            wrS32(SS, a, v);
        } else {
            wrS16(SS, a, v);
        }
    }

    /** Results of {@link #tssStack}. */
    private int tssSs, tssEsp;

    /** SS:ESP for ring {@code dpl} from the current TSS (into tssSs/tssEsp), checked (#TS). */
    private void tssStack(int dpl, int e) {
        boolean tss32 = (trAttr & 8) != 0;
        int newSs, newEsp;
        if (tss32) {
            if (8 + dpl * 8 + 1 > trLimit) {
                throw fault(TS, (trSel & 0xFFFC) + e);
            }
            newEsp = sysRead32(trBase + 4 + dpl * 8);
            newSs = sysRead16(trBase + 8 + dpl * 8);
        } else {
            if (4 + dpl * 4 + 1 > trLimit) {
                throw fault(TS, (trSel & 0xFFFC) + e);
            }
            newEsp = sysRead16(trBase + 2 + dpl * 4);
            newSs = sysRead16(trBase + 4 + dpl * 4);
        }
        if ((newSs & 0xFFFC) == 0) {
            throw fault(TS, e);
        }
        if ((newSs & 3) != dpl) {
            throw fault(TS, (newSs & 0xFFFC) + e);
        }
        long sd = readDesc(newSs, TS);
        int sattr = descAttr(sd);
        if (attrDpl(sattr) != dpl || !attrWritableData(sattr)) {
            throw fault(TS, (newSs & 0xFFFC) + e);
        }
        if (!attrPresent(sattr)) {
            throw fault(SS_, (newSs & 0xFFFC) + e);
        }
        tssSs = newSs;
        tssEsp = newEsp;
    }

    // ---- IRET ---------------------------------------------------------------------------------

    final void iret(boolean o32) {
        if (!protectedMode) {
            int ip = peek(o32, 0), cs = peek(o32, o32 ? 4 : 2), fl = peek(o32, o32 ? 8 : 4);
            setSp(sp() + (o32 ? 12 : 6));
            loadSegReal(CS, cs);
            eip = o32 ? ip : ip & 0xFFFF;
            int mask = o32 ? 0x257FD5 : 0x7FD5;
            getFlags();
            flags = (flags & ~mask) | (fl & mask) | 2;
            return;
        }
        getFlags();
        if ((flags & NT) != 0) {
            int back = sysRead16(trBase);
            taskSwitch(back, SWITCH_IRET, eip);
            return;
        }
        int n = o32 ? 4 : 2;
        int newEip = peek(o32, 0), newCs = peek(o32, n) & 0xFFFF, fl = peek(o32, 2 * n);
        if (!o32) {
            fl = (flags & 0xFFFF0000) | (fl & 0xFFFF);
        }
        if ((fl & VM) != 0 && cpl == 0) {
            // We have no virtual-8086 mode. A real CPU would enter it here; ending the machine
            // would hand any guest a way to kill it, so the guest gets #GP(0) at the IRET instead,
            // which its kernel reports like any other fault (issue 17; SystemTest).
            throw fault(GP, 0);
        }
        int rpl = newCs & 3;
        long d = checkReturnCs(newCs);
        int newEsp = 0, newSs = 0;
        long sd = 0;
        if (rpl > cpl) {
            newEsp = peek(o32, 3 * n);
            newSs = peek(o32, 4 * n) & 0xFFFF;
            sd = checkReturnSs(newSs, rpl);
        }
        // tour:faults:040 Which flags IRET may change depends on who runs it: only ring 0 may change
        // IOPL, and IF only moves when CPL <= IOPL.
        int mask = 0x254DD5 | TF;   // CF PF AF ZF SF TF DF OF NT RF AC ID
        if (cpl == 0) {
            mask |= IOPL;
        }
        if (cpl <= ((flags >>> 12) & 3)) {
            mask |= IF;
        }
        if (!o32) {
            mask &= 0xFFFF;
        }
        flags = (flags & ~mask) | (fl & mask) | 2;
        if (rpl > cpl) {
            setCs(newCs, d, rpl);
            setAccessed(newSs, sd);
            setSeg(SS, newSs, descBase(sd), descLimit(sd), descAttr(sd) | 1);
            r[ESP] = stack32 ? newEsp : (r[ESP] & 0xFFFF0000) | (newEsp & 0xFFFF);
            nullInaccessibleSegments();
        } else {
            setSp(sp() + 3 * n);
            setCs(newCs, d, cpl);
        }
        eip = o32 ? newEip : newEip & 0xFFFF;
    }

    /** Checks a CS being returned to (IRET, RETF); returns its descriptor. */
    final long checkReturnCs(int sel) {
        int rpl = sel & 3;
        if ((sel & 0xFFFC) == 0) {
            throw fault(GP, 0);
        }
        long d = readDesc(sel, GP);
        int attr = descAttr(d);
        if (!attrCode(attr) || rpl < cpl || (attrConforming(attr) ? attrDpl(attr) > rpl : attrDpl(attr) != rpl)) {
            throw fault(GP, sel & 0xFFFC);
        }
        if (!attrPresent(attr)) {
            throw fault(NP, sel & 0xFFFC);
        }
        return d;
    }

    /** Checks an SS being returned to at privilege {@code rpl}; returns its descriptor. */
    final long checkReturnSs(int sel, int rpl) {
        if ((sel & 0xFFFC) == 0) {
            throw fault(GP, 0);
        }
        long sd = readDesc(sel, GP);
        int sattr = descAttr(sd);
        if ((sel & 3) != rpl || attrDpl(sattr) != rpl || !attrWritableData(sattr)) {
            throw fault(GP, sel & 0xFFFC);
        }
        if (!attrPresent(sattr)) {
            throw fault(SS_, sel & 0xFFFC);
        }
        return sd;
    }

    // ---- far transfers ------------------------------------------------------------------------

    /** JMP far / CALL far to sel:off; {@code retEip} is pushed by a call. */
    final void farTransfer(int sel, int off, boolean call, boolean o32) {
        sel &= 0xFFFF;
        if (!o32) {
            off &= 0xFFFF;
        }
        if (!protectedMode) {
            if (call) {
                int sp = sp();
                int n = o32 ? 4 : 2;
                writeStack(sp - n, o32, segSel[CS]);
                writeStack(sp - 2 * n, o32, eip);
                setSp(sp - 2 * n);
            }
            loadSegReal(CS, sel);
            eip = off;
            return;
        }
        if ((sel & 0xFFFC) == 0) {
            throw fault(GP, 0);
        }
        long d = readDesc(sel, GP);
        int attr = descAttr(d);
        int dpl = attrDpl(attr), rpl = sel & 3;
        if (attrCode(attr)) {
            if (attrConforming(attr) ? dpl > cpl : rpl > cpl || dpl != cpl) {
                throw fault(GP, sel & 0xFFFC);
            }
            if (!attrPresent(attr)) {
                throw fault(NP, sel & 0xFFFC);
            }
            if (call) {
                pushFarReturn(o32);
            }
            setCs(sel, d, cpl);
            eip = off;
            return;
        }
        int type = attr & 0x1F;
        switch (type) {
            case 0x04, 0x0C -> callGate(sel, d, call, o32);
            case 0x05 -> {
                if (dpl < cpl || dpl < rpl) {
                    throw fault(GP, sel & 0xFFFC);
                }
                if (!attrPresent(attr)) {
                    throw fault(NP, sel & 0xFFFC);
                }
                taskSwitch((int) (d >>> 16) & 0xFFFF, call ? SWITCH_CALL : SWITCH_JMP, eip);
            }
            case 0x01, 0x09 -> {
                if (dpl < cpl || dpl < rpl) {
                    throw fault(GP, sel & 0xFFFC);
                }
                taskSwitch(sel, call ? SWITCH_CALL : SWITCH_JMP, eip);
            }
            default -> throw fault(GP, sel & 0xFFFC);
        }
    }

    private void writeStack(int sp, boolean o32, int v) {
        int a = stack32 ? sp : sp & 0xFFFF;
        if (o32) {
            wrS32(SS, a, v);
        } else {
            wrS16(SS, a, v);
        }
    }

    private void pushFarReturn(boolean o32) {
        int sp = sp();
        int n = o32 ? 4 : 2;
        writeStack(sp - n, o32, segSel[CS]);
        writeStack(sp - 2 * n, o32, eip);
        setSp(sp - 2 * n);
    }

    private void callGate(int sel, long gate, boolean call, boolean o32) {
        int gattr = descAttr(gate);
        int gdpl = attrDpl(gattr);
        if (gdpl < cpl || gdpl < (sel & 3)) {
            throw fault(GP, sel & 0xFFFC);
        }
        if (!attrPresent(gattr)) {
            throw fault(NP, sel & 0xFFFC);
        }
        boolean gate32 = (gattr & 8) != 0;
        int tsel = (int) (gate >>> 16) & 0xFFFF;
        int toff = gate32 ? (int) (gate & 0xFFFF) | (int) ((gate >>> 32) & 0xFFFF0000L) : (int) gate & 0xFFFF;
        int params = (int) (gate >>> 32) & 0x1F;
        if ((tsel & 0xFFFC) == 0) {
            throw fault(GP, 0);
        }
        long d = readDesc(tsel, GP);
        int attr = descAttr(d);
        int dpl = attrDpl(attr);
        if (!attrCode(attr) || dpl > cpl) {
            throw fault(GP, tsel & 0xFFFC);
        }
        if (!attrPresent(attr)) {
            throw fault(NP, tsel & 0xFFFC);
        }
        if (call && !attrConforming(attr) && dpl < cpl) {
            tssStack(dpl, 0);
            int[] ss = {tssSs, tssEsp};
            long sd = readDesc(ss[0], TS);
            int sbase = descBase(sd);
            boolean s32 = (descAttr(sd) & 0x4000) != 0;
            int n = gate32 ? 4 : 2;
            int oldSs = segSel[SS], oldEsp = r[ESP];
            int[] args = new int[params];
            for (int i = 0; i < params; i++) {
                args[i] = peek(gate32, i * n);
            }
            int sp = ss[1];
            int total = (4 + params) * n;
            int nsp = sp - total;
            int[] vals = new int[4 + params];
            vals[0] = eip;
            vals[1] = segSel[CS];
            for (int i = 0; i < params; i++) {
                vals[2 + i] = args[i];
            }
            vals[2 + params] = oldEsp;
            vals[3 + params] = oldSs;
            for (int i = 0; i < vals.length; i++) {
                int off = nsp + i * n;
                writeSlow(sbase + (s32 ? off : off & 0xFFFF), n, vals[i], dpl == 3);
            }
            setAccessed(ss[0], sd);
            setSeg(SS, ss[0], sbase, descLimit(sd), descAttr(sd) | 1);
            r[ESP] = s32 ? nsp : (r[ESP] & 0xFFFF0000) | (nsp & 0xFFFF);
            setCs(tsel, d, dpl);
        } else {
            if (!attrConforming(attr) && dpl != cpl) {
                throw fault(GP, tsel & 0xFFFC);
            }
            if (call) {
                pushFarReturn(gate32);
            }
            setCs(tsel, d, cpl);
        }
        eip = toff;
    }

    /** RETF [imm]: possibly to an outer ring. */
    final void farReturn(boolean o32, int imm) {
        int n = o32 ? 4 : 2;
        int newEip = peek(o32, 0), newCs = peek(o32, n) & 0xFFFF;
        if (!protectedMode) {
            setSp(sp() + 2 * n + imm);
            loadSegReal(CS, newCs);
            eip = o32 ? newEip : newEip & 0xFFFF;
            return;
        }
        int rpl = newCs & 3;
        long d = checkReturnCs(newCs);
        if (rpl > cpl) {
            int newEsp = peek(o32, 2 * n + imm), newSs = peek(o32, 3 * n + imm) & 0xFFFF;
            long sd = checkReturnSs(newSs, rpl);
            setCs(newCs, d, rpl);
            setAccessed(newSs, sd);
            setSeg(SS, newSs, descBase(sd), descLimit(sd), descAttr(sd) | 1);
            setSp(newEsp + imm);
            nullInaccessibleSegments();
        } else {
            setSp(sp() + 2 * n + imm);
            setCs(newCs, d, cpl);
        }
        eip = o32 ? newEip : newEip & 0xFFFF;
    }

    // ---- task switch --------------------------------------------------------------------------

    static final int SWITCH_JMP = 0, SWITCH_CALL = 1, SWITCH_IRET = 2;
    private static final int[] TASK_DATA_SEGS = {SS, ES, DS, FS, GS};

    /**
     * tour:faults:060 A hardware task switch through a 32-bit TSS: the current registers are saved in
     * the old TSS and the new task's loaded from its TSS, including CR3 and the LDT. Linux uses
     * this for exactly one thing on i386: the double-fault handler runs as its own task, so that a
     * kernel stack overflow can still be reported. The 80286's 16-bit TSS (types 1 and 3) works
     * the same way with word-sized fields, no CR3 and no FS or GS: loading one zeroes the upper
     * halves of EIP and EFLAGS, sets those of the general registers to 0xFFFF (as Bochs models the
     * hardware) and loads null FS and GS.
     */
    final void taskSwitch(int sel, int reason, int retEip) {
        if ((sel & 4) != 0 || (sel & 0xFFFC) == 0) {
            throw fault(reason == SWITCH_IRET ? TS : GP, sel & 0xFFFC);
        }
        long d = readDesc(sel, GP);
        int attr = descAttr(d);
        int type = attr & 0x17;   // 1 or 9 available, 3 or B busy (bit 3: a 32-bit TSS)
        if (reason == SWITCH_IRET ? type != 0x03 : type != 0x01) {
            throw fault(reason == SWITCH_IRET ? TS : GP, sel & 0xFFFC);
        }
        boolean new16 = (attr & 0x08) == 0;
        if (!attrPresent(attr)) {
            throw fault(NP, sel & 0xFFFC);
        }
        int nb = descBase(d);
        int nlimit = descLimit(d);
        if (Integer.compareUnsigned(nlimit, new16 ? 0x2B : 0x67) < 0) {
            throw fault(TS, sel & 0xFFFC);
        }
        // Read the whole new state before writing anything.
        int ncr3, neip, nfl, nldt;
        int[] nr = new int[8];
        int[] nseg = new int[6];
        if (new16) {
            ncr3 = cr3;
            neip = sysRead16(nb + 0x0E);
            nfl = sysRead16(nb + 0x10);
            for (int i = 0; i < 8; i++) {
                nr[i] = 0xFFFF0000 | sysRead16(nb + 0x12 + 2 * i);
            }
            for (int i = 0; i < 4; i++) {
                nseg[i] = sysRead16(nb + 0x22 + 2 * i);   // ES, CS, SS, DS; FS and GS stay 0: null
            }
            nldt = sysRead16(nb + 0x2A);
        } else {
            ncr3 = sysRead32(nb + 0x1C);
            neip = sysRead32(nb + 0x20);
            nfl = sysRead32(nb + 0x24);
            for (int i = 0; i < 8; i++) {
                nr[i] = sysRead32(nb + 0x28 + 4 * i);
            }
            for (int i = 0; i < 6; i++) {
                nseg[i] = sysRead16(nb + 0x48 + 4 * i);
            }
            nldt = sysRead16(nb + 0x60);
        }
        // Save the old state.
        int ob = trBase;
        int fl = getFlags();
        if (reason == SWITCH_IRET) {
            fl &= ~NT;
        }
        if ((trAttr & 0x08) == 0) {   // the old task's TSS is a 16-bit one
            sysWrite16(ob + 0x0E, retEip);
            sysWrite16(ob + 0x10, fl);
            for (int i = 0; i < 8; i++) {
                sysWrite16(ob + 0x12 + 2 * i, r[i]);
            }
            for (int i = 0; i < 4; i++) {
                sysWrite16(ob + 0x22 + 2 * i, segSel[i]);
            }
        } else {
            sysWrite32(ob + 0x20, retEip);
            sysWrite32(ob + 0x24, fl);
            for (int i = 0; i < 8; i++) {
                sysWrite32(ob + 0x28 + 4 * i, r[i]);
            }
            for (int i = 0; i < 6; i++) {
                sysWrite16(ob + 0x48 + 4 * i, segSel[i]);
            }
        }
        if (reason != SWITCH_CALL) {
            int oa = descAddr(trSel, GP);
            sysWrite8(oa + 5, sysRead8(oa + 5) & ~2);    // old task no longer busy
        }
        if (reason == SWITCH_CALL) {
            sysWrite16(nb, trSel);
            nfl |= NT;
        }
        if (reason != SWITCH_IRET) {
            int na = descAddr(sel, GP);
            sysWrite8(na + 5, sysRead8(na + 5) | 2);
        }
        trSel = sel;
        trBase = nb;
        trLimit = nlimit;
        trAttr = attr | 2;
        cr0 |= CR0_TS;
        if (paging && ncr3 != cr3) {
            cr3 = ncr3;
            tlbFlush(false);
        }
        System.arraycopy(nr, 0, r, 0, 8);
        lfOp = LF_NONE;
        flags = nfl | 2;
        eip = neip;
        // Segment loads come last; their errors are #TS in the new task's context.
        try {
            loadLdt(nldt, TS);
            long cd = readDesc(nseg[CS], TS);
            int cattr = descAttr(cd);
            if (!attrCode(cattr) || !attrPresent(cattr)) {
                throw fault(TS, nseg[CS] & 0xFFFC);
            }
            setCs(nseg[CS], cd, nseg[CS] & 3);
            for (int s : TASK_DATA_SEGS) {
                loadSeg(s, nseg[s]);
            }
        } catch (GuestFault f) {
            if (f.vector == GP || f.vector == NP) {
                throw fault(TS, f.errorCode);
            }
            throw f;
        }
    }

    /** LLDT: a null selector disables the LDT. */
    final void loadLdt(int sel, int vector) {
        sel &= 0xFFFF;
        if ((sel & 0xFFFC) == 0) {
            ldtSel = sel;
            ldtBase = 0;
            ldtLimit = 0;
            return;
        }
        if ((sel & 4) != 0) {
            throw fault(vector, sel & 0xFFFC);
        }
        long d = readDesc(sel, vector);
        int attr = descAttr(d);
        if ((attr & 0x1F) != 0x02) {
            throw fault(vector, sel & 0xFFFC);
        }
        if (!attrPresent(attr)) {
            throw fault(NP, sel & 0xFFFC);
        }
        ldtSel = sel;
        ldtBase = descBase(d);
        ldtLimit = descLimit(d);
    }

    /** LTR: loads an available TSS and marks it busy. */
    final void loadTr(int sel) {
        sel &= 0xFFFF;
        if ((sel & 0xFFFC) == 0 || (sel & 4) != 0) {
            throw fault(GP, sel & 0xFFFC);
        }
        long d = readDesc(sel, GP);
        int attr = descAttr(d);
        int type = attr & 0x1F;
        if (type != 0x09 && type != 0x01) {
            throw fault(GP, sel & 0xFFFC);
        }
        if (!attrPresent(attr)) {
            throw fault(NP, sel & 0xFFFC);
        }
        int a = descAddr(sel, GP);
        sysWrite8(a + 5, (int) (d >>> 40) | 2);
        trSel = sel;
        trBase = descBase(d);
        trLimit = descLimit(d);
        trAttr = attr | 2;
    }

    // ---- I/O permission -----------------------------------------------------------------------

    /**
     * tour:faults:070 IN and OUT at CPL > IOPL consult the I/O permission bitmap at the end of the
     * TSS: one bit per port, all bits of the accessed ports must be clear. Linux's ioperm() fills it.
     */
    final void checkIo(int port, int size) {
        if (!protectedMode || cpl <= ((getFlags() >>> 12) & 3)) {
            return;
        }
        if ((trAttr & 0x1D) != 0x09 || Integer.compareUnsigned(trLimit, 0x67) < 0) {
            throw fault(GP, 0);
        }
        int base = sysRead16(trBase + 0x66);
        int off = base + ((port & 0xFFFF) >>> 3);
        if (Integer.compareUnsigned(off + 1, trLimit) > 0) {
            throw fault(GP, 0);
        }
        int bits = sysRead16(trBase + off);
        if (((bits >>> (port & 7)) & ((1 << size) - 1)) != 0) {
            throw fault(GP, 0);
        }
    }
}
