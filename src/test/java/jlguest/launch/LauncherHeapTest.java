package jlguest.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 item 4: the largest guest the README allows, 2047m, boots with the heap the ./lguest
 * script gives it (3/2 of the RAM plus 1 GiB, at least 3 GiB). The script's arithmetic is read off
 * the script itself (run with a stand-in java that prints its arguments), and the heap it chose is
 * then given to a real JVM running jlguest with 2047 MiB of guest RAM.
 */
class LauncherHeapTest {
    @TempDir
    Path dir;

    /** The JVM options ./lguest passes for these arguments, from a copy of the script and a fake java. */
    private List<String> scriptOptions(String... args) throws Exception {
        Path script = dir.resolve("lguest");
        Files.copy(Path.of("lguest"), script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.createDirectories(dir.resolve("target"));
        Files.createDirectories(dir.resolve("src/main"));
        Files.writeString(dir.resolve("pom.xml"), "");
        Files.writeString(dir.resolve("target/jlguest.jar"), "");   // newer than src/main and pom.xml
        Path java = dir.resolve("fake-java");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("JAVA", java.toString());
        pb.environment().put("JLGUEST_CDS", "off");
        pb.environment().remove("JLGUEST_JAVA_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    private static String heapOption(List<String> options) {
        return options.stream().filter(o -> o.startsWith("-Xmx")).findFirst().orElseThrow();
    }

    /** Runs jlguest in a JVM with {@code heap}; returns its exit status and output. */
    private static String boot(String heap, String ram) throws IOException, InterruptedException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), heap,
                "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"), "jlguest.cli.Main",
                ram, "guest-images/hello/hello.elf");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        return p.exitValue() + "\n" + out;
    }

    @Test
    void theScriptSizesTheHeapFromTheGuestsRam() throws Exception {
        assertEquals("-Xmx3072m", heapOption(scriptOptions("64m", "k")));
        assertEquals("-Xmx4094m", heapOption(scriptOptions("2047m", "k")));
        assertEquals("-Xmx4094m", heapOption(scriptOptions("--no-compiler", "2047M", "k")));
    }

    @Test
    void theLargestGuestBootsWithThatHeap() throws Exception {
        String heap = heapOption(scriptOptions("2047m", "guest-images/hello/hello.elf"));
        String ok = boot(heap, "2047m");
        assertTrue(ok.startsWith("0\n") && ok.contains("hello: multiboot magic 0x2badb002, 2095104 KiB")
                && ok.contains("lguest: bye from hello"), ok);
    }
}
