package jlguest.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jlguest.cpu.Cpu;
import jlguest.cpu.Stop;

/**
 * A quick reading without JMH: {@code bench/jmh --quick [seconds] [loop...]} runs each guest loop
 * (int, tlb, mpi, lz, mem, fpu, sse, call, dispatch; default all) for the given seconds (default 10) and prints guest
 * MIPS per wall-clock second and per CPU-second of the running thread (steadier on a shared machine),
 * each slice and the best slice.
 */
public final class QuickMips {
    private QuickMips() {
    }

    public static void main(String[] args) {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<GuestLoops> loops = new ArrayList<>();
        for (int k = 1; k < args.length; k++) {
            loops.add(GuestLoops.valueOf(args[k].toUpperCase(Locale.ROOT)));
        }
        if (loops.isEmpty()) {
            loops.addAll(List.of(GuestLoops.values()));
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (GuestLoops loop : loops) {
            Cpu cpu = loop.machine();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            double bestWall = 0, bestCpu = 0;
            while (System.nanoTime() < end) {
                long s = System.nanoTime();
                long c = mx.getCurrentThreadCpuTime();
                long i0 = cpu.instructions();
                Stop stop = cpu.run(10_000_000);
                if (stop != Stop.BUDGET) {
                    throw new IllegalStateException(stop + " " + cpu.stopMessage());
                }
                long n = cpu.instructions() - i0;
                double wall = n / ((System.nanoTime() - s) / 1e3);
                double onCpu = n / ((mx.getCurrentThreadCpuTime() - c) / 1e3);
                bestWall = Math.max(bestWall, wall);
                bestCpu = Math.max(bestCpu, onCpu);
                System.out.printf("%s: %.1f MIPS wall, %.1f MIPS cpu%n", loop.name().toLowerCase(Locale.ROOT),
                        wall, onCpu);
            }
            System.out.printf("%s best: %.1f MIPS wall, %.1f MIPS cpu%n", loop.name().toLowerCase(Locale.ROOT),
                    bestWall, bestCpu);
        }
    }
}
