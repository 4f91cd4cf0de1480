package jlguest.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import jlguest.bus.PhysicalBus;
import jlguest.bus.Ram;

/**
 * Linear-address memory access: the paging unit, the TLB, and the fast path into guest RAM.
 *
 * <p>tour:cpu:200 The TLB is a flat {@code int[1 << 20]}, one entry per 4 KiB virtual page. An
 * entry holds the physical frame in its top 20 bits and, in its low bits, what the current
 * mapping allows: supervisor read, supervisor write, user read, user write. A read at CPL 3 tests
 * the user-read bit; if set, the access is one array load into {@link Ram#bytes}. Everything else
 * (a miss, a page crossing, MMIO, a first write that must set the dirty bit, a write to a page
 * holding decoded code) takes the slow path, which walks the page tables, sets accessed and dirty
 * bits as a real CPU does, raises #PF with the right error code, and refills the entry.
 *
 * <p>tour:cpu:210 Flushing 4 MiB on every CR3 load would be slow, so the TLB also keeps a list of
 * the entries it filled; a flush clears just those (keeping global pages when CR4.PGE allows).
 */
abstract class Memory extends CpuState {
    static final VarHandle LE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** TLB entry bits. */
    static final int T_SR = 1, T_SW = 2, T_UR = 4, T_UW = 8, T_GLOBAL = 16,
            /** Set on every entry that is in the flush list (also on invalidated ones). */
            T_LISTED = 32;
    static final int T_ALL = T_SR | T_SW | T_UR | T_UW;

    final PhysicalBus bus;
    final Ram ram;
    final byte[] mem;
    final int ramSize;

    final int[] tlb = new int[1 << 20];
    private final int[] tlbList = new int[16384];
    private int tlbCount;
    private boolean tlbOverflow;
    /** The TLB bits an access at the current CPL needs. */
    int rmask = T_SR, wmask = T_SW;
    boolean paging;
    /**
     * Bumped whenever a linear-to-physical code mapping may have changed (TLB flushes, CS loads,
     * privilege changes): block chaining trusts a remembered successor only within one epoch.
     */
    int chainEpoch;

    final GuestFault fault = new GuestFault();

    static final int DE = 0, DB = 1, NMI = 2, BP = 3, OF_ = 4, BR = 5, UD = 6, NM = 7, DF_ = 8,
            TS = 10, NP = 11, SS_ = 12, GP = 13, PF_ = 14, MF = 16, AC_ = 17;

    Memory(PhysicalBus bus) {
        this.bus = bus;
        this.ram = bus.ram();
        this.mem = ram.bytes;
        this.ramSize = ram.size();
    }

    final GuestFault fault(int vector, int errorCode) {
        return fault.set(vector, errorCode);
    }

    /** Recomputes the TLB masks after a CPL change. */
    final void updateMasks() {
        chainEpoch++;
        boolean user = cpl == 3;
        rmask = user ? T_UR : T_SR;
        wmask = user ? T_UW : T_SW;
    }

    // ---- physical access ----------------------------------------------------------------------

    final boolean isRam(int pa, int len) {
        return Integer.compareUnsigned(pa, ramSize - len) <= 0;
    }

    final int physRead8(int pa) {
        return isRam(pa, 1) ? mem[pa] & 0xFF : bus.read(pa, 1) & 0xFF;
    }

    final int physRead16(int pa) {
        return isRam(pa, 2) ? (short) LE16.get(mem, pa) & 0xFFFF : bus.read(pa, 2) & 0xFFFF;
    }

    final int physRead32(int pa) {
        return isRam(pa, 4) ? (int) LE32.get(mem, pa) : bus.read(pa, 4);
    }

    final void physWrite8(int pa, int v) {
        if (isRam(pa, 1)) {
            ram.write8(pa, v);
        } else {
            bus.write(pa, 1, v);
        }
    }

    final void physWrite16(int pa, int v) {
        if (isRam(pa, 2)) {
            ram.write16(pa, v);
        } else {
            bus.write(pa, 2, v);
        }
    }

    final void physWrite32(int pa, int v) {
        if (isRam(pa, 4)) {
            ram.write32(pa, v);
        } else {
            bus.write(pa, 4, v);
        }
    }

