package jlguest.cpu;

import jlguest.bus.PhysicalBus;

/**
 * Segmentation: descriptor tables, segment register loads with their checks, limit checks, and
 * segment-relative memory access (including the stack).
 *
 * <p>tour:mmu:010 Every memory operand is a segment plus an offset. Each segment register has a
 * hidden cache (base, limit, attributes) loaded from a descriptor when the selector is loaded; the
 * descriptor tables are never consulted on an ordinary access. Linux sets up flat 4 GiB segments,
 * so {@code segFast} remembers per register whether reads and writes need any check at all: for
 * a flat writable segment, a memory access is one add and one TLB lookup.
 */
abstract class Segments extends Memory {
    Segments(PhysicalBus bus, Memory previous) {
        super(bus, previous);
    }

    // ---- descriptor decoding (desc = low dword | high dword << 32) ----------------------------

    static int descBase(long d) {
        int lo = (int) d, hi = (int) (d >>> 32);
        return (lo >>> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000);
    }

    static int descLimit(long d) {
        int lo = (int) d, hi = (int) (d >>> 32);
        int limit = (lo & 0xFFFF) | (hi & 0xF0000);
        return (hi & 0x800000) != 0 ? (limit << 12) | 0xFFF : limit;
    }

    static int descAttr(long d) {
        return (int) (d >>> 40) & 0xF0FF;
    }

    static int attrDpl(int attr) {
        return (attr >>> 5) & 3;
    }

    static boolean attrPresent(int attr) {
        return (attr & 0x80) != 0;
    }

    /** S=1 (code or data). */
    static boolean attrCodeData(int attr) {
        return (attr & 0x10) != 0;
    }

    static boolean attrCode(int attr) {
        return (attr & 0x18) == 0x18;
    }

    static boolean attrConforming(int attr) {
        return (attr & 0x1C) == 0x1C;
    }

    /** Readable code or any data. */
    static boolean attrReadable(int attr) {
        return (attr & 0x18) == 0x10 || (attr & 0x1A) == 0x1A;
    }

    static boolean attrWritableData(int attr) {
        return (attr & 0x1A) == 0x12;
    }

    /** Linear address of the 8-byte descriptor for {@code sel}, or raises #GP(sel) if outside. */
    final int descAddr(int sel, int vector) {
        boolean ldt = (sel & 4) != 0;
        int index = sel & 0xFFF8;
        int limit = ldt ? ldtLimit : gdtLimit;
        if (ldt && (ldtSel & 0xFFFC) == 0 || Integer.compareUnsigned(index + 7, limit) > 0) {
            throw fault(vector, sel & 0xFFFC);
        }
        return (ldt ? ldtBase : gdtBase) + index;
    }

    final long readDesc(int sel, int vector) {
        int a = descAddr(sel, vector);
        return (sysRead32(a) & 0xFFFFFFFFL) | ((long) sysRead32(a + 4) << 32);
    }

    /** Sets the accessed bit of a code/data descriptor (the CPU writes it back on first use). */
    final void setAccessed(int sel, long desc) {
        if ((desc & (1L << 40)) == 0) {
            int a = descAddr(sel, GP);
            sysWrite8(a + 5, (int) (desc >>> 40) | 1);
        }
    }

    // ---- loading segment registers ------------------------------------------------------------

    /** Loads a segment cache directly and refreshes what depends on it. */
    final void setSeg(int seg, int sel, int base, int limit, int attr) {
        segSel[seg] = sel & 0xFFFF;
        segBase[seg] = base;
        segLimit[seg] = limit;
        segAttr[seg] = attr;
        refreshSeg(seg);
    }

    final void refreshSeg(int seg) {
        int attr = segAttr[seg];
        boolean usable = attrPresent(attr);   // a null selector loads attributes 0: unusable
        boolean flat = usable && segLimit[seg] == -1 && (attr & 0x1C) != 0x14;   // not expand-down
        int fast = 0;
        if (flat && attrReadable(attr)) {
            fast |= SEG_FAST_R;
        }
        if (flat && attrWritableData(attr)) {
            fast |= SEG_FAST_W;
        }
        segFast[seg] = fast;
        if (seg == CS) {
            code32 = (attr & 0x4000) != 0;
            codeContextChanged();
        } else if (seg == SS) {
            stack32 = (attr & 0x4000) != 0;
        }
    }

    /** Real mode (and virtual-8086-like) load: base = selector * 16, limit and rights kept. */
    final void loadSegReal(int seg, int sel) {
        sel &= 0xFFFF;
        segSel[seg] = sel;
        segBase[seg] = sel << 4;
        if (!attrPresent(segAttr[seg])) {
            segAttr[seg] = seg == CS ? 0x9B : 0x93;
        }
        refreshSeg(seg);
    }

