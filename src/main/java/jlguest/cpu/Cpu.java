package jlguest.cpu;

import static jlguest.cpu.OpcodeTable.IF;
import static jlguest.cpu.OpcodeTable.TF;

import jlguest.cpu.EntryState;
import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;

/**
 * The x86 CPU: an i686 interpreter with a decoded-block cache. This class holds the run loop and
 * the public API; the instruction set lives in the layers it extends (see {@link CpuState}).
 *
 * <p>tour:cpu:001 The CPU is the heart of jlguest. The machine gives it a physical bus (RAM and
 * MMIO), the I/O ports and a {@link CpuHost} for everything else, puts it in the state a loader
 * asks for ({@link #enter}) and calls {@link #run} in a loop. Guest code is untrusted: nothing it
 * does escapes {@code run()} as a Java exception; at worst the guest triple-faults.
 *
 * <p>tour:cpu:050 The run loop works on blocks: up to {@value #MAX_BLOCK} instructions decoded
 * once, starting at a physical address, ending at a branch or at the end of the page. Blocks are
 * looked up by physical address in a direct-mapped cache. A page that holds decoded code is
 * "watched" in {@link jlguest.bus.Ram}: the TLB never grants fast writes to it, so any write (by
 * the CPU or by a device's DMA) reaches {@link #codeWritten}, which bumps the page's generation
 * and thereby invalidates every block decoded from it, the running one included.
 *
 * <p>The x87 lives in {@link jlguest.cpu.fpu}. Left undone, honestly: virtual-8086 mode (IRET
 * to it raises #GP(0) in the guest), and hardware breakpoints (DR0..DR7 are stored, never matched). PUSH of a segment register with a 32-bit
 * operand writes the selector zero-extended (Intel's newer cores write only 16 bits; both are
 * allowed).
 *
 * <p>Errors in the API: {@link #loadSegment} and {@link #setCr} throw IllegalArgumentException
 * when the CPU would have raised an exception; the message names it (e.g. "#GP(0x28)").
 */
public final class Cpu extends FastExecutor {
    static final int MAX_BLOCK = 32;
    /**
     * 256 Ki slots (1 MiB of references; a slot gets its Block when first used), two ways: a block
     * lives in one of two slots, given by two unrelated hashes of its physical address. With 16 Ki
     * direct-mapped slots, a boot plus a few busybox commands decoded 199,206 blocks out of 17.9
     * million run (1.1%, mostly collisions); with 64 Ki, 110,597 (0.6%). A collision also costs a
     * compiled unit: the slot's block is decoded again for the other address, and the unit of the
     * old decode never runs again (its block must reach the threshold and compile anew). Perl and
     * python run three times over in one guest (bench/userland) still lost 227-237 units that had
     * run 330-360 M instructions that way with 256 Ki direct-mapped slots; the second way keeps a
     * block that has a unit when the other slot holds one that has none (docs/performance.md).
     */
    private static final int CACHE_BITS = 18;

    /** A decoded block: instructions from one physical page. */
    static final class Block {
        int phys = -1;
        boolean code32;
        int gen;
        int count;
        /** Bytes from the block's first byte to the end of its last instruction (0: a fetch fault). */
        int span;
        /**
         * The decoded instructions; a slot gets its Insn the first time a decode reaches it and
         * keeps it for every later decode, so the run loop allocates nothing in the steady state.
         * (Filling all 32 slots up front cost 77 MB of Insns for the bundled boot's 21,000 blocks,
         * whose average length is 6, and a young collection had to copy them all.)
         */
        final Insn[] insns = new Insn[MAX_BLOCK];
        /**
         * Two remembered successors (taken / not taken), valid in epoch e0/e1 and code context
         * c0/c1 while the successor is still the decode it was then (its version, v0/v1).
         */
        Block s0, s1;
        int eip0, eip1, v0, v1, e0, e1, c0, c1;
        /** For the block compiler (JitPort): bumped by every decode; runs since; the compiled unit. */
        int version, runs;
        CompiledUnit unit;

        /**
         * Holds nothing any more (a new CPU took the cache over): no lookup matches it, no chain
         * leads out of it, and a compiled unit still on its way arrives for an old version.
         */
        void forget() {
            phys = -1;
            s0 = s1 = null;
            version++;
            runs = 0;
            unit = null;
        }
    }

    private final Block[] cache;
    private final Block scratch;
    /** Generation per RAM page; blocks remember the generation they were decoded at. */
    private final int[] pageGen;
    private int runningPage = -1;
    private long retired;
    volatile boolean stopRequested;     // read by compiled regions too (regionMayGoOn)
    private int ipMask = 0xFFFF;

