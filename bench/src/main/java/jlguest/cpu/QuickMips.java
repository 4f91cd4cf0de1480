package jlguest.cpu;

/** A quick MIPS reading without JMH: {@code java -cp ... jlguest.cpu.QuickMips [seconds]}. */
public final class QuickMips {
    private QuickMips() {
    }

    public static void main(String[] args) {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        for (String name : new String[] {"int", "tlb"}) {
            Cpu cpu = name.equals("int") ? GuestSetup.intLoop() : GuestSetup.tlbLoop();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long t0 = System.nanoTime(), n0 = 0;
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            while (System.nanoTime() < end) {
                long s = System.nanoTime();
                long c = mx.getCurrentThreadCpuTime();
                long i0 = cpu.instructions();
                Stop stop = cpu.run(10_000_000);
                if (stop != Stop.BUDGET) {
                    throw new IllegalStateException(stop + " " + cpu.stopMessage());
                }
                long n = cpu.instructions() - i0;
                // Wall-clock MIPS, and MIPS per CPU-second (steadier on a shared machine).
                System.out.printf("%s: %.1f MIPS wall, %.1f MIPS cpu%n", name, n / ((System.nanoTime() - s) / 1e3),
                        n / ((mx.getCurrentThreadCpuTime() - c) / 1e3));
            }
        }
    }
}
