package jlguest.bench;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import jlguest.cpu.Cpu;
import jlguest.cpu.DecodeSweep;
import jlguest.cpu.Stop;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * CPU benchmarks in guest MIPS. Each loop benchmark runs its guest for a slice of a million
 * instructions per call and counts the instructions it really retired in the auxiliary counter
 * {@code instructions}, which JMH reports per microsecond: that line is guest MIPS. (A REP that
 * pauses itself after a page counts against run()'s budget but retires nothing, so the primary
 * score, calls per microsecond, is only a by-product.) {@code decode} scores instructions decoded
 * per microsecond.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-XX:+UseParallelGC"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class CpuBenchmarks {
    static final int SLICE = 1_000_000;

    Cpu intCpu, tlbCpu, mpiCpu, lzCpu, memCpu, callCpu;

    @Setup(Level.Trial)
    public void setup() {
        intCpu = GuestLoops.INT.machine();
        tlbCpu = GuestLoops.TLB.machine();
        mpiCpu = GuestLoops.MPI.machine();
        lzCpu = GuestLoops.LZ.machine();
        memCpu = GuestLoops.MEM.machine();
        callCpu = GuestLoops.CALL.machine();
    }

    /** Retired guest instructions, reported per microsecond: guest MIPS. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Retired {
        public long instructions;
    }

    static long slice(Cpu cpu, Retired out) {
        long before = cpu.instructions();
        Stop s = cpu.run(SLICE);
        if (s != Stop.BUDGET) {
            throw new IllegalStateException("the guest loop stopped: " + s + " " + cpu.stopMessage());
        }
        out.instructions += cpu.instructions() - before;
        return before;
    }

    /** Integer loop (arithmetic, memory, branches, calls, REP MOVSD). */
    @Benchmark
    public long integerLoop(Retired out) {
        return slice(intCpu, out);
    }

    /** Every access in a different page, CR3 reloaded each round of 256 pages. */
    @Benchmark
    public long tlbHeavyLoop(Retired out) {
        return slice(tlbCpu, out);
    }

    /** 32x32->64 multiply-accumulate over limbs (mpihelp_addmul_1). */
    @Benchmark
    public long bignumLoop(Retired out) {
        return slice(mpiCpu, out);
    }

    /** A range decoder's bit loop (MOVZX, shifts, IMUL, SETcc, CMOVcc, table lookups). */
    @Benchmark
    public long decompressLoop(Retired out) {
        return slice(lzCpu, out);
    }

    /** A loop calling small functions on other pages: CALLs and RETs that leave the loop's page. */
    @Benchmark
    public long callLoop(Retired out) {
        return slice(callCpu, out);
    }

    /** REP MOVSD / STOSD page copies and clears, and short memcpy calls. */
    @Benchmark
    public long memcpyLoop(Retired out) {
        return slice(memCpu, out);
    }

    /**
     * The decode corpus: the kernel's .text, decoded in one linear sweep from its start (wrapping
     * around). The path is relative to the directory the benchmark runs in (the repository root);
     * {@code -p vmlinux=PATH} points elsewhere.
     */
    @State(Scope.Thread)
    public static class Text {
        @Param("guest-images/vmlinux")
        public String vmlinux;
        DecodeSweep sweep;

        @Setup(Level.Trial)
        public void load() {
            byte[] text = KernelText.section(Path.of(vmlinux), ".text");
            byte[] code = new byte[text.length + 16];   // room for the last instruction's bytes
            System.arraycopy(text, 0, code, 0, text.length);
            sweep = new DecodeSweep(code);
        }
    }

    /** Decoder throughput over the kernel's .text, in instructions per microsecond (no execution). */
    @Benchmark
    @OperationsPerInvocation(10_000)
    public int decode(Text t) {
        return t.sweep.decode(10_000);
    }
}