    private static final int VEC_CROSS = 257;
    private int fetchBase;
    private boolean fetchMayCross;
    /** While building a block that ends near the CS limit: a byte beyond it raises #GP(0). */
    private boolean fetchLimited;
    private final Decoder.Fetch fetcher = this::fetch8;
    /** The block compiler's port (null: --no-compiler), and where compiled code leaves its count on a fault. */
    private final JitPort jit = JitPort.fromProperties();
    int jitRetired;
    /**
     * The run loop's budget when it enters a compiled unit, capped at {@link #JIT_BUDGET_MAX} (below
     * Integer.MAX_VALUE, so that a region's count plus its next block cannot overflow an int).
     */
    int jitBudget;
    private static final int JIT_BUDGET_MAX = Integer.MAX_VALUE - 1024;

    public Cpu(PhysicalBus bus, IoPorts io, CpuHost host) {
        this(bus, io, host, null);
    }

    /**
     * A reboot builds a new CPU, as a power cycle would, but not new caches: the CPU
     * of the machine before ({@code previous}, which must never run again) hands over its TLB,
     * its decoded-block cache with the blocks in it, and its page generations, emptied. They are
     * most of what a CPU weighs (the TLB alone is 4 MiB), and a guest rebooting in a loop would
     * otherwise churn the host heap with them (RebootHeapTest).
     *
     * @param previous the previous machine's CPU on the same RAM, or null for fresh caches
     */
    public Cpu(PhysicalBus bus, IoPorts io, CpuHost host, Cpu previous) {
        super(bus, io, host, previous != null && previous.ram == bus.ram() ? previous : null);
        if (previous != null && previous.ram == bus.ram()) {
            pageGen = previous.pageGen;
            cache = previous.cache;
            scratch = previous.scratch;
            java.util.Arrays.fill(pageGen, 0);
            for (Block b : cache) {
                if (b != null) {
                    b.forget();
                }
            }
        } else {
            pageGen = new int[ramSize >>> 12];
            cache = new Block[1 << CACHE_BITS];
            scratch = new Block();
        }
        ram.setWriteWatcher(this::codeWritten);
        reset();
    }

    // ---- self-modifying code ------------------------------------------------------------------

    // exercise:06 Count self-modifying code. Every time a write lands on a page holding decoded code,
    // the blocks decoded from it die here. Count those invalidations (and the pages they hit) and let the
    // monitor's `stats` print "code pages invalidated N"; then find out how often Linux does it while
    // booting, and why (module loading? alternatives patching? the static-key jumps?). Hint: add the
    // counter to Cpu.Statistics, next to pageWalks. Test: ExercisesTest.exercise06CodeInvalidations.
    private void codeWritten(int addr, int len) {
        int last = (addr + len - 1) >>> 12;
        for (int p = addr >>> 12; p <= last && p < pageGen.length; p++) {
            if (ram.watched[p] != 0) {
                ram.watched[p] = 0;
                pageGen[p]++;
                chainEpoch++;       // rare (83 times in a userland run): links need not check pages
                if (p == runningPage) {
                    abortBlock = true;
                    codeAborts++;
                }
            }
        }
    }

    /**
     * Invalidates all decoded and compiled code: every block decoded so far (and so every unit the
     * block compiler made from one) is dropped, and the next instruction is decoded afresh. For
     * whoever changes guest memory or CPU mode behind the CPU's back, without going through the bus
     * (a snapshot restore copying RAM in): the write watch sees only writes made through the bus.
     * Units still queued or running in the background compiler arrive for a block version that no
     * longer exists and are never run. CPU thread only, between {@link #run} slices.
     */
    public void invalidateCode() {
        for (int p = 0; p < pageGen.length; p++) {
            ram.watched[p] = 0;
            pageGen[p]++;
        }
        for (Block b : cache) {
            if (b != null) {
                b.version++;        // as a re-decode does: a late unit for the old contents never runs
                b.unit = null;      // compiled units unload with their hidden classes
                b.runs = 0;
            }
        }
        chainEpoch++;
        tlbFlush(true);     // pages that held code get their fast writes back
    }

    /** Blocks handed to the block compiler so far (tests). */
    long jitRequests() {
        return jit == null ? 0 : jit.requests;
    }

    /**
     * tour:jit:060 Between two blocks of a compiled region the unit asks here whether the run loop
     * would have gone on: {@code total} instructions (those done in the region so far plus the next
     * block's) must fit the budget, no stop may be requested and no interrupt pending. If not, the
     * unit leaves with EIP at the next block, and the loop does there what it does between any two
     * blocks. So an interrupt waits no longer than one block, as interpreted, and a run ends on
     * the instruction it would end on interpreted ({@code --deterministic} counts stay exact). The
     * loop's other checks cannot change inside compiled code (TF, the STI/MOV SS shadow, HLT: none
     * of those instructions is compiled), and the running page changes only through
     * {@link #enterCodePage}, which checks it as the chaining does.
     */
    final boolean regionMayGoOn(int total) {
        // 33 bytes of bytecode: C1 inlines it into every unit (35 at most; with intrLine a boolean
        // it was 39, and a call at every block boundary inside a region).
        return total <= jitBudget && !stopRequested && (intrLine & flags) == 0;
    }

