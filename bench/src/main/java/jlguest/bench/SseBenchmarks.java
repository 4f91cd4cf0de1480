package jlguest.bench;

import java.util.concurrent.TimeUnit;
import jlguest.cpu.Cpu;
import jlguest.cpu.Stop;
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
 * The SSE2 loop (asm/sseloop.asm: 9 of every 13 instructions are SSE/SSE2, scalar double and
 * packed single and integer), paging on, CR4.OSFXSR set: guest MIPS. A quick reading without JMH:
 * {@code bench/jmh --quick} (QuickMips), or this class main method.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-XX:+UseParallelGC"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class SseBenchmarks {
    static final int SLICE = 1_000_000;

    Cpu sseCpu;

    static Cpu build() {
        return GuestLoops.SSE.machine();
    }

    @Setup(Level.Trial)
    public void setup() {
        sseCpu = build();
    }

    /** SSE2 loop: guest MIPS (about 70% of the instructions are SSE). */
    @Benchmark
    @OperationsPerInvocation(SLICE)
    public long sseLoop() {
        sseCpu.run(SLICE);
        return sseCpu.instructions();
    }

    public static void main(String[] args) {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Cpu cpu = build();
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            long s = System.nanoTime(), c = mx.getCurrentThreadCpuTime(), i0 = cpu.instructions();
            Stop stop = cpu.run(10_000_000);
            if (stop != Stop.BUDGET) {
                throw new IllegalStateException(stop + " " + cpu.stopMessage());
            }
            long n = cpu.instructions() - i0;
            System.out.printf("sse: %.1f MIPS wall, %.1f MIPS cpu%n", n / ((System.nanoTime() - s) / 1e3),
                    n / ((mx.getCurrentThreadCpuTime() - c) / 1e3));
        }
    }
}
