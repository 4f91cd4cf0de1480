package jlguest.cpu.diff;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Replays every recorded vector on jlguest and compares (see {@link Comparison} for what is masked).
 *
 * <p>tour:difftest:150 The goal is zero mismatches. While the interpreter is young, forms listed in
 * src/test/resources/difftest/known-mismatches.txt may mismatch without failing the build; anything
 * else fails it, so a fixed form cannot quietly break again. A listed form that passes fails it too
 * until its line is removed (the test says which), so the list only shrinks; it is empty today.
 * {@code -Ddifftest.writeKnown=PATH} writes the current list. Form names there leave out the
 * per-case tags " lock", " a16" and " seg". For debugging: {@code -Ddifftest.only=CMPSB} runs only
 * forms whose name contains that, {@code -Ddifftest.details=N} and {@code -Ddifftest.perForm=N} say
 * how many mismatches to describe in all and per form.
 */
class DifferentialTest {
    /** How many mismatches to describe ({@code -Ddifftest.details=N}), and at most how many per form. */
    private static final int DETAILS = Integer.getInteger("difftest.details", 20);
    private static final int PER_FORM = Integer.getInteger("difftest.perForm", 3);
    /** Only run forms whose name contains this ({@code -Ddifftest.only=CMPS}). */
    private static final String ONLY = System.getProperty("difftest.only", "");

    @Test
    void jlguestReproducesTheHostCpu() throws IOException {
        GuestRig rig = new GuestRig();
        TreeSet<String> known = knownMismatches();
        Map<String, int[]> perGroup = new LinkedHashMap<>();     // group -> {cases, mismatches}
        Map<String, Integer> perForm = new TreeMap<>();
        List<String> details = new ArrayList<>();
        List<String> knownDetails = new ArrayList<>();
        int cases = 0;
        int mismatches = 0;
        int unexpected = 0;
        long t0 = System.nanoTime();
        for (String group : VectorFiles.groups()) {
            int[] g = perGroup.computeIfAbsent(group, k -> new int[2]);
            try (VectorFormat.Reader r = VectorFiles.open(group)) {
                int index = 0;
                for (DiffCase c; (c = r.next()) != null; index++) {
                    if (!ONLY.isEmpty() && !r.forms().get(c.form()).contains(ONLY)) {
                        continue;
                    }
                    cases++;
                    g[0]++;
                    List<String> diffs;
                    DiffCase.Result got = null;
                    try {
                        GuestRig.Run run = rig.run(c);
                        got = run.result();
                        diffs = got == null ? List.of(run.message()) : Comparison.differences(c, c.result(), got);
                    } catch (RuntimeException e) {
                        diffs = List.of("rig threw " + e);
                    }
                    if (diffs.isEmpty()) {
                        continue;
                    }
                    mismatches++;
                    g[1]++;
                    String form = r.forms().get(c.form());
                    int seen = perForm.merge(form, 1, Integer::sum);
                    boolean isKnown = known.contains(baseName(form));
                    List<String> sink = isKnown ? knownDetails : details;
                    if (!isKnown) {
                        unexpected++;
                    }
                    if (sink.size() < DETAILS && seen <= PER_FORM) {
                        sink.add(describe(group, index, form, c, got, diffs));
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("difftest: %,d cases, %,d mismatches (%,d in forms not known to mismatch), %.1f s%n",
                cases, mismatches, unexpected, seconds);
        perGroup.forEach((k, v) -> System.out.printf("difftest:   %-7s %,8d cases %,8d mismatches%n", k, v[0], v[1]));
        perForm.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(25)
                .forEach(e -> System.out.printf("difftest:   %6d  %s%n", e.getValue(), e.getKey()));

        TreeSet<String> failing = new TreeSet<>();
        perForm.keySet().forEach(f -> failing.add(baseName(f)));
        TreeSet<String> fixed = new TreeSet<>(known);
        fixed.removeAll(failing);
        if (!fixed.isEmpty()) {
            System.out.println("difftest: these known-mismatch forms pass now; remove them from "
                    + "known-mismatches.txt: " + fixed);
        }
        // A stale line would let its form break again unnoticed: the list may only shrink.
        if (!fixed.isEmpty() && ONLY.isEmpty()) {
            fail("forms listed in known-mismatches.txt pass now; remove them: " + fixed);
        }
        String writeKnown = System.getProperty("difftest.writeKnown");
        if (writeKnown != null) {
            Files.write(Path.of(writeKnown), failing, StandardCharsets.UTF_8);
        }
        if (unexpected > 0) {
            fail(String.format("%,d of %,d cases mismatch in forms not listed in known-mismatches.txt; first %d:%n%s",
                    unexpected, cases, details.size(), String.join("\n", details)));
        }
        if (!knownDetails.isEmpty()) {
            System.out.println("difftest: first known mismatches:\n" + String.join("\n", knownDetails));
        }
    }

    /** A form name without the per-case tags. */
    static String baseName(String form) {
        return form.replace(" lock", "").replace(" a16", "").replace(" seg", "");
    }

    private static String describe(String group, int index, String form, DiffCase c, DiffCase.Result got,
                                   List<String> diffs) {
        return String.format("  %s #%d  %s  [%s]%n    in:   %s%n    want: %s%n    got:  %s%n    diff: %s",
                group, index, form, CaseText.hex(c.code()), CaseText.inputs(c), CaseText.result(c.result()),
                got == null ? "-" : CaseText.result(got), String.join("; ", diffs));
    }

    private static TreeSet<String> knownMismatches() throws IOException {
        TreeSet<String> out = new TreeSet<>();
        InputStream in = DifferentialTest.class.getResourceAsStream("/difftest/known-mismatches.txt");
        if (in == null) {
            return out;
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.trim());
                }
            }
        }
        return out;
    }
}