    /**
     * A region's blocks lie between {@code low} and {@code end} (byte offsets from its entry EIP):
     * true when all of that is inside the CS limit, as the loop's lookup checks block by block;
     * otherwise the region declines and the loop interprets. (A flat CS always passes: a unit
     * asks only for another.)
     */
    final boolean regionWithinLimit(int low, int end) {
        long lo = (eip & 0xFFFFFFFFL) + low;
        long hi = (eip & 0xFFFFFFFFL) + end - 1;
        return lo >= 0 && hi <= (segLimit[CS] & 0xFFFFFFFFL);
    }

    /** Writes to the running code page so far (see {@link #callOut}). */
    private int codeAborts;
    private final Insn[] callOutInsn = new Insn[1];

    /**
     * An instruction a compiled unit hands to the interpreter (tour:jit:016), EIP at it: run as the
     * run loop would run it (registers in {@code r}, flags in the lazy-flag fields, a fault
     * thrown as from any instruction). True when it completed and the unit may go on: EIP is at
     * the next instruction and it did not write the running code page (a REP that paused to let
     * interrupts in has set EIP back to itself).
     */
    final boolean callOut(Insn i) {
        int next = eip + i.len;
        int aborts = codeAborts;
        if (i.h == 0 || i.h >= FastPath.H_ADC_RR) {
            // What runFast does for one instruction, without its loop: a unit calls this for
            // every x87 instruction of a loop, and runFast's frame made such loops 30% slower.
            curEip = eip;
            eip = next;
            if (i.h == 0) {
                exec(i);
            } else {
                execMore(i);
            }
            abortBlock = false;
        } else {
            callOutInsn[0] = i;
            runFast(callOutInsn, 0, 1, -1);
        }
        return eip == next && codeAborts == aborts;
    }

    /** How many blocks the compiled unit of the cached block at {@code phys} holds; 0: none (tests). */
    int compiledBlocks(int phys) {
        for (Block b : cache) {
            if (b != null && b.phys == phys && b.unit != null && b.unit.version == b.version) {
                return b.unit.blocks;
            }
        }
        return 0;
    }

    /** The linear address of EIP (for the region finder: the hot block's, as it is about to run). */
    final int codeLinear() {
        return segBase[CS] + eip;
    }

    /** The CPU's code pages as the region finder sees them (CPU thread only). */
    final RegionFinder.CodePages codePages = new RegionFinder.CodePages() {
        @Override
        public int physPage(int linearPage) {
            int e = tlb[linearPage];
            int p = e >>> 12;
            return (e & xmask) != 0 && p < pageGen.length && ram.watched[p] != 0 ? p : -1;
        }

        @Override
        public int gen(int physPage) {
            return physPage < pageGen.length ? pageGen[physPage] : -1;
        }

        @Override
        public boolean ran(int phys) {
            // Either way of the block cache (lookupCached), holding a 32-bit block of the page's generation.
            int page = phys >>> 12;
            if (page >= pageGen.length) {
                return false;
            }
            Block b = cache[(phys ^ (phys >>> CACHE_BITS)) & ((1 << CACHE_BITS) - 1)];
            Block c = cache[(phys * 0x9E3779B1) >>> (32 - CACHE_BITS)];
            return b != null && b.phys == phys && b.code32 && b.gen == pageGen[page]
                    || c != null && c.phys == phys && c.code32 && c.gen == pageGen[page];
        }
    };

    /**
     * tour:jit:046 A compiled region crossing into another of its pages (tour:jit:019): it may go
     * on at {@code eip} only if the TLB maps it, for fetches, to the physical page the code was
     * read from and that page was not written since (its generation); then that page is the
     * running one, whose writes end the unit at once (tour:jit:045). Otherwise the unit leaves
     * and the run loop looks the block up as usual.
     */
    final boolean enterCodePage(int eip, int page, int gen) {
        int e = tlb[(segBase[CS] + eip) >>> 12];
        if ((e & xmask) == 0 || e >>> 12 != page || pageGen[page] != gen) {
            return false;
        }
        runningPage = page;
        return true;
    }

    /** How many blocks each installed hot unit (of its block's current decode) holds (tests). */
    java.util.List<Integer> hotRegionSizes() {
        return installedUnits().stream().filter(u -> u.hot).map(u -> u.blocks).toList();
    }

    /** The compiled units of their blocks' current decode installed now (tests). */
    java.util.List<CompiledUnit> installedUnits() {
        java.util.List<CompiledUnit> units = new java.util.ArrayList<>();
        for (Block b : cache) {
            if (b != null && b.unit != null && b.unit.version == b.version) {
                units.add(b.unit);
            }
        }
        return units;
    }