    // ---- fast linear access at the current privilege -----------------------------------------

    final int rd8(int lin) {
        int e = tlb[lin >>> 12];
        if ((e & rmask) != 0) {
            return mem[(e & ~0xFFF) | (lin & 0xFFF)] & 0xFF;
        }
        return readSlow(lin, 1, rmask == T_UR, false);
    }

    final int rd16(int lin) {
        int e = tlb[lin >>> 12];
        if ((e & rmask) != 0 && (lin & 0xFFF) != 0xFFF) {
            return (short) LE16.get(mem, (e & ~0xFFF) | (lin & 0xFFF)) & 0xFFFF;
        }
        return readSlow(lin, 2, rmask == T_UR, false);
    }

    final int rd32(int lin) {
        int e = tlb[lin >>> 12];
        if ((e & rmask) != 0 && (lin & 0xFFF) <= 0xFFC) {
            return (int) LE32.get(mem, (e & ~0xFFF) | (lin & 0xFFF));
        }
        return readSlow(lin, 4, rmask == T_UR, false);
    }

    final void wr8(int lin, int v) {
        int e = tlb[lin >>> 12];
        if ((e & wmask) != 0) {
            mem[(e & ~0xFFF) | (lin & 0xFFF)] = (byte) v;
            return;
        }
        writeSlow(lin, 1, v, wmask == T_UW);
    }

    final void wr16(int lin, int v) {
        int e = tlb[lin >>> 12];
        if ((e & wmask) != 0 && (lin & 0xFFF) != 0xFFF) {
            LE16.set(mem, (e & ~0xFFF) | (lin & 0xFFF), (short) v);
            return;
        }
        writeSlow(lin, 2, v, wmask == T_UW);
    }

    final void wr32(int lin, int v) {
        int e = tlb[lin >>> 12];
        if ((e & wmask) != 0 && (lin & 0xFFF) <= 0xFFC) {
            LE32.set(mem, (e & ~0xFFF) | (lin & 0xFFF), v);
            return;
        }
        writeSlow(lin, 4, v, wmask == T_UW);
    }

    /** Read with write intent (the first half of a read-modify-write): faults as a write would. */
    final int rdw(int lin, int size) {
        int e = tlb[lin >>> 12];
        if ((e & wmask) != 0 && (lin & 0xFFF) <= 0x1000 - size) {
            int pa = (e & ~0xFFF) | (lin & 0xFFF);
            return size == 4 ? (int) LE32.get(mem, pa) : size == 2 ? (short) LE16.get(mem, pa) & 0xFFFF
                    : mem[pa] & 0xFF;
        }
        return readSlow(lin, size, wmask == T_UW, true);
    }

    final int rdSz(int lin, int sz) {
        return sz == 2 ? rd32(lin) : sz == 1 ? rd16(lin) : rd8(lin);
    }

    final void wrSz(int lin, int sz, int v) {
        if (sz == 2) {
            wr32(lin, v);
        } else if (sz == 1) {
            wr16(lin, v);
        } else {
            wr8(lin, v);
        }
    }

    // ---- slow paths ---------------------------------------------------------------------------

    /** Reads 1, 2 or 4 bytes at a linear address with the given privilege; may raise #PF. */
    final int readSlow(int lin, int size, boolean user, boolean writeIntent) {
        if ((lin & 0xFFF) > 0x1000 - size) {
            int p0 = walk(lin, writeIntent, user);
            int p1 = walk((lin + size - 1) & ~0xFFF, writeIntent, user);
            int first = 0x1000 - (lin & 0xFFF);
            int v = 0;
            for (int i = 0; i < size; i++) {
                v |= physRead8(i < first ? p0 + i : p1 + (i - first)) << (8 * i);
            }
            return v;
        }
        int pa = walk(lin, writeIntent, user);
        return size == 4 ? physRead32(pa) : size == 2 ? physRead16(pa) : physRead8(pa);
    }

