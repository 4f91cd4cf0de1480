package jlguest.cpu;

import static jlguest.cpu.OpcodeTable.IF;
import static jlguest.cpu.OpcodeTable.RF;
import static jlguest.cpu.OpcodeTable.VM;
import static jlguest.cpu.OpcodeTable.ZF;

import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;

/**
 * System instructions: control registers, descriptor tables, MSRs, CPUID, SYSENTER/SYSEXIT,
 * the descriptor-inspection instructions and the x87 control instructions.
 *
 * <p>tour:cpu:800 CPUID tells the truth: it reports exactly the features this CPU implements
 * (FPU control only, TSC, MSR, CX8, SEP, PGE, CMOV, PSE, and PAE with NX: see {@link ExtendedCpuid})
 * plus the hypervisor bit, and hands the hypervisor leaves 0x40000000.. to the machine, which answers
 * with the KVM signature.
 */
abstract class SystemOps extends Alu {
    private final int[] cpuidOut = new int[4];
    private final long[] msrOut = new long[1];

    static final int CPUID_EDX = 1 /* FPU */ | (1 << 3) /* PSE */ | (1 << 4) /* TSC */ | (1 << 5) /* MSR */
            | (1 << 8) /* CX8 */ | (1 << 11) /* SEP */ | (1 << 13) /* PGE */ | (1 << 15) /* CMOV */
            | (1 << 19) /* CLFSH */ | (1 << 23) /* MMX */ | (1 << 24) /* FXSR */ | (1 << 25) /* SSE */
            | (1 << 26) /* SSE2 */;
    /**
     * CPUID.1:EBX: the CLFLUSH line size, 8 << 8 for 64 bytes. (It waited for MSR 0x8B: before the
     * CPU answered that MSR, Linux's "unchecked MSR access" trace unwound from a stale stack slot
     * holding this EBX, and a nonzero value sent it through a NULL pointer at boot.)
     */
    static final int CPUID_EBX = 8 << 8;
    static final int CPUID_ECX = 1 << 31;   // running under a hypervisor
    /** Family 6, model 7, stepping 3. */
    static final int CPUID_SIGNATURE = 0x0673;
    static final int CR4_SUPPORTED = CR4_TSD | CR4_DE | CR4_PSE | 0x40 | CR4_PGE | 0x100
            | 0x200 /* OSFXSR */ | 0x400 /* OSXMMEXCPT */;

    /**
     * The string instructions and port I/O: a part the CPU holds, not a class it extends (see
     * {@link Strings} for why only this part, so far).
     */
    final Strings strings;

    SystemOps(PhysicalBus bus, IoPorts io, CpuHost host, Memory previous) {
        super(bus, host, previous);
        this.strings = new Strings(this, io);
    }

    final void cpuid() {
        int leaf = r[EAX];
        int a = 0, b = 0, c = 0, d = 0;
        if ((leaf & 0xFFFFFF00) == 0x40000000) {
            host.hypervisorCpuid(leaf, cpuidOut);
            a = cpuidOut[0];
            b = cpuidOut[1];
            c = cpuidOut[2];
            d = cpuidOut[3];
        } else if (leaf == 0) {
            a = 1;
            b = 0x756E6547;   // "Genu"
            d = 0x49656E69;   // "ineI"
            c = 0x6C65746E;   // "ntel"
        } else if (leaf == 1) {
            a = CPUID_SIGNATURE;
            b = CPUID_EBX;
            c = CPUID_ECX;
            d = CPUID_EDX | ExtendedCpuid.LEAF1_EDX;
        } else if (leaf < 0 && leaf >= 0x80000000) {
            ExtendedCpuid.leaf(leaf, cpuidOut);
            a = cpuidOut[0];
            b = cpuidOut[1];
            c = cpuidOut[2];
            d = cpuidOut[3];
        }
        r[EAX] = a;
        r[EBX] = b;
        r[ECX] = c;
        r[EDX] = d;
    }