    /** True when some cached block has a compiled unit of its current decode installed (tests). */
    boolean hasCompiledCode() {
        return !installedUnits().isEmpty();
    }

    // ---- the block cache ----------------------------------------------------------------------

    private int fetch8(int lin) {
        if (!fetchMayCross && ((lin ^ fetchBase) & ~0xFFF) != 0) {
            throw fault(VEC_CROSS, 0);
        }
        if (fetchLimited && Integer.compareUnsigned(lin - segBase[CS], segLimit[CS]) > 0) {
            throw fault(GP, 0);
        }
        return code8(lin);
    }

    /**
     * tour:cpu:065 Every byte of an instruction must lie within the CS limit, or it raises #GP(0)
     * before it runs. Blocks are cached by physical address and shared by any CS, so the check is
     * made when a block is looked up: a block whose last byte lies beyond the limit (rare: flat
     * segments have a 4 GiB limit) is decoded again, uncached, with a fetch that checks every byte,
     * so that it ends in a #GP(0) at the first instruction that crosses the limit.
     */
    /** For the monitor's {@code stats}: how blocks were found, and how often the TLB missed. */
    public record Statistics(long instructions, long blocksChained, long blockLookups, long blockDecodes,
                             long pageWalks) {
    }

    // Counted where they happen: a chained block, a cache probe, a decode. Plain longs, one add each.
    private long blocksChained;
    private long blockLookups;
    private long blockDecodes;

    /** This CPU's side of the block compiler, or null (for the statistics at exit). */
    JitPort jit() {
        return jit;
    }

    public Statistics statistics() {
        return new Statistics(instructions(), blocksChained, blockLookups, blockDecodes, pageWalks);
    }

    private Block lookup() {
        int limit = segLimit[CS];
        if (Integer.compareUnsigned(eip, limit) > 0) {
            throw fault(GP, 0);
        }
        Block b = lookupCached();
        // The last byte the block uses; for a fetch fault on its first instruction, the last
        // byte that instruction could use (a #PF beyond the limit must become a #GP).
        int last = b.span > 0 ? b.span - 1 : 14;
        if (Integer.compareUnsigned(last, limit - eip) > 0) {
            fetchLimited = true;
            try {
                build(scratch, segBase[CS] + eip, -1, false);
            } finally {
                fetchLimited = false;
            }
            return scratch;
        }
        return b;
    }

    private Block lookupCached() {
        blockLookups++;
        int lin = segBase[CS] + eip;
        int e = tlb[lin >>> 12];
        int phys = (e & xmask) != 0 ? (e & ~0xFFF) | (lin & 0xFFF) : fetchWalk(lin);
        if (!isRam(phys, 1)) {
            build(scratch, lin, phys, false);
            return scratch;
        }
        tlb[lin >>> 12] |= T_CODE;      // chain links may rely on this entry from now on
        int page = phys >>> 12;
        int h = (phys ^ (phys >>> CACHE_BITS)) & ((1 << CACHE_BITS) - 1);
        Block b = cache[h];
        if (b != null && b.phys == phys && b.code32 == code32 && b.gen == pageGen[page]) {
            return b;
        }
        int h2 = (phys * 0x9E3779B1) >>> (32 - CACHE_BITS);
        Block c = cache[h2];
        if (c != null && c.phys == phys && c.code32 == code32 && c.gen == pageGen[page]) {
            return c;
        }
        // A miss: decode into one of the ways. An address decoded before (its page was written
        // since) is decoded again in place; otherwise an empty slot, else a block without a
        // compiled unit, else the first way.
        if (c != null && c.phys == phys
                || b != null && b.phys != phys && (c == null || hasUnit(b) && !hasUnit(c))) {
            h = h2;
            b = c;
        }
        if (b == null) {
            b = new Block();
            cache[h] = b;
        }
        if (ram.watched[page] == 0) {
            ram.watched[page] = 1;
            tlbProtectFrame(page);
        }
        blockDecodes++;
        build(b, lin, phys, true);
        b.gen = pageGen[page];
        return b;
    }

    private static boolean hasUnit(Block b) {
        return b.unit != null && b.unit.version == b.version;
    }

    /** A fetch that missed the TLB: -1 (never RAM, so never cached) for a frame above 4 GiB. */
    private int fetchWalk(int lin) {
        long pa = walkPhys(lin, ACCESS_FETCH, xmask == T_UX);
        return (pa >>> 32) == 0 ? (int) pa : -1;
    }

