package jlguest.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The launcher's option syntax: a table of options and a parser for it, in the GNU style that
 * lguest, QEMU and every Unix tool share. {@code --name=value} or {@code --name value}; flags
 * alone; {@code --no-name} for a negatable flag; short single-letter names; options anywhere among
 * the words; {@code --} ends the options. An option given twice is an error unless it is
 * repeatable; a mistyped one gets the nearest real names.
 *
 * <p>tour:launcher:011 Why our own: picocli built its model of these options by reflection on
 * every start, 150-230 ms of a bundled boot that QEMU finishes in 800 ms, and most of it went into
 * things we never use (type converters for java.time, subcommand discovery). A table of twenty
 * options and a loop over the arguments does the same work in well under a millisecond.
 */
final class Options {
    /** What an option does with the value it is given ("true" or "false" for a flag). */
    interface Setter {
        void set(String value) throws UsageException;
    }

    /**
     * One option.
     *
     * @param names       its names, the short one first when it has one ("-h", "--help")
     * @param label       the value's placeholder in the help ("FILE"), or null for a flag
     * @param repeatable  may be given more than once (each value is handed to the setter)
     * @param negatable   a flag that also has a "--no-" form
     * @param help        its description, one paragraph per element
     */
    record Option(List<String> names, String label, boolean repeatable, boolean negatable, List<String> help,
                  Setter setter) {
        boolean flag() {
            return label == null;
        }

        String longName() {
            return names.get(names.size() - 1);
        }
    }

    private final Map<String, Option> byName = new LinkedHashMap<>();
    private final List<Option> options = new ArrayList<>();

    /** Adds an option that takes a value. */
    Options value(String name, String label, Setter setter, String... help) {
        return add(new Option(List.of(name), label, false, false, List.of(help), setter));
    }

    /** Adds an option that takes a value and may be given many times. */
    Options repeatable(String name, String label, Setter setter, String... help) {
        return add(new Option(List.of(name), label, true, false, List.of(help), setter));
    }

    /** Adds a flag; its setter gets "true". */
    Options flag(List<String> names, Setter setter, String... help) {
        return add(new Option(names, null, false, false, List.of(help), setter));
    }

    /** Adds a flag with a "--no-" form; its setter gets "true" or "false". */
    Options negatable(String name, Setter setter, String... help) {
        return add(new Option(List.of(name), null, false, true, List.of(help), setter));
    }

    private Options add(Option o) {
        options.add(o);
        for (String n : o.names()) {
            byName.put(n, o);
        }
        return this;
    }

    /**
     * Hands every option in {@code args} to its setter and returns the other words, in order.
     *
     * @throws UsageException for an unknown option, a missing or unexpected value, or an option given twice
     */
    List<String> parse(String[] args) throws UsageException {
        List<String> words = new ArrayList<>();
        List<Option> seen = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                words.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            int eq = arg.startsWith("--") ? arg.indexOf('=') : -1;
            String name = eq < 0 ? arg : arg.substring(0, eq);
            String value = eq < 0 ? null : arg.substring(eq + 1);
            Option o = byName.get(name);
            boolean negated = false;
            if (o == null && name.startsWith("--no-")) {
                Option positive = byName.get("--" + name.substring(5));
                if (positive != null && positive.negatable()) {
                    o = positive;
                    negated = true;
                }
            }
            if (o == null) {
                throw new UsageException("Unknown option: '" + arg + "'" + didYouMean(name));
            }
            if (o.flag()) {
                if (value != null) {
                    throw new UsageException("option '" + name + "' takes no value (got '" + value + "')");
                }
                value = negated ? "false" : "true";
            } else if (value == null) {
                if (i + 1 == args.length) {
                    throw new UsageException("Missing required parameter for option '" + name + "' (" + o.label() + ")");
                }
                value = args[++i];
            }
            if (!o.repeatable()) {
                if (seen.contains(o)) {
                    throw new UsageException("option '" + o.longName() + "' should be specified only once");
                }
                seen.add(o);
            }
            o.setter().set(value);
        }
        return words;
    }

    /** " (did you mean --block?)" for "--blok": names within two edits, or that the typed one abbreviates. */
    private String didYouMean(String typed) {
        List<String> near = new ArrayList<>();
        for (String n : byName.keySet()) {
            if (near.size() < 3 && (distance(typed, n) <= 2 || (typed.length() > 3 && n.startsWith(typed)))) {
                near.add(n);
            }
        }
        return near.isEmpty() ? "" : " (did you mean " + String.join(" or ", near) + "?)";
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            row[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int above = row[j];
                row[j] = Math.min(Math.min(row[j] + 1, row[j - 1] + 1), diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.length()];
    }

    /**
     * The options' part of --help: names in a column ("  -h, --help", "      --initrd=FILE"), then
     * each paragraph of the description wrapped at {@code width}, its continuation lines indented
     * by two.
     */
    void printHelp(PrintStream out, int width) {
        int column = 28;
        String pad = " ".repeat(column);
        for (Option o : options) {
            StringBuilder names = new StringBuilder();
            String first = o.names().get(0);
            boolean hasShort = first.length() == 2;
            names.append(hasShort ? "  " + first + (o.names().size() > 1 ? ", " : "") : "      ");
            if (!hasShort || o.names().size() > 1) {
                String longName = o.longName();
                names.append(o.negatable() ? "--[no-]" + longName.substring(2) : longName);
            }
            if (!o.flag()) {
                names.append('=').append(o.label());
            }
            String lead;
            if (names.length() + 2 > column) {   // a long label: the description starts on the next line
                out.println(names);
                lead = pad;
            } else {
                lead = String.format("%-" + column + "s", names);
            }
            for (String paragraph : o.help()) {
                boolean firstLine = true;
                for (String line : wrap(paragraph, Math.max(20, width - column - 2))) {
                    out.println((firstLine ? lead : pad + "  ") + line);
                    lead = pad;
                    firstLine = false;
                }
            }
        }
    }

    /** {@code text} in lines of at most {@code width} characters, broken at spaces; leading spaces stay. */
    private static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        int lead = 0;
        while (lead < text.length() && text.charAt(lead) == ' ') {
            lead++;
        }
        StringBuilder line = new StringBuilder(text.substring(0, lead));
        int empty = lead;
        for (String word : text.substring(lead).split(" ")) {
            if (line.length() > empty && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
                empty = 0;
            }
            if (line.length() > empty) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add(line.toString());
        return lines;
    }
}
