package jlguest.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 items 4 and 10: a reboot allocates (almost) nothing. The RAM array is cleared and
 * reused, the CPU's TLB, decoded-block cache and page generations pass from one CPU to the next,
 * the port table is cleared and rewired, and the kernel and initrd are read once per process.
 * Before, a reboot of a 96 MiB guest allocated 4.9 MB (the TLB alone is 4 MiB; a Linux guest
 * also read its kernel and initrd again), and a guest rebooting in a loop churned the heap.
 */
class RebootHeapTest {
    /** What one reboot may allocate on the CPU thread: the machine's small objects, not its tables. */
    private static final long BOUND = 256 << 10;

    @TempDir
    Path dir;

    @Test
    void aRebootLoopAllocatesAlmostNothingPerReboot() throws Exception {
        // 96 MiB of guest RAM in a heap of 160 MiB: a second RAM array could not fit either.
        List<String> out = runChild(List.of("-Xmx160m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                RebootLoop.class.getName(), dir.toString(), "96", "50", "400"), null, 0);
        String said = String.join("\n", tail(out));
        Matcher m = Pattern.compile("allocated (\\d+) bytes per reboot").matcher(said);
        assertTrue(m.find(), said);
        long perReboot = Long.parseLong(m.group(1));
        assertTrue(perReboot < BOUND, perReboot + " bytes per reboot\n" + said);
        assertFalse(said.contains("OutOfMemoryError") || said.contains("not enough Java heap"), said);
    }

    /**
     * The reused caches must hold nothing of the machine before: the bundled Linux reboots three
     * times ({@code reboot -f} from its shell) and every boot gets as far as the shell again.
     */
    @Test
    void linuxRebootsAndReachesItsShellEachTime() throws Exception {
        // The shell prints "shell-42"; the kernel's echo of its command line shows only the recipe.
        List<String> out = runChild(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), "jlguest.cli.Main",
                "64m", "guest-images/vmlinux", "--initrd=guest-images/initrd.img",
                "jlguest.run=echo shell-$((6*7)); reboot -f"), "shell-42", 4);
        List<String> events = new ArrayList<>();
        for (String line : out) {
            if (line.contains("shell-42")) {
                events.add("shell");
            } else if (line.contains("lguest: rebooting")) {
                events.add("reboot");
            }
        }
        assertEquals(List.of("shell", "reboot", "shell", "reboot", "shell", "reboot", "shell"), events,
                String.join("\n", tail(out)));
    }

    /**
     * Runs a child JVM and collects its output lines until it ends, or (when {@code marker} is not
     * null) until {@code count} lines held the marker; then ends it.
     */
    private static List<String> runChild(List<String> args, String marker, int count) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        // A guard against a hang (a guest that never gets there): not a measure of speed.
        Thread guard = new Thread(() -> {
            try {
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }, "reboot-test-guard");
        guard.setDaemon(true);
        guard.start();
        List<String> lines = new ArrayList<>();
        int seen = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
                if (marker != null && line.contains(marker) && ++seen == count) {
                    break;
                }
            }
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        return lines;
    }

    private static List<String> tail(List<String> lines) {
        return lines.subList(Math.max(0, lines.size() - 40), lines.size());
    }
}