    /**
     * tour:cpu:070 Block chaining: a block remembers the blocks that ran after it (two of them, for
     * the two ways out of a conditional branch). If EIP matches, nothing about code mappings or
     * code pages changed since ({@code chainEpoch}: TLB flushes, an INVLPG of a page code was found
     * through, a write to a page that holds decoded code), the code context is the one the link
     * was made in (tour:cpu:072) and the successor is still the decode it was (its version: a
     * cache slot is decoded again for another address, or for the other code size), the next
     * block is found without a TLB lookup or a hash probe, and without looking at its page.
     */
    private Block next(Block prev) {
        if (prev != null) {
            int ep = chainEpoch;
            int ctx = codeCtx;
            if (prev.eip0 == eip && prev.e0 == ep && prev.c0 == ctx) {
                Block s = prev.s0;
                if (s.version == prev.v0) {
                    blocksChained++;
                    return s;
                }
            } else if (prev.eip1 == eip && prev.e1 == ep && prev.c1 == ctx) {
                Block s = prev.s1;
                if (s.version == prev.v1) {
                    blocksChained++;
                    return s;
                }
            }
        }
        Block b = jumpCached();
        if (b == null) {
            b = lookup();
            if (b.phys != -1) {
                jumpRemember(b);
            }
        }
        if (prev != null && b.phys != -1) {
            if (prev.e0 != chainEpoch || prev.c0 != codeCtx || prev.eip0 == eip) {
                prev.s0 = b;
                prev.eip0 = eip;
                prev.v0 = b.version;
                prev.e0 = chainEpoch;
                prev.c0 = codeCtx;
            } else {
                prev.s1 = b;
                prev.eip1 = eip;
                prev.v1 = b.version;
                prev.e1 = chainEpoch;
                prev.c1 = codeCtx;
            }
        }
        return b;
    }

    /**
     * tour:cpu:071 The jump cache, for the successors two links cannot hold: a RET goes back to
     * wherever its function was called from, and a compiled region leaves by any of its exits (the
     * loop links from the region's entry block). As QEMU's tb_jmp_cache: 4,096 slots by EIP, each
     * valid in the epoch and code context it was filled in, for a block whose page was not
     * written since. On the userland benchmark 21 M of 25 M block lookups were such successors,
     * both links of the block before holding others.
     */
    private static final int JUMP_BITS = 12;
    private final Block[] jumpBlock = new Block[1 << JUMP_BITS];
    /** Per slot: EIP, epoch, code context, the block's version. */
    private final int[] jumpKey = new int[4 << JUMP_BITS];

    private static int jumpSlot(int eip) {
        return (eip ^ (eip >>> JUMP_BITS)) & ((1 << JUMP_BITS) - 1);
    }

    private Block jumpCached() {
        int j = jumpSlot(eip);
        Block s = jumpBlock[j];
        int k = 4 * j;
        if (s != null && jumpKey[k] == eip && jumpKey[k + 1] == chainEpoch && jumpKey[k + 2] == codeCtx
                && s.version == jumpKey[k + 3]) {
            blocksChained++;
            return s;
        }
        return null;
    }

    /** The block just looked up at EIP goes into its jump cache slot. */
    private void jumpRemember(Block b) {
        int j = jumpSlot(eip);
        jumpBlock[j] = b;
        jumpKey[4 * j] = eip;
        jumpKey[4 * j + 1] = chainEpoch;
        jumpKey[4 * j + 2] = codeCtx;
        jumpKey[4 * j + 3] = b.version;
    }

    /** False only in tests that compare the fast path with the general executor (FastPathEquivalenceTest). */
    boolean fastPath = true;

    private void specialize(Insn d) {
        if (fastPath) {
            FastPath.specialize(d);
        } else {
            d.h = 0;
        }
    }

    private void build(Block b, int lin, int phys, boolean cacheable) {
        fetching = true;
        try {
            decodeBlock(b, lin, phys, cacheable);
        } finally {
            fetching = false;
        }
    }

    private void decodeBlock(Block b, int lin, int phys, boolean cacheable) {
        b.version++;        // a compiled unit of the old contents never runs again
        b.runs = 0;
        b.e0 = b.e1 = chainEpoch - 1;
        b.s0 = b.s1 = null;
        b.phys = cacheable ? phys : -1;
        b.code32 = code32;
        b.count = 0;
        b.span = 0;
        fetchBase = lin;
        int off = 0;
        for (int k = 0; k < MAX_BLOCK; k++) {
            Insn d = b.insns[k];
            if (d == null) {
                d = b.insns[k] = new Insn();
            }
            int at = lin + off;
            fetchMayCross = k == 0;
            try {
                Decoder.decode(fetcher, at, code32, d);
            } catch (GuestFault f) {
                if (k > 0 || f.vector == VEC_CROSS) {
                    break;
                }
                d.op = Insn.OP_FAULT;     // a fetch fault on the first instruction: raise it now
                d.imm = f.vector;
                d.imm2 = f.errorCode;
                d.len = 0;
                d.attrs = Opcode.ENDS_BLOCK;
                d.h = 0;
                b.count = 1;
                b.phys = -1;
                return;
            }
            if ((at & 0xFFF) + d.len > 0x1000) {
                if (k == 0) {
                    specialize(d);
                    b.count = 1;
                    b.span = d.len;
                    b.phys = -1;     // spans two pages: never cached
                }
                return;
            }
            specialize(d);
            off += d.len;
            b.count++;
            b.span = off;
            boolean conditional = d.op >= 0x70 && d.op <= 0x7F || d.op >= 0x180 && d.op <= 0x18F
                    || d.op >= 0xE0 && d.op <= 0xE3;
            if ((d.attrs & Opcode.ENDS_BLOCK) != 0 && !conditional || d.op >= Insn.OP_UD
                    || ((at + d.len) & 0xFFF) == 0) {
                return;
            }
        }
    }

