package jlguest.debug;

import jlguest.bus.Ram;
import jlguest.cpu.Cpu;

/**
 * Explains how the guest's page tables translate one virtual address: each level's entry, its
 * flags, and the physical address or the page fault the CPU would raise.
 *
 * <p>tour:monitor:070 Two levels on a 32-bit x86 without PAE: CR3 points at the page directory,
 * whose entry for the top 10 bits of the address points at a page table (or, with PS set and
 * CR4.PSE, maps a 4 MiB page directly), whose entry for the next 10 bits points at the 4 KiB
 * frame. We read the entries from RAM ourselves, touching no accessed or dirty bit.
 */
public final class PageWalk {
    private PageWalk() {
    }

    /** The walk as text, one line per step. */
    public static String explain(Cpu cpu, Ram ram, int va) {
        StringBuilder s = new StringBuilder();
        int cr0 = cpu.cr(0);
        int cr3 = cpu.cr(3);
        int cr4 = cpu.cr(4);
        if ((cr0 & 0x80000000) == 0) {
            return String.format("paging is off (CR0.PG=0): virtual 0x%08x is physical 0x%08x%n", va, va);
        }
        s.append(String.format("CR3=0x%08x  CR0.WP=%d  CR4.PSE=%d  CR4.PGE=%d%n", cr3, (cr0 >>> 16) & 1,
                (cr4 >>> 4) & 1, (cr4 >>> 7) & 1));
        int pdeAddr = (cr3 & 0xFFFFF000) | ((va >>> 22) << 2);
        if (!ram.contains(pdeAddr & 0xFFFFFFFFL, 4)) {
            return s.append(String.format("page directory entry at 0x%08x is outside RAM%n", pdeAddr)).toString();
        }
        int pde = ram.read32(pdeAddr);
        s.append(String.format("PDE[%3d] at 0x%08x = 0x%08x  %s%n", va >>> 22, pdeAddr, pde, flags(pde, true)));
        if ((pde & 1) == 0) {
            return s.append(fault(va, "the page directory entry is not present")).toString();
        }
        int pa;
        int effective;
        if ((pde & 0x80) != 0 && (cr4 & 0x10) != 0) {
            pa = (pde & 0xFFC00000) | (va & 0x3FFFFF);
            effective = pde;
            s.append(String.format("4 MiB page at 0x%08x%n", pde & 0xFFC00000));
        } else {
            int pteAddr = (pde & 0xFFFFF000) | (((va >>> 12) & 0x3FF) << 2);
            if (!ram.contains(pteAddr & 0xFFFFFFFFL, 4)) {
                return s.append(String.format("page table entry at 0x%08x is outside RAM%n", pteAddr)).toString();
            }
            int pte = ram.read32(pteAddr);
            s.append(String.format("PTE[%3d] at 0x%08x = 0x%08x  %s%n", (va >>> 12) & 0x3FF, pteAddr, pte,
                    flags(pte, false)));
            if ((pte & 1) == 0) {
                return s.append(fault(va, "the page table entry is not present")).toString();
            }
            pa = (pte & 0xFFFFF000) | (va & 0xFFF);
            effective = pde & pte;
        }
        s.append(String.format("physical 0x%08x  (%s, %s)%n", pa,
                (effective & 2) != 0 ? "writable" : "read-only" + ((cr0 & 0x10000) != 0 ? " even for the kernel" : " for user mode"),
                (effective & 4) != 0 ? "user and kernel" : "kernel only"));
        if (!ram.contains(pa & 0xFFFFFFFFL, 1)) {
            s.append("  (not RAM: MMIO or nothing)\n");
        }
        return s.toString();
    }

    private static String fault(int va, String why) {
        return String.format("%s: any access to 0x%08x raises #PF, CR2=0x%08x, error code 0x0 for a"
                + " kernel read (+2 for a write, +4 from user mode)%n", why, va, va);
    }

    /** "P W U A D PS G" style flags. */
    static String flags(int e, boolean pde) {
        StringBuilder s = new StringBuilder();
        s.append((e & 1) != 0 ? "P " : "not-present ");
        if ((e & 1) == 0) {
            return s.toString().trim();
        }
        s.append((e & 2) != 0 ? "RW " : "RO ");
        s.append((e & 4) != 0 ? "U " : "S ");
        if ((e & 8) != 0) {
            s.append("PWT ");
        }
        if ((e & 16) != 0) {
            s.append("PCD ");
        }
        if ((e & 32) != 0) {
            s.append("A ");
        }
        if ((e & 64) != 0) {
            s.append("D ");
        }
        if (pde && (e & 0x80) != 0) {
            s.append("PS ");
        }
        if ((e & 0x100) != 0 && (!pde || (e & 0x80) != 0)) {
            s.append("G ");
        }
        return s.toString().trim();
    }
}
