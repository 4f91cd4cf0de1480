package jlguest.cpu.diff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The generator is deterministic and reproduces the inputs of the committed vectors; if this fails
 * after a change to the opcode table or the generator, run tools/difftest/regenerate.sh (seconds) and
 * commit the vectors. -Ddifftest.allowStale=true turns the failure into a warning for a while.
 */
class GeneratorTest {
    @Test
    void committedVectorsMatchTheGenerator() throws Exception {
        try {
            compare();
        } catch (AssertionError e) {
            if (!Boolean.getBoolean("difftest.allowStale")) {
                throw e;
            }
            System.out.println("difftest: WARNING: vectors are stale: " + e.getMessage());
        }
    }

    private void compare() throws Exception {
        Map<String, CaseGenerator.Group> now = CaseGenerator.generate(1.0, CaseGenerator.DEFAULT_SEED);
        int total = 0;
        for (String group : VectorFiles.groups()) {
            CaseGenerator.Group g = now.get(group);
            try (VectorFormat.Reader r = VectorFiles.open(group)) {
                assertEquals(g.names().list, r.forms(), group + ": form names differ; regenerate the vectors");
                int i = 0;
                for (DiffCase c; (c = r.next()) != null; i++) {
                    DiffCase want = g.cases().get(i);
                    assertArrayEquals(want.code(), c.code(), group + " case " + i);
                    assertArrayEquals(want.regsIn(), c.regsIn(), group + " case " + i);
                    assertEquals(want.undefFlags(), c.undefFlags(), group + " case " + i);
                }
                assertEquals(g.cases().size(), i, group + ": case count");
                total += i;
            }
        }
        assertEquals(now.keySet(), new java.util.TreeSet<>(VectorFiles.groups()), "groups; regenerate the vectors");
        assertTrue(total >= 200_000, "at least 200,000 cases, have " + total);
    }
}