    /** Writes 1, 2 or 4 bytes at a linear address with the given privilege; may raise #PF. */
    final void writeSlow(int lin, int size, int v, boolean user) {
        if ((lin & 0xFFF) > 0x1000 - size) {
            int p0 = walk(lin, true, user);
            int p1 = walk((lin + size - 1) & ~0xFFF, true, user);
            int first = 0x1000 - (lin & 0xFFF);
            for (int i = 0; i < size; i++) {
                physWrite8(i < first ? p0 + i : p1 + (i - first), v >>> (8 * i));
            }
            return;
        }
        int pa = walk(lin, true, user);
        if (size == 4) {
            physWrite32(pa, v);
        } else if (size == 2) {
            physWrite16(pa, v);
        } else {
            physWrite8(pa, v);
        }
    }

    /** Supervisor-privilege accesses (descriptor tables, TSS): CPL does not matter. */
    final int sysRead32(int lin) {
        int e = tlb[lin >>> 12];
        if ((e & T_SR) != 0 && (lin & 0xFFF) <= 0xFFC) {
            return (int) LE32.get(mem, (e & ~0xFFF) | (lin & 0xFFF));
        }
        return readSlow(lin, 4, false, false);
    }

    final int sysRead16(int lin) {
        return readSlow(lin, 2, false, false);
    }

    final int sysRead8(int lin) {
        return readSlow(lin, 1, false, false);
    }

    final void sysWrite32(int lin, int v) {
        writeSlow(lin, 4, v, false);
    }

    final void sysWrite16(int lin, int v) {
        writeSlow(lin, 2, v, false);
    }

    final void sysWrite8(int lin, int v) {
        writeSlow(lin, 1, v, false);
    }

    // ---- the page walk ------------------------------------------------------------------------

    /**
     * Translates a linear address for an access, with all side effects: accessed/dirty bits,
     * #PF (with CR2 and the error code) and a TLB refill. Returns the physical address.
     */
    final int walk(int lin, boolean write, boolean user) {
        int vpn = lin >>> 12;
        if (!paging) {
            fill(vpn, lin & ~0xFFF, T_ALL);
            return lin;
        }
        int err = (write ? 2 : 0) | (user ? 4 : 0);
        int pdeAddr = (cr3 & ~0xFFF) | ((lin >>> 20) & 0xFFC);
        int pde = physRead32(pdeAddr);
        if ((pde & 1) == 0) {
            throw pageFault(lin, err);
        }
        boolean wp = (cr0 & CR0_WP) != 0;
        if ((pde & 0x80) != 0 && (cr4 & CR4_PSE) != 0) {
            boolean us = (pde & 4) != 0, rw = (pde & 2) != 0;
            if (user && !us || write && !rw && (user || wp)) {
                throw pageFault(lin, err | 1);
            }
            int upd = pde | 0x20 | (write ? 0x40 : 0);
            if (upd != pde) {
                physWrite32(pdeAddr, upd);
            }
            int frame = (pde & 0xFFC00000) | (lin & 0x3FF000);
            fill(vpn, frame, bits(us, rw, (upd & 0x40) != 0, wp, (pde & 0x100) != 0));
            return frame | (lin & 0xFFF);
        }
        int pteAddr = (pde & ~0xFFF) | ((lin >>> 10) & 0xFFC);
        int pte = physRead32(pteAddr);
        if ((pte & 1) == 0) {
            if ((pde & 0x20) == 0) {
                physWrite32(pdeAddr, pde | 0x20);
            }
            throw pageFault(lin, err);
        }
        boolean us = (pde & pte & 4) != 0, rw = (pde & pte & 2) != 0;
        if (user && !us || write && !rw && (user || wp)) {
            throw pageFault(lin, err | 1);
        }
        if ((pde & 0x20) == 0) {
            physWrite32(pdeAddr, pde | 0x20);
        }
        int upd = pte | 0x20 | (write ? 0x40 : 0);
        if (upd != pte) {
            physWrite32(pteAddr, upd);
        }
        int frame = pte & ~0xFFF;
        fill(vpn, frame, bits(us, rw, (upd & 0x40) != 0, wp, (pte & 0x100) != 0));
        return frame | (lin & 0xFFF);
    }

    private int bits(boolean us, boolean rw, boolean dirty, boolean wp, boolean global) {
        int b = T_SR;
        if (dirty && (rw || !wp)) {
            b |= T_SW;
        }
        if (us) {
            b |= T_UR;
            if (dirty && rw) {
                b |= T_UW;
            }
        }
        if (global && (cr4 & CR4_PGE) != 0) {
            b |= T_GLOBAL;
        }
        return b;
    }

