package jlguest.debug;

import jlguest.bus.Ram;
import jlguest.cpu.Cpu;

/**
 * The monitor's {@code pagewalk} for PAE paging: the PDPTE the CPU loaded at MOV CR3 (not re-read
 * from memory, just as the CPU does not), then the 64-bit PDE and PTE from RAM, with their XD bit
 * and the physical address, which may lie above 4 GiB.
 */
final class PaePageWalk {
    private static final long FRAME = 0x0000000FFFFFF000L;

    private PaePageWalk() {
    }

    static String explain(Cpu cpu, Ram ram, int va) {
        StringBuilder s = new StringBuilder();
        int cr0 = cpu.cr(0);
        boolean nxe = (cpu.efer() & (1L << 11)) != 0;
        s.append(String.format("CR3=0x%08x  PAE  CR0.WP=%d  CR4.PGE=%d  EFER.NXE=%d%n", cpu.cr(3), (cr0 >>> 16) & 1,
                (cpu.cr(4) >>> 7) & 1, nxe ? 1 : 0));
        int i = va >>> 30;
        long pdpte = cpu.pdpte(i);
        s.append(String.format("PDPTE[%d] (loaded at MOV CR3) = 0x%016x  %s%n", i, pdpte,
                (pdpte & 1) != 0 ? "P" : "not-present"));
        if ((pdpte & 1) == 0) {
            return s.append(PageWalk.fault(va, "the page directory pointer entry is not present")).toString();
        }
        long pdeAddr = (pdpte & FRAME) | (((va >>> 21) & 0x1FF) << 3);
        if (!ram.contains(pdeAddr, 8)) {
            return s.append(String.format("page directory entry at 0x%x is outside RAM%n", pdeAddr)).toString();
        }
        long pde = ram.read64((int) pdeAddr);
        s.append(String.format("PDE[%3d] at 0x%08x = 0x%016x  %s%n", (va >>> 21) & 0x1FF, pdeAddr, pde,
                flags(pde, true)));
        if ((pde & 1) == 0) {
            return s.append(PageWalk.fault(va, "the page directory entry is not present")).toString();
        }
        long pa;
        long effective;
        boolean xd;
        if ((pde & 0x80) != 0) {
            pa = (pde & FRAME & ~0x1FFFFFL) | (va & 0x1FFFFF);
            effective = pde;
            xd = pde < 0;
            s.append(String.format("2 MiB page at 0x%x%n", pde & FRAME & ~0x1FFFFFL));
        } else {
            long pteAddr = (pde & FRAME) | (((va >>> 12) & 0x1FF) << 3);
            if (!ram.contains(pteAddr, 8)) {
                return s.append(String.format("page table entry at 0x%x is outside RAM%n", pteAddr)).toString();
            }
            long pte = ram.read64((int) pteAddr);
            s.append(String.format("PTE[%3d] at 0x%08x = 0x%016x  %s%n", (va >>> 12) & 0x1FF, pteAddr, pte,
                    flags(pte, false)));
            if ((pte & 1) == 0) {
                return s.append(PageWalk.fault(va, "the page table entry is not present")).toString();
            }
            pa = (pte & FRAME) | (va & 0xFFF);
            effective = pde & pte;
            xd = pde < 0 || pte < 0;
        }
        String exec = !xd ? "executable" : nxe ? "not executable (XD)" : "XD set without EFER.NXE: reserved-bit #PF";
        s.append(String.format("physical 0x%08x  (%s, %s, %s)%n", pa,
                (effective & 2) != 0 ? "writable" : "read-only" + ((cr0 & 0x10000) != 0 ? " even for the kernel" : " for user mode"),
                (effective & 4) != 0 ? "user and kernel" : "kernel only", exec));
        if (!ram.contains(pa, 1)) {
            s.append("  (not RAM: MMIO or nothing)\n");
        }
        return s.toString();
    }

    private static String flags(long e, boolean pde) {
        String f = PageWalk.flags((int) e, pde);
        return (e & 1) != 0 && e < 0 ? f + " XD" : f;
    }
}
