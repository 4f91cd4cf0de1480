package jlguest.cpu.diff;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * Prints a vector file: {@code VectorDump FILE [FORM-SUBSTRING] [--stats]}. With --stats, one line per
 * form: how many cases completed and how many raised each exception, to check that the generator
 * makes cases that test something (not 100% page faults).
 */
public final class VectorDump {
    private VectorDump() {
    }

    public static void main(String[] args) throws IOException {
        String filter = args.length > 1 && !args[1].equals("--stats") ? args[1] : "";
        boolean stats = args[args.length - 1].equals("--stats");
        InputStream in = new FileInputStream(args[0]);
        if (args[0].endsWith(".gz")) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        Map<String, Map<String, Integer>> counts = new TreeMap<>();
        try (VectorFormat.Reader r = new VectorFormat.Reader(in, true)) {
            for (DiffCase c; (c = r.next()) != null;) {
                String form = r.forms().get(c.form());
                if (!form.contains(filter)) {
                    continue;
                }
                if (stats) {
                    String k = c.result().completed() ? "ok" : "#" + c.result().vector();
                    counts.computeIfAbsent(form, f -> new TreeMap<>()).merge(k, 1, Integer::sum);
                    continue;
                }
                System.out.printf("%-28s %s%n    in:  %s%n    out: %s%n", form, CaseText.hex(c.code()),
                        CaseText.inputs(c), CaseText.result(c.result()));
            }
        }
        counts.forEach((f, m) -> System.out.printf("%-36s %s%n", f, m));
    }
}