    private GuestFault pageFault(int lin, int err) {
        cr2 = lin;
        return fault(PF_, err);
    }

    /** Installs a TLB entry for a RAM frame (MMIO frames are never cached: always slow path). */
    private void fill(int vpn, int frame, int bits) {
        if (!isRam(frame, 0x1000)) {
            return;
        }
        if (ram.watched[frame >>> 12] != 0) {
            bits &= ~(T_SW | T_UW);
        }
        if ((tlb[vpn] & T_LISTED) == 0) {
            if (tlbCount < tlbList.length) {
                tlbList[tlbCount++] = vpn;
            } else {
                tlbOverflow = true;
            }
        }
        tlb[vpn] = frame | bits | T_LISTED;
    }

    /**
     * A side-effect-free walk for the monitor and tests: the physical address, or -1 when the
     * access would fault.
     */
    public final int probe(int lin, boolean write, boolean user) {
        if (!paging) {
            return lin;
        }
        int pde = physRead32((cr3 & ~0xFFF) | ((lin >>> 20) & 0xFFC));
        if ((pde & 1) == 0) {
            return -1;
        }
        boolean wp = (cr0 & CR0_WP) != 0;
        int flagsAnd;
        int pa;
        if ((pde & 0x80) != 0 && (cr4 & CR4_PSE) != 0) {
            flagsAnd = pde;
            pa = (pde & 0xFFC00000) | (lin & 0x3FFFFF);
        } else {
            int pte = physRead32((pde & ~0xFFF) | ((lin >>> 10) & 0xFFC));
            if ((pte & 1) == 0) {
                return -1;
            }
            flagsAnd = pde & pte;
            pa = (pte & ~0xFFF) | (lin & 0xFFF);
        }
        if (user && (flagsAnd & 4) == 0 || write && (flagsAnd & 2) == 0 && (user || wp)) {
            return -1;
        }
        return pa;
    }

    // ---- flushing -----------------------------------------------------------------------------

    /** Drops every TLB entry, or every non-global one. */
    final void tlbFlush(boolean global) {
        chainEpoch++;
        if (tlbOverflow) {
            if (global) {
                Arrays.fill(tlb, 0);
            } else {
                for (int i = 0; i < tlb.length; i++) {
                    if ((tlb[i] & T_GLOBAL) == 0) {
                        tlb[i] = 0;
                    }
                }
            }
            tlbOverflow = false;
            tlbCount = 0;
            if (!global) {      // rebuild the list of survivors
                for (int i = 0; i < tlb.length; i++) {
                    if (tlb[i] != 0) {
                        if (tlbCount < tlbList.length) {
                            tlbList[tlbCount++] = i;
                        } else {
                            tlbOverflow = true;
                        }
                    }
                }
            }
            return;
        }
        int keep = 0;
        for (int i = 0; i < tlbCount; i++) {
            int vpn = tlbList[i];
            if (!global && (tlb[vpn] & T_GLOBAL) != 0) {
                tlbList[keep++] = vpn;
            } else {
                tlb[vpn] = 0;
            }
        }
        tlbCount = keep;
    }

    final void tlbFlushPage(int lin) {
        chainEpoch++;
        int vpn = lin >>> 12;
        tlb[vpn] &= T_LISTED;   // still listed, so a refill does not list it twice
    }

    /** Takes write permission away from every TLB entry that maps physical frame {@code ppn}. */
    final void tlbProtectFrame(int ppn) {
        int frame = ppn << 12;
        if (tlbOverflow) {
            for (int i = 0; i < tlb.length; i++) {
                if ((tlb[i] & ~0xFFF) == frame && tlb[i] != 0) {
                    tlb[i] &= ~(T_SW | T_UW);
                }
            }
            return;
        }
        for (int i = 0; i < tlbCount; i++) {
            int vpn = tlbList[i];
            int e = tlb[vpn];
            if (e != 0 && (e & ~0xFFF) == frame) {
                tlb[vpn] = e & ~(T_SW | T_UW);
            }
        }
    }
}
