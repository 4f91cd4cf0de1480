package jlguest.cpu;

import static jlguest.cpu.OpcodeTable.DF;
import static jlguest.cpu.OpcodeTable.TF;

import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;

/**
 * String instructions (MOVS, STOS, LODS, CMPS, SCAS, INS, OUTS) with REP prefixes, and port I/O.
 *
 * <p>tour:cpu:700 A REP MOVS or REP STOS is how the kernel copies and clears memory, so it gets a
 * fast path: whole runs inside one page on each side are copied with System.arraycopy. Each
 * iteration updates ECX, ESI and EDI before the next one starts, so a page fault in the middle
 * leaves a state from which the instruction simply restarts, as on real hardware.
 */
abstract class Strings extends Alu {
    final IoPorts io;

    Strings(PhysicalBus bus, IoPorts io, CpuHost host, Memory previous) {
        super(bus, host, previous);
        this.io = io;
    }

    final int cnt(boolean a32) {
        return a32 ? r[ECX] : r[ECX] & 0xFFFF;
    }

    final void setCnt(boolean a32, int v) {
        if (a32) {
            r[ECX] = v;
        } else {
            setReg16(ECX, v);
        }
    }

    private int idx(boolean a32, int reg) {
        return a32 ? r[reg] : r[reg] & 0xFFFF;
    }

    private void adv(boolean a32, int reg, int delta) {
        if (a32) {
            r[reg] += delta;
        } else {
            setReg16(reg, r[reg] + delta);
        }
    }

    /** Executes one string instruction, with or without REP. */
    final void string(Insn i) {
        int op = i.op;
        boolean a32 = i.a32;
        int sz = i.sz;
        int n = 1 << sz;
        int delta = (flags & DF) != 0 ? -n : n;
        int src = i.segOverride >= 0 ? i.segOverride : DS;
        // CMPS reads both operands; which read comes first shows only when both fault (in CR2).
        // The AMD host the differential vectors come from reads DS:[ESI] first with 32-bit
        // addressing, and ES:[DI] first with 16-bit addressing except in REPE CMPSB.
        boolean esFirst = !a32 && !(i.rep == 0xF3 && sz == 0);
        if ((op == 0x6C || op == 0x6D || op == 0x6E || op == 0x6F)) {
            checkIo(r[EDX] & 0xFFFF, n);
        }
        if (i.rep == 0) {
            once(op, a32, sz, delta, src, esFirst);
            return;
        }
        // tour:cpu:715 With TF set, a REP instruction traps after every iteration: each one ends
        // the instruction early (EIP stays on it while the count is not exhausted), exactly like the
        // pause below, and the run loop raises #DB. A debugger stepping REP MOVSB sees ECX go down
        // by one per step, as on a real CPU.
        boolean singleStep = (flags & TF) != 0;
        if (!singleStep && delta > 0 && a32 && (op == 0xA4 || op == 0xA5 || op == 0xAA || op == 0xAB)
                && fastRep(op, sz, src)) {
            yieldRep();
            return;
        }
        boolean cmp = op == 0xA6 || op == 0xA7 || op == 0xAE || op == 0xAF;
        // tour:cpu:710 A REP with ECX = 4 billion must not freeze the machine: after a slice of
        // iterations the instruction "pauses" by restarting itself, as real CPUs do to let
        // interrupts in. The state after each iteration is consistent, so this is invisible.
        int slice = singleStep ? 1 : REP_SLICE;
        for (;;) {
            int c = cnt(a32);
            if (c == 0) {
                return;
            }
            if (--slice < 0) {
                yieldRep();
                return;
            }
            once(op, a32, sz, delta, src, esFirst);
            setCnt(a32, c - 1);
            if (cmp && (zf() != (i.rep == 0xF3))) {
                return;
            }
        }
    }

    static final int REP_SLICE = 1 << 14;

    private void yieldRep() {
        eip = curEip;
        abortBlock = true;
        uncounted++;
    }