    /**
     * MOV/POP to a data or stack segment register, with the protected-mode checks: #GP(sel),
     * #SS(sel) or #NP(sel). In real mode the selector just becomes the base.
     */
    final void loadSeg(int seg, int sel) {
        sel &= 0xFFFF;
        if (!protectedMode) {
            loadSegReal(seg, sel);
            return;
        }
        if ((sel & 0xFFFC) == 0) {
            if (seg == SS) {
                throw fault(GP, 0);
            }
            segSel[seg] = sel;
            segAttr[seg] = 0;        // unusable: every access raises #GP(0)
            segBase[seg] = 0;
            segLimit[seg] = 0;
            refreshSeg(seg);
            return;
        }
        long d = readDesc(sel, GP);
        int attr = descAttr(d);
        int dpl = attrDpl(attr), rpl = sel & 3;
        if (seg == SS) {
            if (rpl != cpl || dpl != cpl || !attrWritableData(attr)) {
                throw fault(GP, sel & 0xFFFC);
            }
            if (!attrPresent(attr)) {
                throw fault(SS_, sel & 0xFFFC);
            }
        } else {
            if (!attrReadable(attr) || !attrCodeData(attr)) {
                throw fault(GP, sel & 0xFFFC);
            }
            if (!attrConforming(attr) && (rpl > dpl || cpl > dpl)) {
                throw fault(GP, sel & 0xFFFC);
            }
            if (!attrPresent(attr)) {
                throw fault(NP, sel & 0xFFFC);
            }
        }
        setAccessed(sel, d);
        setSeg(seg, sel, descBase(d), descLimit(d), attr | 1);
    }

    /** Loads CS from a descriptor the caller has checked, and switches to privilege {@code newCpl}. */
    final void setCs(int sel, long d, int newCpl) {
        setAccessed(sel, d);
        setSeg(CS, (sel & ~3) | newCpl, descBase(d), descLimit(d), descAttr(d) | 1);
        setCpl(newCpl);
    }

    final void setCpl(int c) {
        cpl = c;
        updateMasks();
        codeContextChanged();
    }

    /**
     * tour:cpu:072 Which block runs at an EIP depends on more than the page tables: on the CS
     * base and limit, on its D bit (16- or 32-bit code) and on the CPL (a user-mode fetch may not
     * run a supervisor page). Together they are the code context, and block chaining (tour:cpu:070)
     * remembers with each link the context it was made in. A guest changes context all the time:
     * every system call and every interrupt from user mode goes into the kernel and back. So a
     * context gets a number, and the last four seen keep theirs: back in user mode the links
     * made there before hold again, as long as no TLB flush came in between ({@code chainEpoch}).
     * Before, every change of CS or CPL dropped all links: a system call's round trip cost five
     * block lookups in BlockChainTest's program. On the userland benchmark that was 2% of the
     * lookups; most were successors that two links cannot hold (tour:cpu:071).
     */
    int codeCtx;
    private final int[] ctxBase = new int[4], ctxLimit = new int[4], ctxBits = new int[4], ctxId = new int[4];
    private int ctxNext = 1;
    private int ctxVictim;

    final void codeContextChanged() {
        int base = segBase[CS];
        int limit = segLimit[CS];
        int bits = (code32 ? 1 : 0) | xmask << 1;
        for (int n = 0; n < ctxId.length; n++) {
            if (ctxId[n] != 0 && ctxBase[n] == base && ctxLimit[n] == limit && ctxBits[n] == bits) {
                codeCtx = ctxId[n];
                return;
            }
        }
        if (++ctxNext == 0) {       // numbers wrapped: no link may outlive them
            ctxNext = 1;
            chainEpoch++;
        }
        int n = ctxVictim;
        ctxVictim = (n + 1) % ctxId.length;
        ctxBase[n] = base;
        ctxLimit[n] = limit;
        ctxBits[n] = bits;
        ctxId[n] = ctxNext;
        codeCtx = ctxNext;
    }

    private static final int[] DATA_SEGS = {ES, DS, FS, GS};

    /** After a return to an outer ring: data segments the new CPL may not use become null. */
    final void nullInaccessibleSegments() {
        for (int seg : DATA_SEGS) {
            int attr = segAttr[seg];
            if ((segSel[seg] & 0xFFFC) == 0 && !attrPresent(attr)) {
                continue;
            }
            boolean dataOrNonConf = !attrCode(attr) || !attrConforming(attr);
            if (dataOrNonConf && attrDpl(attr) < cpl) {
                segSel[seg] = 0;
                segAttr[seg] = 0;
                refreshSeg(seg);
            }
        }
    }

    // ---- limit and rights checks --------------------------------------------------------------

