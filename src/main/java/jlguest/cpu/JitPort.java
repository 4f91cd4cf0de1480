package jlguest.cpu;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The CPU's side of the block compiler (jlguest.cpu.jit): which mode it runs in, the copy of a hot
 * block's instructions it hands over, and the one door through which compiled classes enter this
 * package (they use the CPU's package-private state and methods, as the interpreter does).
 *
 * <p>Modes, from the system property {@code jlguest.jit} when a CPU is made: {@code on} (the
 * default, and the launcher's {@code --compiler}: once the CPU has retired {@code
 * jlguest.jit.warmup} instructions, blocks that ran {@code jlguest.jit.threshold} times compile in
 * the background), {@code off} ({@code --no-compiler}: every block interpreted) and {@code all} (a
 * test mode:
 * every block compiles at its first run, synchronously, so the differential suites run through
 * compiled code).
 */
final class JitPort {
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static final MethodType CTOR = MethodType.methodType(void.class, int.class, int.class, int.class);

    /** Runs before a block is compiled (1 in the compile-everything mode). */
    final int threshold;
    /**
     * Instructions the CPU retires before it compiles anything (0 in the compile-everything mode).
     * A boot's code is mostly cold, and the first compilations are dear (ASM and the hidden-class
     * machinery load and run cold, C2 then compiles every unit again, all on the cores the guest
     * runs on), so a short run gains nothing from them: measured, the bundled boot (94 M
     * instructions) cost 10-20% more CPU time with the compiler at threshold 20,000 and no warm-up.
     */
    final long warmup;
    private final boolean synchronous;

    /**
     * Instructions a unit runs before it is compiled again as a hot one (tour:jit:055), which
     * HotSpot's C2 may take; before that HotSpot compiles it with C1 only. (Instructions, not
     * entries: a region that loops inside itself is entered once per run of the loop.)
     */
    final int promoteAt;

    private JitPort(int threshold, long warmup, boolean synchronous) {
        this.threshold = threshold;
        this.warmup = warmup;
        this.synchronous = synchronous;
        this.promoteAt = Math.max(1, Integer.getInteger("jlguest.jit.hot", DEFAULT_PROMOTE));
    }

    static final int DEFAULT_PROMOTE = 30_000_000;

    /**
     * Runs of a block before it is compiled. 20,000 until 2026-12-03, when a first-tier unit cost
     * C1 2.2 ms; with registers in the CPU's array (tour:jit:024) it costs 1.4 ms, and with that
     * and the compile queue by cost (tour:jit:052) the userland benchmark's first runs were 3-4%
     * faster at 10,000 than at 20,000, and as fast at 5,000, which compiles more of the code a
     * longer run meets; 2,000 was slower (the compiler thread and C1 filled the second core).
     * docs/performance.md, 2026-12-03 night.
     */
    static final int DEFAULT_THRESHOLD = 5_000;

    /** The default warm-up: more than the bundled boot's 94 M (167 M with its own decompressor). */
    static final long DEFAULT_WARMUP = 250_000_000L;

    /**
     * On by default. It was off while UserNetEndToEndTest failed 3 times in 5 under load with the
     * compiler on (0 in 4 off); that test's own race was fixed since, and on 2026-12-02 every guest
     * test (machine, launch, snapshot, gdb, monitor, usernet) passed with the compiler on, a warm-up
     * of 0 and a threshold of 200 (so compiled code ran all through every boot), the network ones 4
     * times at load 7-9 (docs/performance.md). {@code --no-compiler} keeps the interpreter alone.
     */
    static final String DEFAULT_MODE = "on";
    static final boolean STATS = Boolean.getBoolean("jlguest.jit.stats");

    /** The installed compiler (see {@link Cpu#useBlockCompiler}), or null: every block interpreted. */
    static volatile BlockCompilerBackend backend;
    /** With -Djlguest.jit.stats=true: the CPU whose counts the exit line adds (the last that compiled). */
    private static volatile Cpu statsCpu;
    private static final java.util.concurrent.atomic.AtomicBoolean STATS_HOOKED = new java.util.concurrent.atomic.AtomicBoolean();

