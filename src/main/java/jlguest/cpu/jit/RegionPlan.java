package jlguest.cpu.jit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jlguest.cpu.GuestBlock;
import jlguest.cpu.GuestInsn;

/**
 * Chooses the blocks of one compiled unit from the candidates the CPU offers (the hot block first,
 * then the blocks it reaches, mostly on its page, see jlguest.cpu.RegionFinder).
 *
 * <p>tour:jit:012 From blocks to regions. A unit of one block returns to the run loop at every
 * taken branch, and a hot loop of a few blocks then pays the loop's lookup, chaining and
 * bookkeeping, and the unit's register loads and stores, on every turn. So a hot block is compiled
 * together with up to {@value #MAX_BLOCKS} blocks it reaches, on its page or others (at most
 * {@value #MAX_INSNS} instructions): breadth first along direct jumps, calls, both sides of
 * conditional branches, fall-through and the return points of calls, keeping only blocks the
 * compiler can translate whole (the hot block itself may be translated only in part: where its
 * prefix ends, the loop interprets the rest).
 * They become one JVM method with JVM jumps between them, so a loop that stays in its region stays
 * in one method, its registers in locals, and C2 compiles it as a loop. If the method comes out
 * larger than {@value #MAX_CODE} bytes of bytecode (HotSpot does not compile methods over 8,000
 * bytes, and the class file format stops at 64 KiB), the last block chosen is dropped and the
 * region compiled again, until it fits.
 */
final class RegionPlan {
    static final int MAX_BLOCKS = 8, MAX_INSNS = 160, MAX_CODE = 7000;
    /**
     * {@code -Djlguest.jit.regions=false}: every unit one block that returns to the loop at its end,
     * as the compiler did before regions (for side-by-side measurements).
     */
    static final boolean REGIONS = !"false".equals(System.getProperty("jlguest.jit.regions"));

    private RegionPlan() {
    }

    /** Compiles the best region the candidates allow; null when not even the first instruction translates. */
    static UnitClass.Unit compile(GuestBlock[] candidates, boolean hot) {
        GuestInsn[] entry = candidates[0].insns();
        int m = Translatable.translatable(entry, entry.length);
        if (m == 0) {
            return null;
        }
        if (!REGIONS) {
            return UnitClass.make(List.of(new GuestBlock(0, Arrays.copyOf(entry, m))), true, entry.length, hot);
        }
        // An entry that is only a prefix of its block (the rest holds something not translated)
        // still heads a region: where the prefix ends, the loop interprets the rest of the block.
        boolean prefix = m < entry.length;
        GuestBlock[] c = candidates.clone();
        c[0] = new GuestBlock(0, Arrays.copyOf(entry, m), candidates[0].page(), candidates[0].gen());
        List<GuestBlock> chosen = choose(c, prefix);
        for (;;) {
            UnitClass.Unit u = UnitClass.make(chosen, false, entry.length, hot);
            if (u.codeSize() <= MAX_CODE || chosen.size() == 1) {
                return u;
            }
            chosen = chosen.subList(0, chosen.size() - 1);
        }
    }

    /** The entry, then translatable candidates reachable from it, breadth first, within the limits. */
    static List<GuestBlock> choose(GuestBlock[] candidates) {
        return choose(candidates, false);
    }

    /** As {@link #choose(GuestBlock[])}; {@code prefix}: the entry block does not fall through. */
    static List<GuestBlock> choose(GuestBlock[] candidates, boolean prefix) {
        List<GuestBlock> chosen = new ArrayList<>();
        boolean[] taken = new boolean[candidates.length];
        chosen.add(candidates[0]);
        taken[0] = true;
        int insns = candidates[0].insns().length;
        for (int next = 0; next < chosen.size() && chosen.size() < MAX_BLOCKS; next++) {
            for (int target : successors(chosen.get(next), next == 0 && prefix)) {
                int c = find(candidates, target);
                if (c < 0 || taken[c] || chosen.size() >= MAX_BLOCKS) {
                    continue;
                }
                GuestInsn[] body = candidates[c].insns();
                if (insns + body.length > MAX_INSNS
                        || Translatable.translatable(body, body.length) < body.length) {
                    continue;
                }
                taken[c] = true;
                chosen.add(candidates[c]);
                insns += body.length;
            }
        }
        return chosen;
    }

    private static int find(GuestBlock[] candidates, int start) {
        for (int c = 0; c < candidates.length; c++) {
            if (candidates[c].start() == start) {
                return c;
            }
        }
        return -1;
    }

    /** Offsets (from the region's entry) where the block may go on: branch targets and fall-through. */
    static List<Integer> successors(GuestBlock g, boolean prefix) {
        List<Integer> out = new ArrayList<>();
        int at = g.start();
        GuestInsn[] insns = g.insns();
        for (GuestInsn i : insns) {
            at += i.len();
            int op = i.op();
            if (i.o32() && (op >= 0x70 && op <= 0x7F || op >= 0x180 && op <= 0x18F
                    || op == 0xE8 || op == 0xE9 || op == 0xEB)) {
                out.add(at + i.imm());
            }
        }
        if (prefix) {
            return out;      // the rest of the block is the loop's
        }
        if (!Translatable.endsBlock(insns[insns.length - 1]) || insns[insns.length - 1].op() == 0xE8) {
            out.add(at);     // fall-through, or where a CALL's RET comes back to (tour:jit:018)
        }
        return out;
    }
}