    // ---- the run loop -------------------------------------------------------------------------

    /**
     * tour:cpu:060 Between blocks the loop checks for a stop request and for an interrupt (when
     * IF=1, the INTR line is up and no STI/MOV SS shadow is active); inside a block it only runs
     * instructions. A guest exception unwinds to here as a GuestFault and is delivered.
     */
    /**
     * Installs the block compiler for CPUs made from now on (jlguest.cpu.jit's
     * {@code CompilerService.BACKEND}; the machine does this). Whether it is used is the
     * {@code jlguest.jit} property's say: on (the default), off, all.
     */
    public static void useBlockCompiler(BlockCompilerBackend compiler) {
        JitPort.install(compiler);
    }

    public Stop run(long maxInstructions) {
        try {
            return loop(maxInstructions);
        } catch (RuntimeException | StackOverflowError bug) {
            // A bug of ours (or a device's, called from IN/OUT or MMIO) must not take the machine
            // down with a Java exception: stop with a message instead.
            pendingStop = null;
            abortBlock = false;
            stopMessage = String.format("internal error at EIP %08x: %s", curEip, bug);
            eip = curEip;
            return Stop.UNIMPLEMENTED;
        }
    }

    private Stop loop(long maxInstructions) {
        long budget = maxInstructions;
        Block prev = null;
        while (budget > 0) {
            if (stopRequested) {
                stopRequested = false;
                return Stop.REQUESTED;
            }
            try {
                if (inhibitInterrupts) {
                    inhibitInterrupts = false;
                } else if ((intrLine & flags) != 0) {     // INTR up and IF set
                    halted = false;
                    externalInterrupt(host.acknowledgeInterrupt());
                }
                if (halted) {
                    return (flags & IF) != 0 ? Stop.HALT : Stop.HALT_FOREVER;
                }
            } catch (GuestFault f) {
                return stopFrom(f);
            }
            ipMask = code32 ? -1 : 0xFFFF;
            Block b;
            int k = 0;
            boolean trap = (flags & TF) != 0;
            try {
                curEip = eip;     // a fetch fault in lookup() belongs to the next instruction
                b = next(prev);
                prev = b.phys != -1 ? b : null;
                runningPage = b.phys != -1 ? b.phys >>> 12 : -1;   // for self-modifying code
                int n = b.count;
                if (n > budget) {
                    n = (int) budget;
                }
                if (trap) {
                    n = 1;
                }
                Insn[] insns = b.insns;
                if (jit != null && n == b.count && !trap && b.phys != -1 && watch == null) {
                    // tour:jit:001 The block compiler's hook: a whole cached block may run as
                    // compiled code (JitPort.run), entirely or a prefix the loop below finishes,
                    // or as the entry of a region, a unit that goes on into the blocks it reaches
                    // on its page while the budget lasts and nothing is pending (tour:jit:060).
                    // Not while the debugger has data watchpoints set: units test for a stop
                    // only after memory writes (tour:jit:045), and a watched read must stop too.
                    jitBudget = budget > JIT_BUDGET_MAX ? JIT_BUDGET_MAX : (int) budget;
                    k = jit.run(this, b);
                    if (k < 0) {            // the unit left the block (a taken branch, an abort)
                        k = ~k;
                        n = k;
                    }
                }
                int from = k;
                if (k < n) {     // the interpreter runs the rest (tour:cpu:660)
                    try {
                        k = runFast(insns, k, n, ipMask);
                    } catch (GuestFault f) {
                        k = faultIndex;
                        throw f;
                    }
                }
                if (JitPort.STATS && jit != null && k > from) {
                    jit.countInterpreted(this, b, from, k - from, n == b.count && !trap);
                }
            } catch (GuestFault f) {
                k += jitRetired;    // a fault in compiled code: the instructions it completed before
                jitRetired = 0;
                retired += k;
                budget -= k;
                abortBlock = false;
                eip = curEip;
                if (f.vector == VEC_STOP) {
                    return stopFrom(f);
                }
                if (f.vector == VEC_CROSS) {
                    continue;
                }
                budget--;   // an exception storm retires nothing but must still end run()
                try {
                    raise(f.vector, f.errorCode);
                } catch (GuestFault g) {
                    return stopFrom(g);
                }
                continue;
            }
            k += jitRetired;    // a region that ended in its entry's prefix: what it ran before, elsewhere
            jitRetired = 0;
            retired += k - uncounted;
            budget -= k;
            uncounted = 0;
            if (trap && k > 0 && !halted && !loadedSs(b.insns[k - 1])) {
                dr[6] |= 0x4000;     // DR6.BS: single step
                try {
                    raise(DB, -1);
                } catch (GuestFault g) {
                    return stopFrom(g);
                }
            }
        }
        return Stop.BUDGET;
    }

