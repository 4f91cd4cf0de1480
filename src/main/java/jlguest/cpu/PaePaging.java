package jlguest.cpu;

/**
 * PAE paging (CR4.PAE): three levels of 64-bit entries, 2 MiB large pages, 36-bit physical
 * addresses, and the execute-disable (XD) bit that EFER.NXE turns on.
 *
 * <p>tour:mmu:060 PAE splits a linear address 2 + 9 + 9 + 12. The top two bits pick one of four
 * page-directory-pointer entries (PDPTEs); unlike every other level these are not read during the
 * walk: MOV CR3 (and turning PAE or paging on) loads all four into the CPU, and a present one with a
 * reserved bit set makes that MOV raise #GP(0). The next nine bits pick a 64-bit page-directory
 * entry, which either maps a 2 MiB page (PS set) or points at a page table whose entry, picked by the
 * next nine bits, names a 4 KiB frame. Entries are twice as wide so a frame can lie above 4 GiB (we
 * implement 36 physical address bits; such frames hold no RAM and read like empty bus), and bit 63
 * of a PDE or PTE is XD: with EFER.NXE set, an instruction fetch from the page raises #PF with the
 * I/D bit (bit 4) in the error code. Without NXE bit 63 is reserved, and a reserved bit in a present
 * entry raises #PF with RSVD (bit 3) set. The PDPTEs have no XD bit in this mode: their bit 63 is
 * simply reserved (Intel SDM, Table 4-8).
 *
 * <p>The TLB is the same {@code int[]} for both formats: an entry caches a 4 KiB piece of whatever
 * page maps it, with separate execute bits ({@link Memory#T_SX}, {@link Memory#T_UX}) so that a
 * data read never pays for NX: only instruction fetch looks at those bits.
 */
final class PaePaging {
    /** Physical address bits (CPUID 0x80000008 is not reported, so Linux assumes 36 with PAE). */
    static final int MAXPHYADDR = 36;
    /** The frame field of a 64-bit entry: bits 35..12. */
    static final long FRAME = ((1L << MAXPHYADDR) - 1) & ~0xFFFL;
    /** Bits 62..36: reserved in every PAE entry. */
    static final long HIGH_RESERVED = 0x7FFFFFFFFFFFFFFFL & ~((1L << MAXPHYADDR) - 1);
    static final long XD = 1L << 63;
    /** PDPTE: bits 2:1 and 8:5 are reserved as well (and 63: no XD at this level in PAE mode). */
    static final long PDPTE_RESERVED = HIGH_RESERVED | XD | 0x1E6L;
    /** A 2 MiB PDE: bits 20..13 must be zero (bit 12 is PAT, which we do not report). */
    static final long LARGE_RESERVED = 0x1FE000L;

    static final int ERR_P = 1, ERR_W = 2, ERR_U = 4, ERR_RSVD = 8, ERR_ID = 16;

    private final Memory m;

    PaePaging(Memory m) {
        this.m = m;
    }

    /**
     * Reads the four PDPTEs that CR3 points at, or throws #GP(0) if a present one has a reserved bit
     * set (the caller then leaves CR0/CR3/CR4 as they were).
     */
    long[] readPdptes(int cr3) {
        long[] p = new long[4];
        long base = cr3 & 0xFFFFFFE0L;
        for (int i = 0; i < 4; i++) {
            p[i] = m.physRead64(base + 8L * i);
            if ((p[i] & 1) != 0 && (p[i] & PDPTE_RESERVED) != 0) {
                throw m.fault(Memory.GP, 0);
            }
        }
        return p;
    }

    private long reserved() {
        return m.nxe ? HIGH_RESERVED : HIGH_RESERVED | XD;
    }

