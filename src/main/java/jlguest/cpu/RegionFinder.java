package jlguest.cpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * tour:jit:011 Finds the blocks a hot block may be compiled together with: the blocks its direct
 * jumps, calls, conditional branches and fall-through reach, and the instruction after a call
 * (where its RET comes back to), and theirs in turn, as long as they start on the
 * same guest page. A region never leaves its page, so one physical page holds all of it: its
 * entry's page is watched for writes (tour:cpu:050), and the target of a jump inside it is the
 * entry's EIP plus a constant, whatever linear address the page is mapped at.
 *
 * <p>The blocks are decoded here again, straight from the page in RAM, with the run loop's own
 * rules for where a block ends ({@code Cpu.decodeBlock}), so that each block of a region is
 * exactly the block the interpreter would run from that address: a compiled region then checks
 * for interrupts and the budget at the very boundaries the interpreter checks at. Candidates only:
 * the compiler decides which of them it can translate and keeps at most what fits one method.
 */
final class RegionFinder {
    /** Candidate blocks (the entry included) and instructions offered to the compiler, at most. */
    static final int MAX_BLOCKS = 16, MAX_INSNS = 320;

    private RegionFinder() {
    }

    /** A fetch outside the page: the block ends before this instruction. */
    private static final RuntimeException OFF_PAGE = new RuntimeException("off the page", null, false, false) {
    };

    /** The entry block first, then the blocks reachable from it on its page, breadth first. */
    static List<GuestBlock> find(byte[] ram, Cpu.Block entry, GuestInsn[] entryInsns) {
        List<GuestBlock> out = new ArrayList<>();
        out.add(new GuestBlock(0, entryInsns));
        int page = entry.phys & ~0xFFF;
        int at0 = entry.phys & 0xFFF;
        if (!entry.code32 || page < 0 || page + 0x1000 > ram.length) {
            return out;
        }
        boolean[] seen = new boolean[0x1000];
        seen[at0] = true;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        int total = entryInsns.length;
        successors(at0, entry.insns, entry.count, queue);
        Decoder.Fetch fetch = lin -> {
            if (lin < 0 || lin >= 0x1000) {
                throw OFF_PAGE;
            }
            return ram[page + lin] & 0xFF;
        };
        Insn[] insns = new Insn[Cpu.MAX_BLOCK];
        for (int k = 0; k < insns.length; k++) {
            insns[k] = new Insn();
        }
        while (!queue.isEmpty() && out.size() < MAX_BLOCKS && total < MAX_INSNS) {
            int at = queue.poll();
            if (seen[at]) {
                continue;
            }
            seen[at] = true;
            int n = decode(fetch, at, insns);
            if (n == 0 || total + n > MAX_INSNS) {
                continue;
            }
            GuestInsn[] copy = new GuestInsn[n];
            for (int k = 0; k < n; k++) {
                copy[k] = JitPort.copy(insns[k]);
            }
            out.add(new GuestBlock(at - at0, copy));
            total += n;
            successors(at, insns, n, queue);
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

    /** Page offsets where a block of {@code n} instructions at {@code at} may go on (same page only). */
    private static void successors(int at, Insn[] insns, int n, ArrayDeque<Integer> queue) {
        int off = at;
        for (int k = 0; k < n; k++) {
            Insn d = insns[k];
            off += d.len;
            if (d.o32 && (d.op >= 0x70 && d.op <= 0x7F || d.op >= 0x180 && d.op <= 0x18F
                    || d.op == 0xE8 || d.op == 0xE9 || d.op == 0xEB)) {
                enqueue(off + d.imm, queue);
            }
        }
        Insn last = insns[n - 1];
        if (last.op < Insn.OP_UD && ((last.attrs & Opcode.ENDS_BLOCK) == 0 || conditional(last.op))
                || last.op == 0xE8 && last.o32) {
            enqueue(off, queue);     // cut (32 instructions), a branch not taken, or a CALL's return point
        }
    }

    private static void enqueue(int at, ArrayDeque<Integer> queue) {
        if (at >= 0 && at < 0x1000) {
            queue.add(at);
        }
    }

    static boolean conditional(int op) {
        return op >= 0x70 && op <= 0x7F || op >= 0x180 && op <= 0x18F || op >= 0xE0 && op <= 0xE3;
    }
}
