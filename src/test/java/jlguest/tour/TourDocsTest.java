package jlguest.tour;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * docs/tour.md and docs/exercises.md are extracted from the code's tour: and exercise: comments
 * (Tour). They are committed so a reader on GitHub sees them, and this test keeps them true: it
 * extracts them again and fails, with the command that rewrites them, when they differ.
 */
class TourDocsTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final String FIX = "\nThe tour is stale: regenerate it from the repository root with\n    "
            + Tour.COMMAND + "\nand commit docs/tour.md and docs/exercises.md.\n";

    @Test
    void tourIsUpToDate() throws Exception {
        Tour tour = new Tour(ROOT);
        String committed = Files.readString(ROOT.resolve("docs/tour.md"), StandardCharsets.UTF_8);
        assertEquals(withoutLineNumbers(tour.tourMarkdown()), withoutLineNumbers(committed), FIX);
    }

    @Test
    void exercisesAreUpToDate() throws Exception {
        Tour tour = new Tour(ROOT);
        String committed = Files.readString(ROOT.resolve("docs/exercises.md"), StandardCharsets.UTF_8);
        assertEquals(withoutLineNumbers(tour.exercisesMarkdown()), withoutLineNumbers(committed), FIX);
    }

    /**
     * The docs name the line each step sits at ({@code [cpu/Cpu.java:123](...#L123)}). Doing an
     * exercise moves lines: that alone must not break the build (the links are regenerated with
     * the docs whenever the words change), so the comparison ignores line numbers.
     */
    static String withoutLineNumbers(String markdown) {
        return markdown.replaceAll(":\\d+\\]\\(([^)#]*)#L\\d+\\)", ":N]($1#LN)");
    }

    @Test
    void movedLinesAloneDoNotMakeTheDocsStale() {
        String before = "## Step — [jlguest/cpu/Cpu.java:237](../src/main/java/jlguest/cpu/Cpu.java#L237)";
        String after = "## Step — [jlguest/cpu/Cpu.java:238](../src/main/java/jlguest/cpu/Cpu.java#L238)";
        assertEquals(withoutLineNumbers(before), withoutLineNumbers(after));
        assertNotEquals(withoutLineNumbers(before), withoutLineNumbers(after.replace("Cpu.java:", "Mmu.java:")));
    }

    @Test
    void everyTagBelongsToAPartAndEveryNumberIsUsedOnce() {
        Tour tour = new Tour(ROOT);
        assertEquals("", String.join("\n", tour.problems()), "tour tags must be unique and known (Tour.PARTS)");
    }

    @Test
    void everyPartHasSteps() {
        Tour tour = new Tour(ROOT);
        for (Tour.Part p : Tour.PARTS) {
            assertTrue(tour.steps().stream().anyMatch(s -> p.tags().contains(s.tag())), p.id() + " has no step");
        }
    }

    @Test
    void commentsBecomePlainMarkdown() {
        assertEquals("`Cpu.run()` and `x < y` and `MAX`, the `Ram`",
                Tour.markdown("{@link Cpu#run()} and {@code x < y} and {@value #MAX}, the {@link jlguest.bus.Ram}"));
    }
}
