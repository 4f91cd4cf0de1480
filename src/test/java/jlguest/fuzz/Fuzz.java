package jlguest.fuzz;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * The loop every fuzz harness shares: case i gets seed {@code base + i}; a case that lets any
 * Throwable escape is a failure naming its seed (so it can be replayed alone), and the run ends
 * with one line on stdout: how many cases ran and how many escaped. The brief runs are part of
 * {@code mvn verify}; each harness has a long twin tagged "long" ({@code mvn verify -Plong}).
 */
public final class Fuzz {
    private Fuzz() {
    }

    /** One case of a harness. */
    @FunctionalInterface
    public interface Case {
        void run(long seed) throws Exception;
    }

    /** Cases to run: {@code brief}, or the system property {@code fuzz.NAME} when set. */
    public static int cases(String name, int brief) {
        return Integer.getInteger("fuzz." + name, brief);
    }

    /** Runs {@code n} cases from seed {@code base}; throws AssertionError on the first escape. */
    public static void run(String name, long base, int n, Case c) {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long seed = base + i;
            try {
                c.run(seed);
            } catch (Throwable t) {
                StringWriter sw = new StringWriter();
                t.printStackTrace(new PrintWriter(sw));
                System.out.printf("fuzz %s: case seed %d escaped after %d cases%n", name, seed, i);
                throw new AssertionError("fuzz " + name + ": seed " + seed + " escaped: " + sw, t);
            }
        }
        System.out.printf("fuzz %s: %d cases, 0 escaped (%.1f s)%n", name, n, (System.nanoTime() - start) / 1e9);
    }
}
