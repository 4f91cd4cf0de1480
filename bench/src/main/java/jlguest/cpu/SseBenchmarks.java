package jlguest.cpu;

import java.util.concurrent.TimeUnit;
import jlguest.cpu.EntryState;
import jlguest.bus.Ram;
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
 * {@code java -cp bench/target/benchmarks.jar jlguest.cpu.SseBenchmarks 10}.
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
        Ram ram = new Ram(32 << 20);
        byte[] code = GuestSetup.resource("sseloop.bin");
        ram.load(0x1000, code, 0, code.length);
        Cpu cpu = GuestSetup.cpu(ram);
        cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        cpu.setCr(0, cpu.cr(0) & ~0xC);   // no EM, no TS
        cpu.setCr(4, 0x600);              // OSFXSR, OSXMMEXCPT
        GuestSetup.identity(ram, cpu, 0x400000, 0x401000, 8);
        return cpu;
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
