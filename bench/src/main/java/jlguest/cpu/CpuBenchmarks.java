package jlguest.cpu;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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

    @Setup(Level.Trial)
    public void setup() {
        intCpu = GuestSetup.intLoop();
        tlbCpu = GuestSetup.tlbLoop();
    }

    /**
     * The decode corpus: the kernel's .text, decoded in one linear sweep from its start (wrapping
     * around). A sweep also walks through the padding between functions, as a real decoder rarely
     * does, but that is a small share of 1.9 MB. The path is relative to the directory the
     * benchmark runs in (the repository root); {@code -p vmlinux=PATH} points elsewhere.
     */
    @State(Scope.Thread)
    public static class Text {
        @Param("guest-images/vmlinux")
        public String vmlinux;
        byte[] code;
        final Insn insn = new Insn();
        int at;

        @Setup(Level.Trial)
        public void load() {
            byte[] text = KernelText.section(Path.of(vmlinux), ".text");
            code = new byte[text.length + 16];   // room for the last instruction's bytes
            System.arraycopy(text, 0, code, 0, text.length);
        }
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

    /** Decoder throughput over the kernel's .text, in instructions per microsecond (no execution). */
    @Benchmark
    @OperationsPerInvocation(10_000)
    public int decode(Text t) {
        byte[] c = t.code;
        Insn insn = t.insn;
        int limit = c.length - 16;
        Decoder.Fetch f = lin -> c[lin] & 0xFF;
        int at = t.at, sum = 0;
        for (int k = 0; k < 10_000; k++) {
            Decoder.decode(f, at, true, insn);
            sum += insn.op;
            at += Math.max(insn.len, 1);
            if (at >= limit) {
                at = 0;
            }
        }
        t.at = at;
        return sum;
    }
}