    final void rdmsr() {
        int idx = r[ECX];
        long v;
        switch (idx) {
            case 0x10 -> v = host.timeStampCounter() + tscOffset;
            case Msrs.BIOS_SIGN_ID -> v = Msrs.biosSignId();
            case Msrs.EFER -> v = efer;
            case 0x174 -> v = sysenterCs & 0xFFFFFFFFL;
            case 0x175 -> v = sysenterEsp & 0xFFFFFFFFL;
            case 0x176 -> v = sysenterEip & 0xFFFFFFFFL;
            default -> {
                if (!host.readMsr(idx, msrOut)) {
                    throw fault(GP, 0);
                }
                v = msrOut[0];
            }
        }
        r[EAX] = (int) v;
        r[EDX] = (int) (v >>> 32);
    }

    final void wrmsr() {
        int idx = r[ECX];
        long v = (r[EAX] & 0xFFFFFFFFL) | ((long) r[EDX] << 32);
        switch (idx) {
            case 0x10 -> tscOffset = v - host.timeStampCounter();
            case Msrs.BIOS_SIGN_ID -> { }   // "load the revision into the MSR at the next CPUID": it is always there
            case Msrs.EFER -> setEfer(v);
            case 0x174 -> sysenterCs = (int) v & 0xFFFF;
            case 0x175 -> sysenterEsp = (int) v;
            case 0x176 -> sysenterEip = (int) v;
            default -> {
                if (!host.writeMsr(idx, v)) {
                    throw fault(GP, 0);
                }
            }
        }
    }

    final void rdtsc() {
        if ((cr4 & CR4_TSD) != 0 && cpl > 0 && protectedMode) {
            throw fault(GP, 0);
        }
        long v = host.timeStampCounter() + tscOffset;
        r[EAX] = (int) v;
        r[EDX] = (int) (v >>> 32);
    }

    // ---- control registers --------------------------------------------------------------------

    final int readCr(int n) {
        switch (n) {
            case 0: return cr0;
            case 2: return cr2;
            case 3: return cr3;
            case 4: return cr4;
            default: throw fault(UD, -1);
        }
    }

    /**
     * tour:cpu:810 Writing CR0, CR3 or CR4 can change how every address translates, so each
     * write flushes what it must: CR3 drops the non-global TLB entries, CR0.PG/WP and CR4.PSE/PGE
     * drop everything.
     */
    final void writeCr(int n, int v) {
        switch (n) {
            case 0 -> {
                if ((v & CR0_PG) != 0 && (v & CR0_PE) == 0 || (v & CR0_NW) != 0 && (v & CR0_CD) == 0) {
                    throw fault(GP, 0);
                }
                int old = cr0;
                if ((v & CR0_PG) != 0 && pae && ((old ^ v) & (CR0_PG | CR0_CD | CR0_NW)) != 0) {
                    setPdptes(paePaging.readPdptes(cr3));   // #GP here leaves CR0 as it was
                }
                cr0 = v | CR0_ET;
                protectedMode = (cr0 & CR0_PE) != 0;
                paging = (cr0 & CR0_PG) != 0;
                if (((old ^ cr0) & (CR0_PG | CR0_WP | CR0_PE)) != 0) {
                    tlbFlush(true);
                }
                if (!protectedMode) {
                    setCpl(0);
                }
            }
            case 2 -> cr2 = v;
            case 3 -> {
                if (paging && pae) {
                    setPdptes(paePaging.readPdptes(v));
                }
                cr3 = v;
                tlbFlush(false);
            }
            case 4 -> {
                if ((v & ~(CR4_SUPPORTED | CR4_PAE)) != 0) {
                    throw fault(GP, 0);
                }
                int old = cr4;
                boolean toPae = (v & CR4_PAE) != 0;
                if (paging && toPae && ((old ^ v) & (CR4_PAE | CR4_PSE | CR4_PGE)) != 0) {
                    setPdptes(paePaging.readPdptes(cr3));
                }
                cr4 = v;
                pae = toPae;
                if (((old ^ v) & (CR4_PSE | CR4_PGE | CR4_PAE)) != 0) {
                    tlbFlush(true);
                }
            }
            default -> throw fault(UD, -1);
        }
    }