    /**
     * tour:cpu:075 MOV SS and POP SS hold off interrupts and debug traps until the next instruction
     * has run, so that a following MOV ESP (or a single-stepping debugger) never sees a stack
     * segment without its pointer. With TF set the trap after MOV SS is skipped; the next instruction
     * runs and traps as usual. STI's shadow holds off interrupts only: its own single-step trap is
     * taken. (The interrupt shadows themselves come free with blocks: STI, MOV SS and POP SS end
     * their block, and the loop skips one interrupt check after them.)
     */
    private static boolean loadedSs(Insn i) {
        return i.op == 0x17 || i.op == 0x8E && i.reg == SS;
    }

    private Stop stopFrom(GuestFault f) {
        Stop s = pendingStop != null ? pendingStop : Stop.UNIMPLEMENTED;
        pendingStop = null;
        return s;
    }

    // ---- machine-facing API -------------------------------------------------------------------

    /** Power-on state: real mode, CS=F000 with base FFFF0000, EIP=FFF0, EDX=CPU signature. */
    public void reset() {
        java.util.Arrays.fill(r, 0);
        r[EDX] = SystemOps.CPUID_SIGNATURE;
        flags = 2;
        lfOp = LF_NONE;
        cr0 = 0x60000010;
        cr2 = cr3 = cr4 = 0;
        protectedMode = false;
        paging = false;
        pae = false;
        nxe = false;
        efer = 0;
        setPdptes(new long[4]);
        java.util.Arrays.fill(dr, 0);
        dr[6] = 0xFFFF0FF0;
        dr[7] = 0x400;
        gdtBase = idtBase = 0;
        gdtLimit = idtLimit = 0xFFFF;
        ldtSel = ldtBase = 0;
        ldtLimit = 0xFFFF;
        trSel = trBase = 0;
        trLimit = 0xFFFF;
        trAttr = 0x8B;
        setCpl(0);
        for (int s = 0; s < 6; s++) {
            setSeg(s, 0, 0, 0xFFFF, 0x93);
        }
        setSeg(CS, 0xF000, 0xFFFF0000, 0xFFFF, 0x9B);
        eip = 0xFFF0;
        sysenterCs = sysenterEsp = sysenterEip = 0;
        tscOffset = 0;
        fpu.reset();
        simd.reset();
        halted = false;
        inhibitInterrupts = false;
        tripleFault = false;
        tripleFaultVector = -1;
        reachedUserMode = false;
        pendingStop = null;
        tlbFlush(true);
    }

    /** Enters 32-bit protected mode as a loader wants it: flat ring-0 segments, paging off, IF=0. */
    public void enter(EntryState s) {
        reset();
        cr0 = 0x60000011;
        protectedMode = true;
        paging = false;
        setSeg(CS, s.cs(), 0, -1, 0xC09B);
        for (int seg : new int[] {ES, SS, DS, FS, GS}) {
            setSeg(seg, s.ds(), 0, -1, 0xC093);
        }
        r[EAX] = s.eax();
        r[EBX] = s.ebx();
        r[ECX] = s.ecx();
        r[EDX] = s.edx();
        r[ESI] = s.esi();
        r[EDI] = s.edi();
        r[EBP] = s.ebp();
        r[ESP] = s.esp();
        eip = s.eip();
        flags = 2;
        tlbFlush(true);
    }

    /**
     * What began the last triple fault: the first exception of the chain (vector, error code or -1,
     * EIP of the faulting instruction), or null when there was none since reset.
     */
    public int[] tripleFaultCause() {
        return tripleFaultVector < 0 ? null : new int[] {tripleFaultVector, tripleFaultError, tripleFaultEip};
    }

    /** True once the guest has run at CPL 3 since reset (a kernel that got that far made progress). */
    public boolean reachedUserMode() {
        return reachedUserMode;
    }

    /** Retired instructions since construction (monotonic). */
    public long instructions() {
        return retired;
    }