    /** The walk with all side effects; returns a physical address (possibly above 4 GiB). */
    long walk(int lin, int access, boolean user) {
        boolean write = access == Memory.ACCESS_WRITE;
        boolean fetch = access == Memory.ACCESS_FETCH;
        boolean nxe = m.nxe;
        int err = (write ? ERR_W : 0) | (user ? ERR_U : 0) | (fetch && nxe ? ERR_ID : 0);
        long pdpte = m.pdpte[lin >>> 30];
        if ((pdpte & 1) == 0) {
            throw m.pageFault(lin, err);
        }
        long rsvd = reserved();
        long pdeAddr = (pdpte & FRAME) | ((lin >>> 18) & 0xFF8);
        long pde = m.physRead64(pdeAddr);
        if ((pde & 1) == 0) {
            throw m.pageFault(lin, err);
        }
        if ((pde & rsvd) != 0 || (pde & 0x80) != 0 && (pde & LARGE_RESERVED) != 0) {
            throw m.pageFault(lin, err | ERR_P | ERR_RSVD);
        }
        boolean wp = (m.cr0 & Memory.CR0_WP) != 0;
        int vpn = lin >>> 12;
        if ((pde & 0x80) != 0) {
            boolean us = (pde & 4) != 0, rw = (pde & 2) != 0, xd = nxe && pde < 0;
            if (denied(user, write, fetch, us, rw, xd, wp)) {
                throw m.pageFault(lin, err | ERR_P);
            }
            int low = (int) pde;
            int upd = low | 0x20 | (write ? 0x40 : 0);
            if (upd != low) {
                m.physWrite32L(pdeAddr, upd);
            }
            long frame = (pde & FRAME & ~0x1FFFFFL) | (lin & 0x1FF000);
            fill(vpn, frame, us, rw, (upd & 0x40) != 0, wp, (pde & 0x100) != 0, xd);
            return frame | (lin & 0xFFF);
        }
        long pteAddr = (pde & FRAME) | ((lin >>> 9) & 0xFF8);
        long pte = m.physRead64(pteAddr);
        if ((pte & 1) == 0) {
            setAccessed(pdeAddr, pde);
            throw m.pageFault(lin, err);
        }
        if ((pte & rsvd) != 0) {
            throw m.pageFault(lin, err | ERR_P | ERR_RSVD);
        }
        boolean us = (pde & pte & 4) != 0, rw = (pde & pte & 2) != 0, xd = nxe && (pde < 0 || pte < 0);
        if (denied(user, write, fetch, us, rw, xd, wp)) {
            throw m.pageFault(lin, err | ERR_P);
        }
        setAccessed(pdeAddr, pde);
        int low = (int) pte;
        int upd = low | 0x20 | (write ? 0x40 : 0);
        if (upd != low) {
            m.physWrite32L(pteAddr, upd);
        }
        long frame = pte & FRAME;
        fill(vpn, frame, us, rw, (upd & 0x40) != 0, wp, (pte & 0x100) != 0, xd);
        return frame | (lin & 0xFFF);
    }

    private void setAccessed(long addr, long entry) {
        if ((entry & 0x20) == 0) {
            m.physWrite32L(addr, (int) entry | 0x20);
        }
    }

    private static boolean denied(boolean user, boolean write, boolean fetch, boolean us, boolean rw, boolean xd,
                                  boolean wp) {
        return user && !us || write && !rw && (user || wp) || fetch && xd;
    }

    private void fill(int vpn, long frame, boolean us, boolean rw, boolean dirty, boolean wp, boolean global,
                      boolean xd) {
        if ((frame >>> 32) != 0) {
            return;    // above 4 GiB: no RAM there, never cached
        }
        int bits = m.bits(us, rw, dirty, wp, global);
        if (xd) {
            bits &= ~(Memory.T_SX | Memory.T_UX);
        }
        m.fill(vpn, (int) frame, bits);
    }

    /** The side-effect-free walk for {@link Memory#probe}: a physical address, or -1. */
    long probe(int lin, boolean write, boolean user) {
        long pdpte = m.pdpte[lin >>> 30];
        if ((pdpte & 1) == 0) {
            return -1;
        }
        long rsvd = reserved();
        long pde = m.physRead64((pdpte & FRAME) | ((lin >>> 18) & 0xFF8));
        if ((pde & 1) == 0 || (pde & rsvd) != 0) {
            return -1;
        }
        long effective;
        long pa;
        if ((pde & 0x80) != 0) {
            if ((pde & LARGE_RESERVED) != 0) {
                return -1;
            }
            effective = pde;
            pa = (pde & FRAME & ~0x1FFFFFL) | (lin & 0x1FFFFF);
        } else {
            long pte = m.physRead64((pde & FRAME) | ((lin >>> 9) & 0xFF8));
            if ((pte & 1) == 0 || (pte & rsvd) != 0) {
                return -1;
            }
            effective = pde & pte;
            pa = (pte & FRAME) | (lin & 0xFFF);
        }
        boolean wp = (m.cr0 & Memory.CR0_WP) != 0;
        if (user && (effective & 4) == 0 || write && (effective & 2) == 0 && (user || wp)) {
            return -1;
        }
        return pa;
    }
}
