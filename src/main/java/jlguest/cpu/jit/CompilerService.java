package jlguest.cpu.jit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

import jlguest.cpu.BlockCompilerBackend;
import jlguest.cpu.BlockCompilerBackend.Request;
import jlguest.cpu.CompiledUnit;

/**
 * Where hot blocks are compiled: one background thread for the whole JVM, fed through a bounded
 * queue, so the guest never waits for the compiler (a full queue drops the request; the block
 * asks again later). Also the bound on compiled code.
 *
 * <p>tour:jit:050 The guest keeps interpreting while its hot blocks compile. The CPU thread copies
 * a hot block's instructions into a request and goes on; this thread turns the request into a
 * class, defines it as a hidden class (not STRONG: it is unloaded once nothing refers to it) and
 * hands the unit to the request, which sets it on the block. The block carries a version number
 * that every re-decode bumps, and a unit runs only while its version matches, so a unit that
 * arrives late for a block that was meanwhile rebuilt (its page written, its cache slot reused) is
 * simply never run. At most {@link #MAX_UNITS} units are installed at once; when that is reached
 * all of them are dropped together (QEMU flushes its translation cache the same way) and hot code
 * compiles afresh.
 */
public final class CompilerService {
    /** The compiler as a backend the CPU can be given ({@link jlguest.cpu.Cpu#useBlockCompiler}). */
    public static final BlockCompilerBackend BACKEND = new BlockCompilerBackend() {
        @Override
        public boolean submit(Request r) {
            return CompilerService.submit(r);
        }

        @Override
        public void compileNow(Request r) {
            CompilerService.compileNow(r);
        }

        @Override
        public void counted(int n, boolean prefix) {
            CompilerService.counted(n, prefix);
        }

        @Override
        public String statistics() {
            return CompilerService.statistics();
        }
    };

    /** Units installed at once, at most. */
    public static final int MAX_UNITS = 8192;
    /** Requests waiting, at most: this many in the queue, and as many again taken from it to choose from. */
    private static final int QUEUE = 512;

    private static final BlockingQueue<Request> QUEUED = new ArrayBlockingQueue<>(QUEUE);
    private static final ArrayDeque<Request> INSTALLED = new ArrayDeque<>();
    private static Thread thread;

    static final AtomicLong COMPILED = new AtomicLong();
    static final AtomicLong DROPPED = new AtomicLong();
    /** Requests whose block was decoded again before their turn: not compiled. */
    static final AtomicLong STALE = new AtomicLong();
    static final AtomicLong FLUSHES = new AtomicLong();
    static final AtomicLong HOT = new AtomicLong();
    static final AtomicLong REGIONS = new AtomicLong();
    static final AtomicLong REGION_BLOCKS = new AtomicLong();
    /** Instructions units hand to the interpreter in place (tour:jit:016), counted once per unit. */
    static final AtomicLong CALL_OUTS = new AtomicLong();
    /** Units compiled by HotSpot at tier 1 through WhiteBox before they were installed (tour:jit:056). */
    static final AtomicLong TIER1 = new AtomicLong();

    private CompilerService() {
    }

    /** Queues a hot block for the background thread; false when the queue is full. */
    public static boolean submit(Request r) {
        startThread();
        if (QUEUED.offer(r)) {
            return true;
        }
        DROPPED.incrementAndGet();
        return false;
    }

    /**
     * Compiles now, on the caller's thread, and installs (the test mode that compiles every block at
     * its first run). Such units are not counted against the bound: they live as long as their block.
     */
    public static void compileNow(Request r) {
        CompiledUnit u;
        try {
            u = compile(r);
        } catch (LinkageError e) {
            throw new IllegalStateException("block compiler: " + e, e);
        }
        if (u != null) {
            r.install(u);
        }
    }

    private static CompiledUnit compile(Request r) {
        JvmTiers.install();
        UnitClass.Unit c = RegionPlan.compile(r.region(), r.hot());
        if (c == null) {
            return null;
        }
        COMPILED.incrementAndGet();
        CALL_OUTS.addAndGet(c.callOuts().length);
        if (r.hot()) {
            HOT.incrementAndGet();
        }
        if (c.blocks() > 1) {
            REGIONS.incrementAndGet();
            REGION_BLOCKS.addAndGet(c.blocks());
        }
        return r.define(c.bytes(), r.version(), c.length(), c.blocks(), c.callOuts());
    }

