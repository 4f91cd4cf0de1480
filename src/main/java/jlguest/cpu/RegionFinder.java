package jlguest.cpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * tour:jit:011 Finds the blocks a hot block may be compiled together with: the blocks its direct
 * jumps, calls, conditional branches and fall-through reach, and the instruction after a call
 * (where its RET comes back to), and theirs in turn. A target is the entry's EIP plus a constant,
 * whatever linear address the code is mapped at.
 *
 * <p>tour:jit:019 Most are on the entry's own page. A target on another page (a call into a
 * function elsewhere, the return into its caller, a jump) is taken only if the TLB maps its linear
 * page now and that page is watched for writes (tour:cpu:050: its code was decoded), and only
 * within a megabyte of the entry; the block remembers the physical page and its generation. The
 * compiled unit then checks, each time it crosses into another page, that the TLB still maps the
 * target there and that the page's generation is unchanged (tour:jit:046), as the run loop's
 * chaining does between two blocks.
 *
 * <p>tour:jit:013 Only blocks the guest has run. Both sides of every branch are candidates, and
 * many sides are never taken: error paths, the rare case of a test. Counted on the userland
 * benchmark, two candidate blocks in five (a third of the instructions) had never run when their
 * region was compiled, yet each was translated, defined and compiled by C1 all the same, and took
 * a place a block that did run could have had. So a candidate (other than the hot block itself)
 * is kept only if the run loop has decoded a block at its address since its page was last
 * written (the block cache holds it: {@link CodePages#ran}); a branch to one that never ran
 * leaves the unit, and if it turns hot later it gets a unit of its own. (Measured: regions of the
 * same size then hold the paths that run, and units were entered 11% less often.) The mode that compiles
 * every block at its first run keeps them all (nothing has run yet then), and so does
 * {@code -Djlguest.jit.unrun=true}, for comparisons.
 *
 * <p>The blocks are decoded here again, straight from RAM, with the run loop's own rules for
 * where a block ends ({@code Cpu.decodeBlock}), so that each block of a region is exactly the
 * block the interpreter would run from that address: a compiled region then checks for
 * interrupts and the budget at the very boundaries the interpreter checks at. Candidates only:
 * the compiler decides which of them it can translate and keeps at most what fits one method.
 */
final class RegionFinder {
    /** Candidate blocks (the entry included) and instructions offered to the compiler, at most. */
    static final int MAX_BLOCKS = 16, MAX_INSNS = 320;
    /**
     * How far from the entry a block on another page may start. The unit's fault record keeps an
     * instruction's offset from the entry in 21 bits (BlockCompiler.mayFault).
     */
    static final int MAX_REACH = 0xFF000;
    /** -Djlguest.jit.pages=false: every region stays on its entry's page, as before. */
    static final boolean CROSS_PAGE = !"false".equals(System.getProperty("jlguest.jit.pages"));
    /** -Djlguest.jit.unrun=true: blocks that never ran are candidates too (tour:jit:013), as before. */
    static final boolean UNRUN = Boolean.getBoolean("jlguest.jit.unrun");

    private RegionFinder() {
    }

    /** A fetch outside the page: the block ends before this instruction. */
    private static final RuntimeException OFF_PAGE = new RuntimeException("off the page", null, false, false) {
    };

    /** Where the pages of a region are: the CPU's view, on the CPU thread, when the entry got hot. */
    interface CodePages {
        /** The physical page a linear page is mapped to for fetches now, if its code is watched; else -1. */
        int physPage(int linearPage);

        /** A page's generation (tour:cpu:050). */
        int gen(int physPage);

        /**
         * True when a block starting at physical address {@code phys} has run (the loop decoded
         * one there, and its page was not written since) (tour:jit:013).
         */
        boolean ran(int phys);
    }

    /**
     * The entry block first, then the blocks reachable from it, breadth first. {@code entryLin} is
     * the entry's linear address; {@code pages} (null: the entry's page only) maps the others;
     * {@code ranOnly}: only blocks that have run (tour:jit:013), which needs {@code pages}.
     */
    static List<GuestBlock> find(byte[] ram, Cpu.Block entry, GuestInsn[] entryInsns, int entryLin, CodePages pages,
            boolean ranOnly) {
        List<GuestBlock> out = new ArrayList<>();
        int page = entry.phys & ~0xFFF;
        int at0 = entry.phys & 0xFFF;
        if (!entry.code32 || page < 0 || page + 0x1000 > ram.length || (entryLin & 0xFFF) != at0) {
            out.add(new GuestBlock(0, entryInsns));
            return out;
        }
        boolean crossPage = CROSS_PAGE && pages != null;
        int entryGen = crossPage ? pages.gen(page >>> 12) : 0;
        out.add(crossPage ? new GuestBlock(0, entryInsns, page >>> 12, entryGen) : new GuestBlock(0, entryInsns));
        Set<Integer> seen = new HashSet<>();
        seen.add(0);
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        int total = entryInsns.length;
        successors(0, entry.insns, entry.count, queue);
        Insn[] insns = new Insn[Cpu.MAX_BLOCK];
        for (int k = 0; k < insns.length; k++) {
            insns[k] = new Insn();
        }
        while (!queue.isEmpty() && out.size() < MAX_BLOCKS && total < MAX_INSNS) {
            int off = queue.poll();
            if (!seen.add(off) || off < -MAX_REACH || off > MAX_REACH) {
                continue;
            }
            int lin = entryLin + off;
            boolean home = (lin >>> 12) == (entryLin >>> 12);
            int phys;
            int gen = entryGen;
            if (home) {
                phys = page;
            } else {
                int p = crossPage ? pages.physPage(lin >>> 12) : -1;
                if (p < 0 || ((long) p << 12) + 0x1000 > ram.length) {
                    continue;
                }
                phys = p << 12;
                gen = pages.gen(p);
            }
            if (ranOnly && pages != null && !pages.ran(phys + (lin & 0xFFF))) {
                continue;       // never run: a branch there leaves the unit
            }
            int base = phys;
            Decoder.Fetch fetch = a -> {
                if (a < 0 || a >= 0x1000) {
                    throw OFF_PAGE;
                }
                return ram[base + a] & 0xFF;
            };
            int n = decode(fetch, lin & 0xFFF, insns);
            if (n == 0 || total + n > MAX_INSNS) {
                continue;
            }
            GuestInsn[] copy = new GuestInsn[n];
            for (int k = 0; k < n; k++) {
                copy[k] = JitPort.copy(insns[k]);
            }
            out.add(crossPage ? new GuestBlock(off, copy, phys >>> 12, gen) : new GuestBlock(off, copy));
            total += n;
            successors(off, insns, n, queue);
        }
        return out;
    }

    /** Decodes a 32-bit block at page offset {@code at} as Cpu.decodeBlock would; 0 if it cannot start there. */
    private static int decode(Decoder.Fetch fetch, int at, Insn[] insns) {
        int off = at;
        for (int k = 0; k < insns.length; k++) {
            Insn d = insns[k];
            try {
                Decoder.decode(fetch, off, true, d);
            } catch (RuntimeException e) {
                return k;       // runs off the page (or would fault): the block ends before it
            }
            if (off + d.len > 0x1000) {
                return k;       // crosses into the next page: a block of its own, never cached
            }
            off += d.len;
            if ((d.attrs & Opcode.ENDS_BLOCK) != 0 && !conditional(d.op) || d.op >= Insn.OP_UD || off == 0x1000) {
                return k + 1;
            }
        }
        return insns.length;
    }

    /** Offsets from the entry where a block of {@code n} instructions at {@code at} may go on. */
    private static void successors(int at, Insn[] insns, int n, ArrayDeque<Integer> queue) {
        int off = at;
        for (int k = 0; k < n; k++) {
            Insn d = insns[k];
            off += d.len;
            if (d.o32 && (d.op >= 0x70 && d.op <= 0x7F || d.op >= 0x180 && d.op <= 0x18F
                    || d.op == 0xE8 || d.op == 0xE9 || d.op == 0xEB)) {
                queue.add(off + d.imm);
            }
        }
        Insn last = insns[n - 1];
        if (last.op < Insn.OP_UD && ((last.attrs & Opcode.ENDS_BLOCK) == 0 || conditional(last.op))
                || last.op == 0xE8 && last.o32) {
            queue.add(off);     // cut (32 instructions), a branch not taken, or a CALL's return point
        }
    }

    static boolean conditional(int op) {
        return op >= 0x70 && op <= 0x7F || op >= 0x180 && op <= 0x18F || op >= 0xE0 && op <= 0xE3;
    }
}
