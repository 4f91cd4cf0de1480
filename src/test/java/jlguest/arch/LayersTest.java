package jlguest.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The packages form layers, and every dependency points down.
 *
 * <p>tour:house:010 jlguest reads from the bottom up: the bus and the clocks know nothing of
 * the CPU; the CPU knows the bus; devices and loaders know the bus (and the loaders the CPU's entry
 * state); the machine wires them; the debugger core looks at a machine; the monitor and the gdb
 * stub are two faces of that core; the launcher starts it all, and the command line feeds the
 * launcher. This test reads every main source file and fails when a class names a class of a
 * package on its own level or above it: a cycle can then never form, and a student can read any
 * package knowing only what lies below it. A new package must be given its level here.
 */
class LayersTest {
    /** Level of each package; a package may use only packages of a strictly lower level. */
    static final Map<String, Integer> LEVELS = Map.ofEntries(
            Map.entry("bus", 0), Map.entry("console", 0), Map.entry("cpu.fpu", 0),
            Map.entry("debug.symbols", 0), Map.entry("state", 0),
            Map.entry("cpu.simd", 1), Map.entry("time", 1),
            Map.entry("cpu", 2),
            Map.entry("cpu.jit", 3), Map.entry("boot", 3), Map.entry("hypercall", 3), Map.entry("devices.legacy", 3),
            Map.entry("devices.virtio", 3), Map.entry("debug.disasm", 3),
            Map.entry("devices.virtio.blk", 4), Map.entry("devices.virtio.net", 4),
            Map.entry("devices.virtio.console", 4),
            Map.entry("usernet", 5),
            Map.entry("machine", 6),
            Map.entry("debug", 7), Map.entry("snapshot", 7),
            Map.entry("monitor", 8), Map.entry("gdb", 8),
            Map.entry("launch", 9),
            Map.entry("cli", 10));

    private static final Path MAIN = Path.of("src/main/java/jlguest");
    private static final Pattern USE = Pattern.compile("\\bjlguest\\.((?:[a-z][a-z0-9]*\\.)*)[A-Z]");
    private static final Pattern COMMENTS_AND_STRINGS =
            Pattern.compile("//[^\\n]*|/\\*[\\s\\S]*?\\*/|\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])'");

    /** package -> the jlguest packages its code names (imports and qualified names alike). */
    static Map<String, TreeSet<String>> dependencies() throws IOException {
        Map<String, TreeSet<String>> deps = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(MAIN)) {
            files = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        for (Path f : files) {
            String pkg = MAIN.relativize(f.getParent()).toString().replace('/', '.');
            String code = COMMENTS_AND_STRINGS.matcher(Files.readString(f)).replaceAll(" ");
            TreeSet<String> used = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
            Matcher m = USE.matcher(code);
            while (m.find()) {
                String target = m.group(1).isEmpty() ? "" : m.group(1).substring(0, m.group(1).length() - 1);
                if (!target.equals(pkg) && !target.isEmpty()) {
                    used.add(target);
                }
            }
        }
        return deps;
    }

    @Test
    void everyPackageHasALevel() throws IOException {
        TreeSet<String> missing = new TreeSet<>(dependencies().keySet());
        missing.removeAll(LEVELS.keySet());
        assertEquals(new TreeSet<>(), missing, "give these packages a level in LayersTest.LEVELS");
    }

    @Test
    void dependenciesPointDown() throws IOException {
        List<String> upward = new ArrayList<>();
        for (var e : dependencies().entrySet()) {
            Integer from = LEVELS.get(e.getKey());
            for (String to : e.getValue()) {
                Integer level = LEVELS.get(to);
                if (from == null || level == null || level >= from) {
                    upward.add(e.getKey() + " -> " + to);
                }
            }
        }
        assertEquals(List.of(), upward, "dependencies that do not point to a lower layer");
    }

    @Test
    void theCheckSeesQualifiedNamesAndImports() {
        String code = COMMENTS_AND_STRINGS.matcher(
                "import jlguest.bus.Ram; // jlguest.cli.Main\n x = new jlguest.machine.Machine(); s = \"jlguest.gdb.GdbStub\";")
                .replaceAll(" ");
        List<String> found = new ArrayList<>();
        Matcher m = USE.matcher(code);
        while (m.find()) {
            found.add(m.group(1));
        }
        assertEquals(List.of("bus.", "machine."), found);
        assertTrue(LEVELS.get("cpu") < LEVELS.get("machine"));
    }
}
