package jlguest.tour;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The tour's extractor: lguest's {@code make Guest}, for jlguest.
 *
 * <p>Story comments in src/main/java (and in guest-images/hello's assembly) carry a tag, {@code tour:PART:NNN}, and exercises a tag
 * {@code exercise:NN}. This class finds them, orders them (parts in the order of {@link #PARTS},
 * then by number), and writes docs/tour.md and docs/exercises.md: each step quotes its comment and
 * names the file and line it sits at. The text around the steps (a part's introduction, a live
 * monitor session shown after a step) lives in tools/tour/: {@code parts/PART.md} and
 * {@code live/PART-NNN.md}. A tag inside parentheses or backquotes, "(tour:faults:050)", is a
 * cross-reference, not a step.
 *
 * <p>It needs nothing but the JDK, so it runs as a single source file from the repository root:
 * <pre>    java src/test/java/jlguest/tour/Tour.java</pre>
 * TourDocsTest runs the same code and fails when a committed document differs from what it would
 * write.
 */
public final class Tour {
    /** A part of the story: its name in the documents, and the tags whose comments it holds, in order. */
    public record Part(String id, String title, List<String> tags) {}

    /** The story's order. A part may hold several tags (machine wiring belongs to the launcher). */
    public static final List<Part> PARTS = List.of(
            new Part("launcher", "The launcher", List.of("launcher", "machine", "console")),
            new Part("boot", "Loading a kernel: ELF, bzImage, boot_params, multiboot", List.of("boot")),
            new Part("cpu", "The CPU loop: decode, the block cache, execute, lazy flags", List.of("cpu")),
            new Part("faults", "Faults and interrupts", List.of("faults")),
            new Part("mmu", "Segmentation and the MMU: a page walk, the TLB", List.of("mmu")),
            new Part("jit", "The block compiler: hot blocks as JVM bytecode", List.of("jit")),
            new Part("fpu", "A side trip: the x87 in software", List.of("fpu")),
            new Part("simd", "Another side trip: MMX, SSE and SSE2", List.of("simd")),
            new Part("difftest", "How we know: differential testing against the real CPU", List.of("difftest")),
            new Part("bus", "The bus and the legacy devices", List.of("bus", "devices")),
            new Part("time", "Time and idle", List.of("time")),
            new Part("virtio", "Virtio: a request's whole trip", List.of("virtio")),
            new Part("net", "User-mode networking: a guest's SYN becomes a host connect()", List.of("net")),
            new Part("paravirt", "The hypercalls and kvmclock", List.of("paravirt")),
            new Part("monitor", "The monitor and the gdb stub", List.of("monitor")),
            new Part("snapshot", "Snapshots: what \"the state of a machine\" is, device by device", List.of("snapshot")),
            new Part("house", "The house: how the packages are layered", List.of("house")));

    /** One tagged comment: its tag, where it sits, and its text as plain Markdown. */
    public record Step(String tag, int number, Path file, int line, String text) {
        public String id() {
            return tag + ":" + String.format("%03d", number);
        }
    }

    /** One exercise: its number, where it sits, its text. */
    public record Exercise(int number, Path file, int line, String text) {}

    private static final Pattern TOUR = Pattern.compile("(?<![(`\\w:])tour:([a-z]+):(\\d+)\\s*");
    private static final Pattern EXERCISE = Pattern.compile("(?<![(`\\w:])exercise:(\\d+)\\s*");

    /**
     * Where tagged comments live: the Java sources (the tests too: the differential harness is part
     * of the story), the assembly of our own guest, and the C harnesses that run on the real CPU.
     */
    static final List<String> SOURCES = List.of("src/main/java", "src/test/java", "guest-images/hello",
            "tools/difftest", "tools/fpudiff");

    private final Path root;
    private final List<Step> steps = new ArrayList<>();
    private final List<Exercise> exercises = new ArrayList<>();

    public Tour(Path root) {
        this.root = root;
        for (String dir : SOURCES) {
            try (Stream<Path> files = Files.walk(root.resolve(dir))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java") || p.toString().endsWith(".asm")
                        || p.toString().endsWith(".c"))
                        .sorted().toList()) {
                    scan(f);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        steps.sort(Comparator.comparingInt((Step s) -> tagOrder(s.tag())).thenComparingInt(Step::number)
                .thenComparing(s -> s.file().toString()));
        exercises.sort(Comparator.comparingInt(Exercise::number));
    }

    public List<Step> steps() {
        return steps;
    }

    public List<Exercise> exercises() {
        return exercises;
    }

    /** Problems a reader would trip over: unknown tags, a number used twice, a live note with no step. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        Map<String, Step> seen = new LinkedHashMap<>();
        for (Step s : steps) {
            if (tagOrder(s.tag()) == Integer.MAX_VALUE) {
                out.add(where(s.file(), s.line()) + ": tour tag '" + s.tag() + "' belongs to no part (Tour.PARTS)");
            }
            Step before = seen.put(s.id(), s);
            if (before != null) {
                out.add(where(s.file(), s.line()) + ": tour:" + s.id() + " is also at " + where(before.file(), before.line()));
            }
        }
        Map<Integer, Exercise> ex = new LinkedHashMap<>();
        for (Exercise e : exercises) {
            Exercise before = ex.put(e.number(), e);
            if (before != null) {
                out.add(where(e.file(), e.line()) + ": exercise:" + e.number() + " is also at " + where(before.file(), before.line()));
            }
        }
        Path live = root.resolve("tools/tour/live");
        if (Files.isDirectory(live)) {
            try (Stream<Path> files = Files.list(live)) {
                for (Path f : files.sorted().toList()) {
                    String name = f.getFileName().toString().replaceFirst("\\.md$", "");
                    String id = name.replaceFirst("-(\\d+)$", ":$1");
                    if (!seen.containsKey(id)) {
                        out.add("tools/tour/live/" + f.getFileName() + ": no step tour:" + id + " in the code");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    private static int tagOrder(String tag) {
        int i = 0;
        for (Part p : PARTS) {
            for (String t : p.tags()) {
                if (t.equals(tag)) {
                    return i;
                }
                i++;
            }
        }
        return Integer.MAX_VALUE;
    }

    private String where(Path file, int line) {
        return root.relativize(file).toString().replace('\\', '/') + ":" + line;
    }

    // ---------------------------------------------------------------------------------------------
    // Finding the comments
    // ---------------------------------------------------------------------------------------------

    private void scan(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String leader = file.toString().endsWith(".asm") ? ";" : "//";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int slashes = line.indexOf(leader);
            boolean lineComment = slashes >= 0 && line.substring(0, slashes).isBlank();
            boolean blockComment = leader.equals("//") && isBlockLine(line);
            if (!lineComment && !blockComment) {
                continue;
            }
            Matcher t = TOUR.matcher(line);
            Matcher e = EXERCISE.matcher(line);
            if (t.find()) {
                String text = paragraph(lines, i, t.end(), lineComment ? leader : null);
                steps.add(new Step(t.group(1), Integer.parseInt(t.group(2)), file, i + 1, text));
            } else if (e.find()) {
                String text = paragraph(lines, i, e.end(), lineComment ? leader : null);
                exercises.add(new Exercise(Integer.parseInt(e.group(1)), file, i + 1, text));
            }
        }
    }

    private static boolean isBlockLine(String line) {
        String s = line.strip();
        return s.startsWith("*") || s.startsWith("/*");
    }

    /** Strips a comment line's leader: {@code //} or {@code ;} (given), else {@code /**}, {@code *}. */
    private static String body(String line, String leader) {
        String s = line.strip();
        if (leader != null) {
            return s.startsWith(leader) ? s.substring(leader.length()).strip() : null;
        }
        if (s.startsWith("/**")) {
            s = s.substring(3);
        } else if (s.startsWith("/*")) {
            s = s.substring(2);
        } else if (s.startsWith("*/")) {
            return null;
        } else if (s.startsWith("*")) {
            s = s.substring(1);
        } else {
            return null;
        }
        return s.strip();
    }

    /**
     * The tagged paragraph: from the tag to the end of its paragraph (a blank comment line, a
     * {@code <p>} or {@code @param} that starts another, the comment's end, or code).
     */
    private static String paragraph(List<String> lines, int first, int from, String leader) {
        boolean lineComment = leader != null;
        StringBuilder sb = new StringBuilder();
        String head = lines.get(first).substring(from);
        boolean ended = false;
        int end = head.indexOf("*/");
        if (!lineComment && end >= 0) {
            head = head.substring(0, end);
            ended = true;
        }
        sb.append(head.strip());
        for (int i = first + 1; !ended && i < lines.size(); i++) {
            String raw = lines.get(i);
            String s = body(raw, leader);
            if (s == null || s.isEmpty() || s.startsWith("<p>") || s.startsWith("@") || s.startsWith("<pre>")
                    || TOUR.matcher(s).lookingAt() || EXERCISE.matcher(s).lookingAt()) {
                break;
            }
            int close = s.indexOf("*/");
            if (!lineComment && close >= 0) {
                s = s.substring(0, close).strip();
                ended = true;
            }
            sb.append(' ').append(s);
        }
        return markdown(sb.toString().strip());
    }

    private static final Pattern CODE = Pattern.compile("\\{@code ([^{}]*(?:\\{[^{}]*\\}[^{}]*)*)\\}");
    private static final Pattern LINK = Pattern.compile("\\{@link(?:plain)? ([^}\\s]+)(?: ([^}]*))?\\}");
    private static final Pattern VALUE = Pattern.compile("\\{@value #?([^}]+)\\}");

    /** Javadoc markup to Markdown: {@code x} to `x`, {@link A#b} to `A.b`, entities decoded. */
    static String markdown(String s) {
        s = CODE.matcher(s).replaceAll(m -> Matcher.quoteReplacement("`" + m.group(1) + "`"));
        s = LINK.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(2) != null ? m.group(2)
                : "`" + shortName(m.group(1)) + "`"));
        s = VALUE.matcher(s).replaceAll(m -> Matcher.quoteReplacement("`" + m.group(1) + "`"));
        s = s.replace("<em>", "*").replace("</em>", "*").replace("<i>", "*").replace("</i>", "*")
                .replace("<b>", "**").replace("</b>", "**").replace("<p>", "").replace("</p>", "");
        s = s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&#64;", "@");
        return s.strip();
    }

    private static String shortName(String ref) {
        String r = ref.startsWith("#") ? ref.substring(1) : ref;
        int hash = r.indexOf('#');
        String cls = hash >= 0 ? r.substring(0, hash) : r;
        String member = hash >= 0 ? r.substring(hash + 1) : null;
        cls = cls.substring(cls.lastIndexOf('.') + 1);
        if (member != null) {
            member = member.replaceFirst("\\(.*\\)", "()");
            return cls.isEmpty() ? member : cls + "." + member;
        }
        return cls;
    }

    // ---------------------------------------------------------------------------------------------
    // Writing the documents
    // ---------------------------------------------------------------------------------------------

    static final String COMMAND = "java src/test/java/jlguest/tour/Tour.java";

    private String text(String rel) {
        Path p = root.resolve(rel);
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8).strip() : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String link(Path file, int line) {
        String rel = root.relativize(file).toString().replace('\\', '/');
        return "[" + rel.replaceFirst("^src/main/java/", "") + ":" + line + "](../" + rel + "#L" + line + ")";
    }

    /** docs/tour.md, as it should read today. */
    public String tourMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("<!-- Generated by ").append(COMMAND).append(" from the tour: comments in src/main/java\n")
                .append("     and tools/tour/. Do not edit by hand: TourDocsTest fails when this file is stale. -->\n\n");
        String intro = text("tools/tour/intro.md");
        if (intro != null) {
            sb.append(intro).append("\n\n");
        }
        sb.append("## Contents\n\n");
        int n = 1;
        for (Part p : PARTS) {
            long count = steps.stream().filter(s -> p.tags().contains(s.tag())).count();
            sb.append(n++).append(". [").append(p.title()).append("](#").append(anchor(n - 1, p)).append(") (")
                    .append(count).append(count == 1 ? " step)\n" : " steps)\n");
        }
        sb.append('\n');
        n = 1;
        for (Part p : PARTS) {
            sb.append("## ").append(n).append(". ").append(p.title()).append("\n\n");
            String partIntro = text("tools/tour/parts/" + p.id() + ".md");
            if (partIntro != null) {
                sb.append(partIntro).append("\n\n");
            }
            for (Step s : steps) {
                if (!p.tags().contains(s.tag())) {
                    continue;
                }
                sb.append("### ").append(s.id()).append(" — ").append(link(s.file(), s.line())).append("\n\n");
                sb.append(quote(s.text())).append("\n\n");
                String live = text("tools/tour/live/" + s.tag() + "-" + String.format("%03d", s.number()) + ".md");
                if (live != null) {
                    sb.append("**Live in the monitor.** ").append(live).append("\n\n");
                }
            }
            n++;
        }
        String outro = text("tools/tour/outro.md");
        if (outro != null) {
            sb.append(outro).append('\n');
        }
        return sb.toString().replaceAll("\n+$", "\n");
    }

    private static String anchor(int n, Part p) {
        String a = (n + ". " + p.title()).toLowerCase().replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
        return a;
    }

    private static String quote(String text) {
        return "> " + text;
    }

    /** docs/exercises.md, as it should read today. */
    public String exercisesMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("<!-- Generated by ").append(COMMAND).append(" from the exercise: comments in src/main/java\n")
                .append("     and tools/tour/exercises-intro.md. Do not edit by hand: TourDocsTest fails when it is stale. -->\n\n");
        String intro = text("tools/tour/exercises-intro.md");
        if (intro != null) {
            sb.append(intro).append("\n\n");
        }
        for (Exercise e : exercises) {
            sb.append("## Exercise ").append(e.number()).append(" — ").append(link(e.file(), e.line())).append("\n\n");
            sb.append(e.text()).append("\n\n");
        }
        return sb.toString().replaceAll("\n+$", "\n");
    }

    /** Words in the tour's steps (the quoted comments only). */
    public int words() {
        int w = 0;
        for (Step s : steps) {
            w += s.text().split("\\s+").length;
        }
        return w;
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Tour tour = new Tour(root);
        for (String p : tour.problems()) {
            System.err.println("warning: " + p);
        }
        Files.writeString(root.resolve("docs/tour.md"), tour.tourMarkdown(), StandardCharsets.UTF_8);
        Files.writeString(root.resolve("docs/exercises.md"), tour.exercisesMarkdown(), StandardCharsets.UTF_8);
        System.out.printf("docs/tour.md: %d steps, %d words; docs/exercises.md: %d exercises%n",
                tour.steps().size(), tour.words(), tour.exercises().size());
    }
}
