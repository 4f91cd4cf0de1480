package jlguest.cpu.diff;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Writes the differential-test case files, one per instruction group, for the host harness to run.
 *
 * <p>tour:difftest:110 Usage (tools/difftest/regenerate.sh does this):
 * {@code java -cp target/classes:target/test-classes jlguest.cpu.diff.CaseGenerator OUTDIR [SCALE] [SEED]}.
 * Each variant draws from its own random stream, seeded by the seed and the variant's name, so adding
 * a row to the opcode table adds cases without changing everyone else's.
 */
public final class CaseGenerator {
    private CaseGenerator() {
    }

    static final long DEFAULT_SEED = 0x6A6C_6775_6573_7431L;   // "jlguest1"

    /** One group's cases and their form names. */
    record Group(Names names, List<DiffCase> cases) {
    }

    /** Generates every group in memory. */
    static Map<String, Group> generate(double scale, long seed) {
        Map<String, Group> groups = new TreeMap<>();
        for (Forms.Variant v : Forms.all(scale)) {
            Group g = groups.computeIfAbsent(v.group(), k -> new Group(new Names(), new ArrayList<>()));
            SplittableRandom rnd = new SplittableRandom(seed ^ (long) v.name().hashCode() * 0x9E37_79B9_7F4A_7C15L);
            for (int i = 0; i < v.count(); i++) {
                DiffCase c = null;
                for (int attempt = 0; c == null && attempt < 20; attempt++) {
                    c = Encoder.build(v, rnd, g.names());
                }
                if (c == null) {
                    throw new IllegalStateException("cannot make a case for " + v.name());
                }
                g.cases().add(c);
            }
        }
        return groups;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: CaseGenerator OUTDIR [SCALE] [SEED]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        double scale = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
        long seed = args.length > 2 ? Long.decode(args[2]) : DEFAULT_SEED;
        Files.createDirectories(dir);
        int total = 0;
        for (var e : generate(scale, seed).entrySet()) {
            Group g = e.getValue();
            Path file = dir.resolve(e.getKey() + ".cases");
            try (VectorFormat.Writer w = new VectorFormat.Writer(
                    new BufferedOutputStream(new FileOutputStream(file.toFile()), 1 << 16), g.names().list)) {
                for (DiffCase c : g.cases()) {
                    w.write(c);
                }
            }
            System.out.printf("%-8s %7d cases, %4d forms%n", e.getKey(), g.cases().size(), g.names().list.size());
            total += g.cases().size();
        }
        System.out.printf("total    %7d cases%n", total);
    }
}