    private void once(int op, boolean a32, int sz, int delta, int src, boolean esFirst) {
        switch (op) {
            case 0xA4, 0xA5 -> {
                int v = rdSSz(src, idx(a32, ESI), sz);
                wrSSz(ES, idx(a32, EDI), sz, v);
                adv(a32, ESI, delta);
                adv(a32, EDI, delta);
            }
            case 0xAA, 0xAB -> {
                wrSSz(ES, idx(a32, EDI), sz, r[EAX]);
                adv(a32, EDI, delta);
            }
            case 0xAC, 0xAD -> {
                int v = rdSSz(src, idx(a32, ESI), sz);
                setRegSz(EAX, sz, v);
                adv(a32, ESI, delta);
            }
            case 0xA6, 0xA7 -> {
                int a, b;
                if (!esFirst) {
                    a = rdSSz(src, idx(a32, ESI), sz);
                    b = rdSSz(ES, idx(a32, EDI), sz);
                } else {
                    b = rdSSz(ES, idx(a32, EDI), sz);
                    a = rdSSz(src, idx(a32, ESI), sz);
                }
                alu(7, a, b, sz);
                adv(a32, ESI, delta);
                adv(a32, EDI, delta);
            }
            case 0xAE, 0xAF -> {
                int b = rdSSz(ES, idx(a32, EDI), sz);
                alu(7, regSz(EAX, sz), b, sz);
                adv(a32, EDI, delta);
            }
            case 0x6C, 0x6D -> {
                // INS: the memory write is checked before the port is read.
                int off = idx(a32, EDI);
                wrSSz(ES, off, sz, rdSSz(ES, off, sz));
                int v = io.in(r[EDX] & 0xFFFF, 1 << sz);
                wrSSz(ES, off, sz, v);
                adv(a32, EDI, delta);
            }
            default -> {   // 0x6E, 0x6F OUTS
                int v = rdSSz(src, idx(a32, ESI), sz);
                io.out(r[EDX] & 0xFFFF, 1 << sz, v);
                adv(a32, ESI, delta);
            }
        }
    }

    /**
     * REP MOVS/STOS forward with 32-bit addressing: copies page-sized runs straight between RAM
     * frames. Stops (leaving the rest to the element loop) at anything unusual.
     */
    private boolean fastRep(int op, int sz, int src) {
        boolean movs = op == 0xA4 || op == 0xA5;
        if ((segFast[ES] & SEG_FAST_W) == 0 || movs && (segFast[src] & SEG_FAST_R) == 0) {
            return false;
        }
        int n = 1 << sz;
        int pages = 256;
        while (r[ECX] != 0) {
            if (--pages < 0) {
                return true;
            }
            int c = r[ECX];
            int dlin = segBase[ES] + r[EDI];
            int de = tlb[dlin >>> 12];
            if ((de & wmask) == 0 || (dlin & (n - 1)) != 0) {
                return false;
            }
            int room = (0x1000 - (dlin & 0xFFF)) >>> sz;
            int dpa = (de & ~0xFFF) | (dlin & 0xFFF);
            if (movs) {
                int slin = segBase[src] + r[ESI];
                int se = tlb[slin >>> 12];
                if ((se & rmask) == 0 || (slin & (n - 1)) != 0) {
                    return false;
                }
                room = Math.min(room, (0x1000 - (slin & 0xFFF)) >>> sz);
                int k = Integer.compareUnsigned(c, room) < 0 ? c : room;
                int spa = (se & ~0xFFF) | (slin & 0xFFF);
                int bytes = k << sz;
                if (dpa > spa && dpa < spa + bytes) {
                    return false;   // overlapping forward copy replicates data: leave it to the loop
                }
                System.arraycopy(mem, spa, mem, dpa, bytes);
                r[ESI] += bytes;
                r[EDI] += bytes;
                r[ECX] = c - k;
            } else {
                int k = Integer.compareUnsigned(c, room) < 0 ? c : room;
                int v = r[EAX];
                if (sz == 0) {
                    java.util.Arrays.fill(mem, dpa, dpa + k, (byte) v);
                } else if (sz == 1) {
                    for (int j = 0; j < k; j++) {
                        LE16.set(mem, dpa + 2 * j, (short) v);
                    }
                } else {
                    for (int j = 0; j < k; j++) {
                        LE32.set(mem, dpa + 4 * j, v);
                    }
                }
                r[EDI] += k << sz;
                r[ECX] = c - k;
            }
        }
        return false;
    }

    // ---- IN / OUT -----------------------------------------------------------------------------

    final int in(int port, int sz) {
        int n = 1 << sz;
        checkIo(port, n);
        return io.in(port & 0xFFFF, n);
    }

    final void out(int port, int sz, int v) {
        int n = 1 << sz;
        checkIo(port, n);
        io.out(port & 0xFFFF, n, sz == 2 ? v : v & MASK[sz]);
    }
}
