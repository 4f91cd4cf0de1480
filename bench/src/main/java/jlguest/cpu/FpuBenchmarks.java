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
 * The x87 loop (asm/fploop.asm: 7 of every 11 instructions are x87 loads, stores and
 * arithmetic on doubles), paging on: guest MIPS. A quick reading without JMH:
 * {@code java -cp bench/target/benchmarks.jar jlguest.cpu.FpuBenchmarks 10}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-XX:+UseParallelGC"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class FpuBenchmarks {
    static final int SLICE = 1_000_000;

    Cpu fpCpu;

    static Cpu fpLoop() {
        Ram ram = new Ram(32 << 20);
        byte[] code = GuestSetup.resource("fploop.bin");
        ram.load(0x1000, code, 0, code.length);
        Cpu cpu = GuestSetup.cpu(ram);
        cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        GuestSetup.identity(ram, cpu, 0x400000, 0x401000, 8);
        return cpu;
    }

    @Setup(Level.Trial)
    public void setup() {
        fpCpu = fpLoop();
    }

    /** x87 double-precision loop: guest MIPS (about 64% of the instructions are x87). */
    @Benchmark
    @OperationsPerInvocation(SLICE)
    public long fpuLoop() {
        fpCpu.run(SLICE);
        return fpCpu.instructions();
    }

    public static void main(String[] args) {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Cpu cpu = fpLoop();
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            long s = System.nanoTime();
            long c = mx.getCurrentThreadCpuTime();
            long i0 = cpu.instructions();
            Stop stop = cpu.run(10_000_000);
            if (stop != Stop.BUDGET) {
                throw new IllegalStateException(stop + " " + cpu.stopMessage());
            }
            long n = cpu.instructions() - i0;
            System.out.printf("fp: %.1f MIPS wall, %.1f MIPS cpu%n", n / ((System.nanoTime() - s) / 1e3),
                    n / ((mx.getCurrentThreadCpuTime() - c) / 1e3));
        }
    }
}