    /** The slow path behind {@code segFast}: limit, expand-down, null and rights checks. */
    final void checkSeg(int seg, int off, int size, boolean write) {
        int attr = segAttr[seg];
        int vec = seg == SS ? SS_ : GP;
        if (!attrPresent(attr)) {
            throw fault(vec, 0);
        }
        if (protectedMode && (write ? !attrWritableData(attr) : !attrReadable(attr))) {
            throw fault(vec, 0);
        }
        long o = off & 0xFFFFFFFFL;
        long last = o + size - 1;
        long limit = segLimit[seg] & 0xFFFFFFFFL;
        if ((attr & 0x1C) == 0x14) {            // expand-down data
            long top = (attr & 0x4000) != 0 ? 0xFFFFFFFFL : 0xFFFFL;
            if (o <= limit || last > top) {
                throw fault(vec, 0);
            }
        } else if (last > limit) {
            throw fault(vec, 0);
        }
    }

    // ---- segment-relative access --------------------------------------------------------------

    final int rdS8(int seg, int off) {
        if ((segFast[seg] & SEG_FAST_R) == 0) {
            checkSeg(seg, off, 1, false);
        }
        return rd8(segBase[seg] + off);
    }

    final int rdS16(int seg, int off) {
        if ((segFast[seg] & SEG_FAST_R) == 0) {
            checkSeg(seg, off, 2, false);
        }
        return rd16(segBase[seg] + off);
    }

    final int rdS32(int seg, int off) {
        if ((segFast[seg] & SEG_FAST_R) == 0) {
            checkSeg(seg, off, 4, false);
        }
        return rd32(segBase[seg] + off);
    }

    final int rdSSz(int seg, int off, int sz) {
        return sz == 2 ? rdS32(seg, off) : sz == 1 ? rdS16(seg, off) : rdS8(seg, off);
    }

    final void wrS8(int seg, int off, int v) {
        if ((segFast[seg] & SEG_FAST_W) == 0) {
            checkSeg(seg, off, 1, true);
        }
        wr8(segBase[seg] + off, v);
    }

    final void wrS16(int seg, int off, int v) {
        if ((segFast[seg] & SEG_FAST_W) == 0) {
            checkSeg(seg, off, 2, true);
        }
        wr16(segBase[seg] + off, v);
    }

    final void wrS32(int seg, int off, int v) {
        if ((segFast[seg] & SEG_FAST_W) == 0) {
            checkSeg(seg, off, 4, true);
        }
        wr32(segBase[seg] + off, v);
    }

    final void wrSSz(int seg, int off, int sz, int v) {
        if (sz == 2) {
            wrS32(seg, off, v);
        } else if (sz == 1) {
            wrS16(seg, off, v);
        } else {
            wrS8(seg, off, v);
        }
    }

    /** Read-modify-write: checks write rights and faults as a write. Returns the linear address. */
    final int rmwLin(int seg, int off, int size) {
        if ((segFast[seg] & SEG_FAST_W) == 0) {
            checkSeg(seg, off, size, true);
        }
        return segBase[seg] + off;
    }

    // ---- the stack ----------------------------------------------------------------------------

    final int sp() {
        return stack32 ? r[ESP] : r[ESP] & 0xFFFF;
    }

    final void setSp(int v) {
        if (stack32) {
            r[ESP] = v;
        } else {
            setReg16(ESP, v);
        }
    }

    final void push32(int v) {
        int sp = (stack32 ? r[ESP] : r[ESP] & 0xFFFF) - 4;
        if (!stack32) {
            sp &= 0xFFFF;
        }
        wrS32(SS, sp, v);
        setSp(sp);
    }

    final void push16(int v) {
        int sp = (stack32 ? r[ESP] : r[ESP] & 0xFFFF) - 2;
        if (!stack32) {
            sp &= 0xFFFF;
        }
        wrS16(SS, sp, v);
        setSp(sp);
    }

    final void push(boolean o32, int v) {
        if (o32) {
            push32(v);
        } else {
            push16(v);
        }
    }

    final int pop32() {
        int sp = sp();
        int v = rdS32(SS, sp);
        setSp(sp + 4);
        return v;
    }

    final int pop16() {
        int sp = sp();
        int v = rdS16(SS, sp);
        setSp(sp + 2);
        return v;
    }

    final int pop(boolean o32) {
        return o32 ? pop32() : pop16();
    }

    /** Reads the stack at SP + offset without popping (for instructions that must not fault halfway). */
    final int peek(boolean o32, int offset) {
        int a = sp() + offset;
        if (!stack32) {
            a &= 0xFFFF;
        }
        return o32 ? rdS32(SS, a) : rdS16(SS, a);
    }
}