    private static long unitRuns, unitInstructions, prefixRuns;

    /** With -Djlguest.jit.stats=true: one unit run of {@code n} instructions (a prefix: the loop went on). */
    public static void counted(int n, boolean prefix) {
        unitRuns++;
        unitInstructions += n;
        if (prefix) {
            prefixRuns++;
        }
    }

    /** Units of more than one block compiled so far (all CPUs in this JVM). */
    public static long compiledRegions() {
        return REGIONS.get();
    }

    /** Units compiled again as hot ones, for C2, so far (all CPUs in this JVM). */
    public static long compiledHot() {
        return HOT.get();
    }

    /** Units compiled so far (all CPUs in this JVM). */
    public static long compiledUnits() {
        return COMPILED.get();
    }

    /**
     * Units compiled, requests dropped because the queue was full or because their block changed
     * before their turn, and code-cache flushes so far.
     */
    public static String statistics() {
        return String.format("jit: %,d units compiled (%,d regions of %,d blocks; %,d compiled again as hot; %,d of the"
                + " others at HotSpot's tier 1 before they ran; %,d call-outs), %,d requests dropped, %,d stale when their"
                + " turn came, %,d flushes; %,d unit runs (%,d of them a prefix), %,d instructions in compiled code",
                COMPILED.get(), REGIONS.get(), REGION_BLOCKS.get(), HOT.get(), TIER1.get(), CALL_OUTS.get(),
                DROPPED.get(), STALE.get(), FLUSHES.get(), unitRuns, prefixRuns, unitInstructions);
    }

    private static synchronized void startThread() {
        if (thread != null) {
            return;
        }
        thread = new Thread(CompilerService::work, "jlguest-jit");
        thread.setDaemon(true);
        thread.start();
    }

    private static void work() {
        List<Request> pending = new ArrayList<>();
        for (;;) {
            try {
                if (pending.isEmpty()) {
                    pending.add(QUEUED.take());
                }
            } catch (InterruptedException e) {
                return;
            }
            QUEUED.drainTo(pending, QUEUE - pending.size());
            Request r = pending.remove(mostWaited(pending));
            if (r.stale()) {
                STALE.incrementAndGet();
                continue;
            }
            try {
                CompiledUnit u = compile(r);
                if (u == null) {
                    continue;
                }
                if (!r.hot() && WhiteBoxTier.compile(u)) {
                    TIER1.incrementAndGet();    // C1's code is there before the unit is (tour:jit:056)
                }
                install(r, u);
            } catch (RuntimeException | LinkageError e) {
                // A compiler bug must not take the guest down: the block stays interpreted.
                System.err.println("jlguest: block compiler: " + e);
            }
        }
    }

    /**
     * tour:jit:052 Which request next. The queue used to be first come, first served; but blocks
     * reach the threshold in bursts (a new phase of the guest's program: dozens at once), each
     * compile takes a millisecond or two, and meanwhile every queued block runs in the
     * interpreter. A block that keeps running while it waits is the one whose wait costs most,
     * and the count it keeps (the interpreter counts on until its unit is there) tells: the
     * compiler takes the request whose block has run the most instructions since it asked, and
     * among equals (a block that went quiet, a hot unit's second compile, which runs compiled
     * already) the oldest. On the userland benchmark's first run the instructions interpreted
     * while waiting fell from 116 M to 64 M. {@code -Djlguest.jit.priority=false}: first come,
     * first served, for measurements.
     */
    static int mostWaited(List<Request> pending) {
        int best = 0;
        long most = -1;
        for (int n = 0; n < pending.size() && PRIORITY; n++) {
            long w = pending.get(n).waste();
            if (w > most) {
                most = w;
                best = n;
            }
        }
        return best;
    }

    static final boolean PRIORITY = !"false".equals(System.getProperty("jlguest.jit.priority"));

    /** Sets a unit on its block, within the bound on installed units (tour:jit:050). */
    private static void install(Request r, CompiledUnit u) {
        if (INSTALLED.size() >= MAX_UNITS) {
            FLUSHES.incrementAndGet();
            for (Request old : INSTALLED) {
                old.uninstall();
            }
            INSTALLED.clear();
        }
        INSTALLED.add(r);
        r.install(u);
    }
}
