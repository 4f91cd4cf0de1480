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
 * <p>tour:mmu:030 The TLB is a flat {@code int[1 << 20]}, one entry per 4 KiB virtual page. An
 * entry holds the physical frame in its top 20 bits and, in its low bits, what the current
 * mapping allows: supervisor read, supervisor write, user read, user write. A read at CPL 3 tests
 * the user-read bit; if set, the access is one array load into {@link Ram#bytes}. Everything else
 * (a miss, a page crossing, MMIO, a first write that must set the dirty bit, a write to a page
 * holding decoded code) takes the slow path, which walks the page tables, sets accessed and dirty
 * bits as a real CPU does, raises #PF with the right error code, and refills the entry.
 *
 * <p>tour:mmu:050 Flushing 4 MiB on every CR3 load would be slow, so the TLB also keeps a list of
 * the entries it filled; a flush clears just those (keeping global pages when CR4.PGE allows).
 */
abstract class Memory extends CpuState {
    static final VarHandle LE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** TLB entry bits. */
    static final int T_SR = 1, T_SW = 2, T_UR = 4, T_UW = 8, T_GLOBAL = 16,
            /** Set on every entry that is in the flush list (also on invalidated ones). */
            T_LISTED = 32,
            /** Instruction fetch allowed (supervisor, user): differs from read only for XD pages. */
            T_SX = 64, T_UX = 128,
            /**
             * A block was looked up through this entry, and a chain link may rely on it: INVLPG
             * of the page must drop the links (kept across refills of the entry).
             */
            T_CODE = 256;
    static final int T_ALL = T_SR | T_SW | T_UR | T_UW | T_SX | T_UX;
    /** What an access is, for the page walk. */
    static final int ACCESS_READ = 0, ACCESS_WRITE = 1, ACCESS_FETCH = 2;

    final PhysicalBus bus;
    final Ram ram;
    final byte[] mem;
    final int ramSize;

    final int[] tlb;
    private final int[] tlbList;
    private int tlbCount;
    private boolean tlbOverflow;
    /** The TLB bits an access at the current CPL needs. */
    int rmask = T_SR, wmask = T_SW, xmask = T_SX;
    boolean paging;
    /** CR4.PAE (kept in step by writeCr): 64-bit entries, see {@link PaePaging}. */
    boolean pae;
    /** EFER.NXE: the XD bit of PAE entries is honoured (else it is reserved). */
    boolean nxe;
    /** IA32_EFER (MSR 0xC0000080); only NXE (bit 11) can be set. */
    long efer;
    static final long EFER_NXE = 1L << 11;
    /** The four PDPTEs, loaded at MOV CR3 (and CR0/CR4 writes) in PAE mode. */
    final long[] pdpte = new long[4];
    final PaePaging paePaging = new PaePaging(this);
    /**
     * Bumped whenever a linear-to-physical code mapping may have changed (TLB flushes, an INVLPG
     * of a page a block was found through): block chaining trusts a remembered successor only
     * within one epoch (and one code context, Segments.codeCtx).
     */
    int chainEpoch;

    final GuestFault fault = new GuestFault();
    /** Set the first time the CPU runs at CPL 3 after reset: the guest got as far as user mode. */
    boolean reachedUserMode;

    static final int DE = 0, DB = 1, NMI = 2, BP = 3, OF_ = 4, BR = 5, UD = 6, NM = 7, DF_ = 8,
            TS = 10, NP = 11, SS_ = 12, GP = 13, PF_ = 14, MF = 16, AC_ = 17;

    /**
     * @param previous the CPU of the machine before a reboot, or null: its TLB (4 MiB) is taken
     *                 over, emptied, rather than allocated again (RebootHeapTest)
     */
    Memory(PhysicalBus bus, Memory previous) {
        this.bus = bus;
        this.ram = bus.ram();
        this.mem = ram.bytes;
        this.ramSize = ram.size();
        if (previous == null) {
            tlb = new int[1 << 20];
            tlbList = new int[16384];
        } else {
            tlb = previous.tlb;
            tlbList = previous.tlbList;
            Arrays.fill(tlb, 0);
        }
    }

    final GuestFault fault(int vector, int errorCode) {
        return fault.set(vector, errorCode);
    }

    /** Recomputes the TLB masks after a CPL change. */
    final void updateMasks() {
        boolean user = cpl == 3;
        reachedUserMode |= user;
        rmask = user ? T_UR : T_SR;
        wmask = user ? T_UW : T_SW;
        xmask = user ? T_UX : T_SX;
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

    /** Physical reads and writes at a 36-bit address: above 4 GiB is empty bus (all ones, writes lost). */
    final int physRead32L(long pa) {
        return (pa >>> 32) == 0 ? physRead32((int) pa) : -1;
    }

    final long physRead64(long pa) {
        return (physRead32L(pa) & 0xFFFFFFFFL) | ((long) physRead32L(pa + 4) << 32);
    }

    final void physWrite32L(long pa, int v) {
        if ((pa >>> 32) == 0) {
            physWrite32((int) pa, v);
        }
    }

    private int physReadSized(long pa, int size) {
        if ((pa >>> 32) != 0) {
            return size == 4 ? -1 : size == 2 ? 0xFFFF : 0xFF;
        }
        int p = (int) pa;
        return size == 4 ? physRead32(p) : size == 2 ? physRead16(p) : physRead8(p);
    }

    private void physWriteSized(long pa, int size, int v) {
        if ((pa >>> 32) != 0) {
            return;
        }
        int p = (int) pa;
        if (size == 4) {
            physWrite32(p, v);
        } else if (size == 2) {
            physWrite16(p, v);
        } else {
            physWrite8(p, v);
        }
    }

    /** One byte of an instruction at the current privilege: like rd8, but honours XD. */
    final int code8(int lin) {
        int e = tlb[lin >>> 12];
        if ((e & xmask) != 0) {
            return mem[(e & ~0xFFF) | (lin & 0xFFF)] & 0xFF;
        }
        return physReadSized(walkPhys(lin, ACCESS_FETCH, xmask == T_UX), 1);
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
        int access = writeIntent ? ACCESS_WRITE : ACCESS_READ;
        if ((lin & 0xFFF) > 0x1000 - size) {
            long p0 = walkPhys(lin, access, user);
            long p1 = walkPhys((lin + size - 1) & ~0xFFF, access, user);
            int first = 0x1000 - (lin & 0xFFF);
            int v = 0;
            for (int i = 0; i < size; i++) {
                v |= physReadSized(i < first ? p0 + i : p1 + (i - first), 1) << (8 * i);
            }
            watched(lin, size, false);
            return v;
        }
        int v = physReadSized(walkPhys(lin, access, user), size);
        watched(lin, size, false);
        return v;
    }

    /** After a slow-path access: a data watchpoint (if any is set) may want the run to stop. */
    private void watched(int lin, int size, boolean write) {
        DataWatch w = watch;
        if (w != null && !(fetching && !write) && w.hit(lin, size, write)) {
            watchStop();
        }
    }

    /** Writes 1, 2 or 4 bytes at a linear address with the given privilege; may raise #PF. */
    final void writeSlow(int lin, int size, int v, boolean user) {
        if ((lin & 0xFFF) > 0x1000 - size) {
            long p0 = walkPhys(lin, ACCESS_WRITE, user);
            long p1 = walkPhys((lin + size - 1) & ~0xFFF, ACCESS_WRITE, user);
            int first = 0x1000 - (lin & 0xFFF);
            for (int i = 0; i < size; i++) {
                physWriteSized(i < first ? p0 + i : p1 + (i - first), 1, v >>> (8 * i));
            }
            watched(lin, size, true);
            return;
        }
        physWriteSized(walkPhys(lin, ACCESS_WRITE, user), size, v);
        watched(lin, size, true);
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

    /** TLB misses: every call of {@link #walk} (also with paging off, where it only refills). */
    long pageWalks;

    // tour:mmu:040 The page walk, as the 386 does it. The top 10 bits of the linear address pick an
    // entry in the page directory CR3 points at; a PDE with PS set (and CR4.PSE) maps a 4 MiB page
    // outright, else its frame is a page table whose entry, picked by the next 10 bits, names the 4 KiB
    // frame. On the way every entry is checked (present? user may touch it? writable, or CR0.WP off and
    // we are the kernel?), the accessed bit is set in both and the dirty bit in the PTE on a write, and
    // the answer is written into the TLB with what this mapping allows, so the next access to the page
    // is one array load. Anything refused becomes #PF.
    /**
     * Translates a linear address for an access, with all side effects: accessed/dirty bits,
     * #PF (with CR2 and the error code) and a TLB refill. Returns the physical address.
     */
    final int walk(int lin, boolean write, boolean user) {
        long pa = walkPhys(lin, write ? ACCESS_WRITE : ACCESS_READ, user);
        return (pa >>> 32) == 0 ? (int) pa : -1;
    }

    /**
     * The walk for an access of kind {@code access} (ACCESS_READ, _WRITE, _FETCH): the physical
     * address, which with PAE may lie above 4 GiB (no RAM there: see {@link #physRead32L}).
     */
    final long walkPhys(int lin, int access, boolean user) {
        pageWalks++;
        int vpn = lin >>> 12;
        if (!paging) {
            fill(vpn, lin & ~0xFFF, T_ALL);
            return lin & 0xFFFFFFFFL;
        }
        if (pae) {
            return paePaging.walk(lin, access, user);
        }
        return walk32(lin, access == ACCESS_WRITE, user) & 0xFFFFFFFFL;
    }

    private int walk32(int lin, boolean write, boolean user) {
        int vpn = lin >>> 12;
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

    final int bits(boolean us, boolean rw, boolean dirty, boolean wp, boolean global) {
        int b = T_SR | T_SX;
        if (dirty && (rw || !wp)) {
            b |= T_SW;
        }
        if (us) {
            b |= T_UR | T_UX;
            if (dirty && rw) {
                b |= T_UW;
            }
        }
        if (global && (cr4 & CR4_PGE) != 0) {
            b |= T_GLOBAL;
        }
        return b;
    }

    // tour:mmu:045 A page fault tells the kernel two things. CR2 holds the linear address that failed;
    // the error code pushed on the handler's stack says why: bit 0 set means the page was present and the
    // access broke its protection (clear: not present), bit 1 a write, bit 2 an access from user mode
    // (CPL 3). Linux's do_page_fault reads both and either maps the page (a fault it expected: a fresh
    // stack page, a copy-on-write) and returns to the very instruction that faulted, or kills the program.
    final GuestFault pageFault(int lin, int err) {
        cr2 = lin;
        return fault(PF_, err);
    }

    // exercise:03 Count TLB misses per page. Every call of walk() is a miss (the fast path never
    // comes here; `pageWalks` counts them all, and `stats` prints the total); count them per virtual
    // page and add `info tlb` to the monitor, listing the ten pages with the most misses as
    // "0xVVVVV000 N misses". Hint: a HashMap<Integer, Long> is fine on the slow path,
    // but clear it in reset(); the monitor reaches the CPU through debugger.machine(). Which pages top
    // the list when Linux boots, and why? Test: ExercisesTest.exercise03TlbMissesPerPage.
    /** Installs a TLB entry for a RAM frame (MMIO frames are never cached: always slow path). */
    /** A data watchpoint was hit: end the block after this instruction and stop the run. */
    abstract void watchStop();

    /** The debugger's data watchpoints, or null (the normal case). CPU thread only. */
    DataWatch watch;
    /** True while the block cache fetches instruction bytes: those are no data accesses. */
    boolean fetching;

    final void fill(int vpn, int frame, int bits) {
        if (!isRam(frame, 0x1000)) {
            return;
        }
        if (watch != null) {
            int w = watch.pageMode(vpn);
            if ((w & DataWatch.WRITES) != 0) {
                bits &= ~(T_SW | T_UW);
            }
            if ((w & DataWatch.READS) != 0) {
                bits &= ~(T_SR | T_UR);
            }
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
        tlb[vpn] = frame | bits | T_LISTED | tlb[vpn] & T_CODE;
    }

    /**
     * A side-effect-free walk for the monitor and tests: the physical address, or -1 when the
     * access would fault.
     */
    public final int probe(int lin, boolean write, boolean user) {
        if (!paging) {
            return lin;
        }
        if (pae) {
            long pa = paePaging.probe(lin, write, user);
            return (pa >>> 32) == 0 ? (int) pa : -1;
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

    /** PDPTE {@code i} as the CPU holds it (PAE mode; 0 otherwise), for the monitor. */
    public final long pdpte(int i) {
        return pdpte[i & 3];
    }

    /** IA32_EFER, for the monitor. */
    public final long efer() {
        return efer;
    }

    /**
     * tour:mmu:070 The PDPTE registers are loaded whenever PAE paging (re)starts or CR3 changes in it.
     * Callers read them before committing the control register write, so that a #GP leaves it undone.
     */
    final void setPdptes(long[] p) {
        System.arraycopy(p, 0, pdpte, 0, 4);
    }

    final void setEfer(long v) {
        if ((v & ~EFER_NXE) != 0) {
            throw fault(GP, 0);
        }
        boolean was = nxe;
        efer = v;
        nxe = (v & EFER_NXE) != 0;
        if (was != nxe) {
            tlbFlush(true);
        }
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
        int vpn = lin >>> 12;
        if ((tlb[vpn] & T_CODE) != 0) {
            chainEpoch++;       // Linux flushes data pages far more often: their links stay
        }
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