    final void lmsw(int v) {
        writeCr(0, (cr0 & ~0xF) | (v & 0xF) | (cr0 & CR0_PE));   // LMSW cannot clear PE
    }

    // ---- SYSENTER / SYSEXIT -------------------------------------------------------------------

    final void sysenter() {
        if (!protectedMode || (sysenterCs & 0xFFFC) == 0) {
            throw fault(GP, 0);
        }
        getFlags();
        flags &= ~(VM | IF | RF);
        int cs = sysenterCs & 0xFFFC;
        setSeg(CS, cs, 0, -1, 0xC09B);
        setCpl(0);
        setSeg(SS, cs + 8, 0, -1, 0xC093);
        r[ESP] = sysenterEsp;
        eip = sysenterEip;
    }

    final void sysexit() {
        if (!protectedMode || cpl != 0 || (sysenterCs & 0xFFFC) == 0) {
            throw fault(GP, 0);
        }
        int cs = sysenterCs & 0xFFFC;
        setSeg(CS, (cs + 16) | 3, 0, -1, 0xC0FB);
        setCpl(3);
        setSeg(SS, (cs + 24) | 3, 0, -1, 0xC0F3);
        r[ESP] = r[ECX];
        eip = r[EDX];
    }

    // ---- LAR, LSL, VERR, VERW ----------------------------------------------------------------

    /**
     * The descriptor for LAR/LSL/VERR/VERW if it is visible at this CPL and RPL, else 0 (the
     * instruction then clears ZF). These never fault on a bad selector.
     */
    private long visibleDesc(int sel, boolean forLsl, boolean forLar) {
        if ((sel & 0xFFFC) == 0) {
            return 0;
        }
        int index = sel & 0xFFF8;
        int limit = (sel & 4) != 0 ? ldtLimit : gdtLimit;
        if ((sel & 4) != 0 && (ldtSel & 0xFFFC) == 0 || Integer.compareUnsigned(index + 7, limit) > 0) {
            return 0;
        }
        long d = readDesc(sel, GP);
        int attr = descAttr(d);
        int type = attr & 0x1F;
        if ((attr & 0x10) == 0) {
            boolean ok = forLsl ? type == 1 || type == 2 || type == 3 || type == 9 || type == 0xB
                    : forLar && (type == 1 || type == 2 || type == 3 || type == 4 || type == 5
                    || type == 9 || type == 0xB || type == 0xC);
            if (!ok) {
                return 0;
            }
        }
        int dpl = attrDpl(attr);
        if (!attrConforming(attr) && (dpl < cpl || dpl < (sel & 3))) {
            return 0;
        }
        return d == 0 ? 1 : d;
    }

    /** LAR (lsl=false) or LSL: returns the value, or -1 and ZF=0 when not accessible. */
    final boolean larLsl(int sel, boolean lsl, int[] out) {
        long d = visibleDesc(sel & 0xFFFF, lsl, !lsl);
        if (d == 0) {
            setZf(false);
            return false;
        }
        out[0] = lsl ? descLimit(d) : (int) (d >>> 32) & 0x00F0FF00;
        setZf(true);
        return true;
    }

    final void verrw(int sel, boolean write) {
        long d = visibleDesc(sel & 0xFFFF, false, false);
        boolean ok = false;
        if (d != 0) {
            int attr = descAttr(d);
            ok = (attr & 0x10) != 0 && (write ? attrWritableData(attr) : attrReadable(attr));
        }
        setZf(ok);
    }

    final void setZf(boolean z) {
        getFlags();
        flags = z ? flags | ZF : flags & ~ZF;
    }

    // ---- x87 control --------------------------------------------------------------------------

    /** #NM for an x87 instruction when CR0.EM or CR0.TS says the FPU is not ours. */
    final void fpuCheck(boolean fwait) {
        if (fwait ? (cr0 & (CR0_TS | CR0_MP)) == (CR0_TS | CR0_MP) : (cr0 & (CR0_EM | CR0_TS)) != 0) {
            throw fault(NM, -1);
        }
    }
}
