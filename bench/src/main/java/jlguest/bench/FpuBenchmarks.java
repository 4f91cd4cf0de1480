package jlguest.bench;

import java.util.concurrent.TimeUnit;
import jlguest.cpu.Cpu;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The x87 loop (asm/fploop.asm: 7 of every 11 instructions are x87 loads, stores and arithmetic
 * on doubles), paging on, in guest MIPS (the {@code instructions} line).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-XX:+UseParallelGC"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class FpuBenchmarks {
    Cpu fpCpu;

    @Setup(Level.Trial)
    public void setup() {
        fpCpu = GuestLoops.FPU.machine();
    }

    /** x87 double-precision loop (about 64% of the instructions are x87). */
    @Benchmark
    public long fpuLoop(CpuBenchmarks.Retired out) {
        return CpuBenchmarks.slice(fpCpu, out);
    }
}