    static void install(BlockCompilerBackend b) {
        backend = b;
        if (STATS && b != null && STATS_HOOKED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.err.println(backend.statistics());
                StringBuilder stops = new StringBuilder("jit: units stopped short of (instruction x times):");
                STOPS.entrySet().stream().sorted((a, c) -> Long.compare(c.getValue(), a.getValue())).limit(16)
                        .forEach(e -> stops.append(String.format(" %s x %,d;", e.getKey(), e.getValue())));
                System.err.println(stops);
                Cpu cpu = statsCpu;
                if (cpu != null) {
                    Cpu.Statistics st = cpu.statistics();
                    System.err.printf("cpu: %,d instructions, %,d blocks chained, %,d looked up, %,d decoded, %,d page walks%n",
                            st.instructions(), st.blocksChained(), st.blockLookups(), st.blockDecodes(), st.pageWalks());
                    System.err.println(cpu.jit().interpretedReport());
                }
            }));
        }
    }

    /** The port for a new CPU, or null when the compiler is off ({@code -Djlguest.jit.stats=true}: counts at exit). */
    static JitPort fromProperties() {
        String mode = System.getProperty("jlguest.jit", DEFAULT_MODE);
        if (backend == null) {
            return null;    // no compiler installed: interpret
        }
        return switch (mode) {
            case "off" -> null;
            case "all" -> new JitPort(1, 0, true);
            default -> new JitPort(Math.max(1, Integer.getInteger("jlguest.jit.threshold", DEFAULT_THRESHOLD)),
                    Math.max(0, Long.getLong("jlguest.jit.warmup", DEFAULT_WARMUP)), false);
        };
    }

    /**
     * tour:jit:002 A cached block counts its runs; at the threshold it goes to the compiler
     * ({@link #hot}) with the blocks it reaches (32-bit code only), once the CPU is
     * past its warm-up (so a short run, a boot, compiles nothing and pays nothing for the
     * compiler's cold start). Once its compiled unit is installed, and only while it is of the
     * block's current decode (the version), the unit runs instead of the interpreter. The result is
     * the unit's (see {@link CompiledUnit#run}): k >= 0 instructions ran and the loop interprets the
     * rest of the block from k; ~k: k ran (in all the region's blocks it went through) and the
     * block that ran last is over, EIP set. A fault leaves its count in {@code cpu.jitRetired} for
     * the loop.
     */
    int run(Cpu cpu, Cpu.Block b) {
        // Small enough for C2 to inline into the run loop: the common case is two field tests, the
        // call, and a sum.
        CompiledUnit u = b.unit;
        if (u != null && u.version == b.version) {
            if (u.work >= promoteAt && !u.promoted) {
                promote(cpu, b, u);     // before it runs: the region is found from EIP, the entry's
            }
            int k = STATS ? runCounted(cpu, b, u) : u.run(cpu);
            u.work += k < 0 ? ~k : k + cpu.jitRetired;  // k in the entry block after jitRetired elsewhere
            return k;
        }
        return count(cpu, b);
    }

    /** A block without a unit ran once more: at the threshold (and past the warm-up) it is compiled. */
    private int count(Cpu cpu, Cpu.Block b) {
        if (++b.runs != threshold) {
            return 0;
        }
        if (cpu.instructions() < warmup) {
            b.runs = 0;         // still warming up: count again
            return 0;
        }
        hot(cpu, b, false);
        CompiledUnit u = b.unit;
        if (u == null || u.version != b.version) {
            return 0;
        }
        return STATS ? runCounted(cpu, b, u) : u.run(cpu);
    }

    private int runCounted(Cpu cpu, Cpu.Block b, CompiledUnit u) {
        int k = u.run(cpu);
        backend.counted(k < 0 ? ~k : k, k != 0 && (k < 0 ? ~k : k) < b.count && k > 0);
        if (k >= 0 && k < b.count) {
            Insn next = b.insns[k];    // what the loop interprets next: why the unit stopped short
            String what = next.row == null ? String.format("op %03X", next.op)
                    : next.row.mnemonic(next.o32 ? 32 : 16) + (next.o32 ? "" : " (o16)")
                            + (!next.row.hasModrm() ? "" : next.mod == 3 ? " reg" : " mem");
            STOPS.merge(what, 1L, Long::sum);
        }
        return k;
    }

    /** With -Djlguest.jit.stats=true: per opcode, how often a compiled unit stopped short of it. */
    private static final java.util.Map<String, Long> STOPS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Why the loop interpreted what it did, with -Djlguest.jit.stats=true (instructions, counted by
     * {@link #countInterpreted}): the share of a run that no compiled code could have taken, and
     * why. Indexed as {@link #INTERPRETED} names them.
     */
    private final long[] interpreted = new long[INTERPRETED.length];
    private static final String[] INTERPRETED = {"warm-up", "cold (under the threshold)",
        "past the threshold, no unit (queued, or its first instruction untranslatable)", "16-bit code",
        "stale unit (its block decoded again)", "after a unit's prefix", "unit declined (16-bit stack, CS limit)",
        "uncached block (across pages, not RAM, at the CS limit)", "single step or budget"};

    /** With STATS: {@code count} instructions of block b were interpreted from index {@code from}. */
    void countInterpreted(Cpu cpu, Cpu.Block b, int from, int count, boolean whole) {
        int why;
        if (!whole) {
            why = 8;
        } else if (b.phys == -1) {
            why = 7;
        } else if (cpu.instructions() < warmup) {
            why = 0;
        } else if (!b.code32) {
            why = 3;
        } else if (b.unit == null) {
            why = b.runs >= threshold ? 2 : 1;
        } else if (b.unit.version != b.version) {
            why = 4;
        } else {
            why = from > 0 ? 5 : 6;
        }
        interpreted[why] += count;
    }

    String interpretedReport() {
        StringBuilder out = new StringBuilder("jit: interpreted instructions, by reason:");
        for (int n = 0; n < INTERPRETED.length; n++) {
            if (interpreted[n] != 0) {
                out.append(String.format(" %s %,d;", INTERPRETED[n], interpreted[n]));
            }
        }
        return out.toString();
    }

    /** Blocks this CPU handed to the compiler so far. */
    long requests;

    /**
     * A block reached the threshold: compile it (now, or in the background), together with the
     * blocks it reaches (a region, see {@link RegionFinder}); {@code hotTier}: its unit
     * kept running, compile it again for C2. 16-bit code is never compiled: its block just stops
     * counting (its runs go past the threshold and never meet it again).
     */
    boolean hot(Cpu cpu, Cpu.Block b, boolean hotTier) {
        if (STATS) {
            statsCpu = cpu;
        }
        if (!b.code32) {
            return true;
        }
        requests++;
        GuestInsn[] entry = snapshot(b);
        // Only blocks that have run (tour:jit:013), but in the compile-everything mode nothing has yet.
        java.util.List<GuestBlock> region = RegionFinder.find(cpu.ram.bytes, b, entry, cpu.codeLinear(), cpu.codePages,
                !synchronous && !RegionFinder.UNRUN);
        Request r = new Request(b, region.toArray(new GuestBlock[0]), b.version, hotTier, b.runs, cpu.r);
        if (synchronous) {
            backend.compileNow(r);
        } else if (!backend.submit(r)) {
            if (!hotTier) {
                b.runs = 0;     // the queue is full: ask again later
            }
            return false;
        }
        return true;
    }

    /** A unit ran {@link #promoteAt} instructions: compile its block's region again, as hot. */
    private void promote(Cpu cpu, Cpu.Block b, CompiledUnit u) {
        u.promoted = true;          // asked once; the hot unit replaces it when it arrives
        if (!hot(cpu, b, true)) {
            u.promoted = false;     // the queue is full: ask again later
            u.work = 0;
        }
    }

    private static GuestInsn[] snapshot(Cpu.Block b) {
        GuestInsn[] out = new GuestInsn[b.count];
        for (int k = 0; k < b.count; k++) {
            out[k] = copy(b.insns[k]);
        }
        return out;
    }

    static GuestInsn copy(Insn i) {
        return new GuestInsn(i.op, i.len, i.sz, i.o32, i.a32, i.rep, i.seg, i.mod, i.reg, i.rm,
                i.base, i.index, i.scale, i.disp, i.imm, i.copy());
    }

    /**
     * {@code runs}: the block's count when it asked (what it has run since, interpreted, is what
     * the wait costs); {@code regs}: the CPU's registers, the class data of a first-tier unit.
     */
    private record Request(Cpu.Block block, GuestBlock[] region, int version, boolean hot, int runs, int[] regs)
            implements BlockCompilerBackend.Request {
        @Override
        public long waste() {
            int more = block.runs - runs;     // a block without a unit counts on; one with a unit (hot) does not
            return hot || more <= 0 ? 0 : (long) more * block.count;
        }

        @Override
        public boolean stale() {
            return block.version != version;
        }

        @Override
        public CompiledUnit define(byte[] classBytes, int version, int length, int blocks, Object[] callOuts) {
            try {
                // The class data: the registers (a first-tier unit's R) and the instructions it
                // hands to the interpreter, X (tour:jit:016). Not ClassOption.STRONG: the class
                // unloads when its unit is dropped.
                Insn[] x = new Insn[callOuts.length];
                for (int n = 0; n < x.length; n++) {
                    x[n] = (Insn) callOuts[n];
                }
                MethodHandles.Lookup h = LOOKUP.defineHiddenClassWithClassData(classBytes, java.util.List.of(regs, x), true);
                MethodHandle ctor = h.findConstructor(h.lookupClass(), CTOR);
                CompiledUnit u = (CompiledUnit) ctor.invoke(version, length, blocks);
                u.hot = hot;
                u.promoted = hot;
                return u;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void install(CompiledUnit unit) {
            block.unit = unit;
        }

        @Override
        public void uninstall() {
            if (block.unit != null && block.unit.version == version) {
                block.unit = null;
                block.runs = 0;
            }
        }
    }
}