    /**
     * After {@link CpuSnapshot} wrote the registers: the retired count goes on from the saved one,
     * and every decoded block and compiled unit is dropped (RAM under them has been replaced).
     */
    void restored(long instructions) {
        retired = instructions;
        invalidateCode();   // units and chains of the machine that was: RAM came in behind the write watch
        java.util.Arrays.fill(cache, null);
        runningPage = -1;
        abortBlock = false;
        uncounted = 0;
        pendingStop = null;
    }

    /** Thread-safe: run() returns {@link Stop#REQUESTED} at the next block boundary. */
    public void requestStop() {
        stopRequested = true;
    }

    @Override
    final void watchStop() {
        abortBlock = true;
        stopRequested = true;
    }

    /**
     * Sets the debugger's data watchpoints (null: none) and drops every TLB entry, so that pages
     * are filled again under the new watch. CPU thread only (the debugger calls it between slices).
     */
    public void setDataWatch(DataWatch w) {
        watch = w;
        tlbFlush(true);
    }

    /** The PIC's INTR output (CPU thread only). */
    public void setIntrLine(boolean raised) {
        intrLine = raised ? IF : 0;
    }

    public String stopMessage() {
        return stopMessage;
    }

    public int reg(int n) {
        return r[n];
    }

    /** The XMM registers and MXCSR (for the debugger, the gdb stub and tests). */
    public jlguest.cpu.simd.Simd simd() {
        return simd;
    }

    /** The x87 (and, aliased on it, the MMX registers). */
    public jlguest.cpu.fpu.Fpu fpu() {
        return fpu;
    }

    public void setReg(int n, int v) {
        r[n] = v;
    }

    public int eip() {
        return eip;
    }

    /** Sets EIP; also ends a HLT (a debugger moving EIP means "go on from here"). */
    public void setEip(int v) {
        eip = v;
        halted = false;
    }

    public int eflags() {
        return getFlags();
    }

    public void setEflags(int v) {
        lfOp = LF_NONE;
        flags = (v & OpcodeTable.ALL) | 2;
    }

    public int cr(int n) {
        return n == 0 ? cr0 : n == 2 ? cr2 : n == 3 ? cr3 : n == 4 ? cr4 : 0;
    }

    public void setCr(int n, int v) {
        try {
            writeCr(n, v);
        } catch (GuestFault f) {
            throw new IllegalArgumentException(describe(f));
        }
    }

    public int cpl() {
        return cpl;
    }

    public int segSelector(int seg) {
        return segSel[seg];
    }

    public int segBase(int seg) {
        return segBase[seg];
    }

    public int segLimit(int seg) {
        return segLimit[seg];
    }

    /**
     * Loads a segment register as MOV Sreg would in the current mode. Two liberties for a harness
     * that sets up state from outside: CS may be loaded (a code segment; CPL becomes its RPL), and
     * an SS load is checked against the selector's RPL instead of the CPL, so the order of loads
     * does not matter. Descriptors are read from the GDT/LDT at their linear addresses, through
     * paging when it is on (as the CPU does): load segments before enabling paging, or map the
     * tables. Throws IllegalArgumentException ("#GP(0x28)", "#PF(0x0)") where the CPU would fault.
     */
    public void loadSegment(int seg, int selector) {
        try {
            if (!protectedMode) {
                loadSegReal(seg, selector);
            } else if (seg == CS) {
                long d = readDesc(selector, GP);
                int attr = descAttr(d);
                if (!attrCode(attr) || !attrPresent(attr)) {
                    throw fault(GP, selector & 0xFFFC);
                }
                setCs(selector, d, selector & 3);
            } else if (seg == SS) {
                int saved = cpl;
                cpl = selector & 3;
                try {
                    loadSeg(SS, selector);
                } finally {
                    cpl = saved;
                }
            } else {
                loadSeg(seg, selector);
            }
        } catch (GuestFault f) {
            throw new IllegalArgumentException(describe(f));
        }
    }

    public void setGdtr(int base, int limit) {
        gdtBase = base;
        gdtLimit = limit & 0xFFFF;
    }

    public void setIdtr(int base, int limit) {
        idtBase = base;
        idtLimit = limit & 0xFFFF;
    }

    /** For the monitor: {GDTR base, limit, IDTR base, limit, LDTR selector, base, limit, TR selector, base, limit}. */
    public int[] descriptorTables() {
        return new int[] {gdtBase, gdtLimit, idtBase, idtLimit, ldtSel, ldtBase, ldtLimit, trSel, trBase, trLimit};
    }

    /** Page walk without side effects: the physical address, or -1 when not mapped/allowed. */
    public int translate(int linear, boolean write, boolean user) {
        return probe(linear, write, user);
    }

    private static final String[] NAMES = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF",
        "9", "#TS", "#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC"};

    static String describe(GuestFault f) {
        String n = f.vector < NAMES.length ? NAMES[f.vector] : "vector " + f.vector;
        return f.errorCode >= 0 ? String.format("%s(0x%x)", n, f.errorCode) : n;
    }
}
