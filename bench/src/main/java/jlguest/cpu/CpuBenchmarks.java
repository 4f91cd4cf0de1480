package jlguest.cpu;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * CPU benchmarks. Scores are in operations per microsecond where one operation is one guest
 * instruction (or one decoded instruction): the score is directly guest MIPS.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-XX:+UseParallelGC"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class CpuBenchmarks {
    static final int SLICE = 1_000_000;

    Cpu intCpu;
    Cpu tlbCpu;
    byte[] code;
    Insn insn = new Insn();

    @Setup(Level.Trial)
    public void setup() {
        intCpu = GuestSetup.intLoop();
        tlbCpu = GuestSetup.tlbLoop();
        // A decode corpus: the benchmark loops' code plus instructions of every common shape.
        byte[] a = GuestSetup.resource("intloop.bin");
        byte[] b = GuestSetup.resource("tlbloop.bin");
        code = new byte[a.length + b.length + 16];
        System.arraycopy(a, 0, code, 0, a.length);
        System.arraycopy(b, 0, code, a.length, b.length);
    }

    /** Integer loop (arithmetic, memory, branches, calls, REP MOVSD), paging on: guest MIPS. */
    @Benchmark
    @OperationsPerInvocation(SLICE)
    public long integerLoop() {
        intCpu.run(SLICE);
        return intCpu.instructions();
    }

    /** Every access in a different page, CR3 reloaded each round of 256 pages: guest MIPS. */
    @Benchmark
    @OperationsPerInvocation(SLICE)
    public long tlbHeavyLoop() {
        tlbCpu.run(SLICE);
        return tlbCpu.instructions();
    }

    /** Decoder throughput in instructions per microsecond (no execution). */
    @Benchmark
    @OperationsPerInvocation(10_000)
    public int decode() {
        byte[] c = code;
        int limit = c.length - 16;
        Decoder.Fetch f = lin -> c[lin] & 0xFF;
        int at = 0, sum = 0;
        for (int k = 0; k < 10_000; k++) {
            Decoder.decode(f, at, true, insn);
            sum += insn.op;
            at += Math.max(insn.len, 1);
            if (at >= limit) {
                at = 0;
            }
        }
        return sum;
    }
}
