package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real SSE2 software in the booted guest against the real CPU (issue 13). Both programs are built
 * here on the host from guest-images/src, reach the guest as a second initramfs layer appended to
 * the bundled initrd, and must print what the host's CPU prints:
 * <ul>
 * <li>sse2test.c, compiled by gcc for i386 with {@code -msse2 -mfpmath=sse -O2 -ftree-vectorize}:
 *     scalar and packed float/double, conversions, vectorized loops, 128-bit integer and MMX
 *     intrinsics, every MXCSR mode with the flags raised. The oracle is the same binary run on the
 *     host when the host runs i386 code, else the same source built for x86-64 (the program prints
 *     nothing that depends on the ABI, only on the SSE2 arithmetic both share).</li>
 * <li>gotest.go, built with GOARCH=386 twice (GO386=sse2, the default, and GO386=softfloat, which
 *     still needs MMX): the Go runtime with its scheduler, GC and goroutines, maps, sort, strconv,
 *     math/big, sha256. The oracle is the same source built for the host.</li>
 * </ul>
 * Each test skips, saying why, without gcc's 32-bit support (gcc-multilib) or without go
 * (golang-go); .ci/run installs both.
 */
class SimdGuestTest {
    private static final Path SOURCES = Path.of("guest-images/src").toAbsolutePath();
    private static final Map<String, String> NO_ENV = Map.of();
    /** The C program's output sections, by the first word of their lines. */
    private static final List<String> SECTIONS = List.of("d", "s", "c", "v", "i", "p", "m", "x", "end");

    @Test
    void sse2CProgramPrintsWhatTheRealCpuPrints(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("probe.c"), "int main(void) { return 0; }\n");
        assumeTrue(HostBuild.works(dir, NO_ENV, List.of("gcc", "-m32", "-static", "-o", "probe", "probe.c")),
                "gcc cannot build static i386 programs (install gcc-multilib): SSE2 guest program skipped");
        String source = SOURCES.resolve("sse2test.c").toString();
        HostBuild.check(dir, NO_ENV, List.of("gcc", "-m32", "-static", "-msse2", "-mfpmath=sse", "-O2",
                "-ftree-vectorize", "-o", "sse2test", source));
        String expected = hostOutput(dir, "sse2test", List.of("gcc", "-O2", "-msse2", "-ftree-vectorize",
                "-o", "sse2test-host", source), "sse2test-host");

        Path initrd = new InitramfsLayer().executable("sse2test", Files.readAllBytes(dir.resolve("sse2test")))
                .appendTo(Path.of("guest-images/initrd.img"), dir.resolve("initrd.img"));
        StringBuilder script = new StringBuilder("time /sse2test > /o; echo status=$?");
        for (String s : SECTIONS) {
            script.append("; echo sect-").append(s).append(" $(grep '^").append(s)
                    .append(" ' /o | md5sum | cut -c1-32) $(grep -c '^").append(s).append(" ' /o)");
        }
        String console = boot(initrd, script.toString());
        assertTrue(console.contains("status=0"), console);
        System.out.println("SimdGuestTest: sse2test run time in the guest:" + runTimes(console));
        for (String s : SECTIONS) {
            List<String> lines = expected.lines().filter(l -> l.startsWith(s + " ")).toList();
            String want = "sect-" + s + " " + md5(lines) + " " + lines.size();
            assertTrue(lines.size() > 0, "the oracle printed no '" + s + "' lines");
            assertTrue(console.contains(want), "section '" + s + "' differs from the real CPU's (want " + want
                    + "; compare the guest's /o with the host's output line by line):\n" + console);
        }
    }

    @Test
    void goProgramsForGoarch386RunAndPrintWhatTheHostPrints(@TempDir Path dir) throws Exception {
        Map<String, String> go = Map.of("CGO_ENABLED", "0", "GOCACHE", dir.resolve("gocache").toString(),
                "GOFLAGS", "-trimpath", "GO111MODULE", "off");
        assumeTrue(HostBuild.works(dir, go, List.of("go", "version")),
                "no go on this host (install golang-go): Go guest program skipped");
        String source = SOURCES.resolve("gotest.go").toString();
        HostBuild.check(dir, with(go, "GOARCH", "386"), List.of("go", "build", "-o", "gotest", source));
        HostBuild.check(dir, with(with(go, "GOARCH", "386"), "GO386", "softfloat"),
                List.of("go", "build", "-o", "gotest-softfloat", source));
        String expected = hostOutput(dir, "gotest", List.of("go", "build", "-o", "gotest-host", source), "gotest-host",
                go);
        String goarch = expected.lines().findFirst().orElse("");
        expected = expected.replace(goarch, goarch.replaceFirst("^go \\w+ ", "go 386 "));

        Path initrd = new InitramfsLayer()
                .executable("gotest", Files.readAllBytes(dir.resolve("gotest")))
                .executable("gotest-softfloat", Files.readAllBytes(dir.resolve("gotest-softfloat")))
                .appendTo(Path.of("guest-images/initrd.img"), dir.resolve("initrd.img"));
        String console = boot(initrd, "time /gotest > /g1; echo sse2-status=$?; time /gotest-softfloat > /g2; "
                + "echo softfloat-status=$?; echo ==sse2; cat /g1; echo ==softfloat; cat /g2; echo ==done");
        assertTrue(console.contains("sse2-status=0"), console);
        assertTrue(console.contains("softfloat-status=0"), console);
        String sse2 = between(console, "==sse2\n", "==softfloat\n");
        String softfloat = between(console, "==softfloat\n", "==done\n");
        assertEquals(expected, sse2, "GO386=sse2 in the guest vs the host");
        assertEquals(expected, softfloat, "GO386=softfloat in the guest vs the host");
        System.out.println("SimdGuestTest: gotest run time in the guest (sse2, softfloat):" + runTimes(console));
    }

    /** What busybox's {@code time} printed, in order ("real 0m 1.23s"): for the log, never asserted. */
    private static String runTimes(String console) {
        Matcher m = Pattern.compile("real\\s+(\\d+m ?[\\d.]+s)").matcher(console);
        StringBuilder times = new StringBuilder();
        while (m.find()) {
            times.append(' ').append(m.group(1));
        }
        return times.toString();
    }

    /**
     * The oracle's output: {@code program} (built for i386) run on the host if the host runs i386
     * code; otherwise {@code hostBuild} is run and then {@code hostProgram}.
     */
    private static String hostOutput(Path dir, String program, List<String> hostBuild, String hostProgram,
                                     Map<String, String> env) throws IOException, InterruptedException {
        try {
            HostBuild.Result native32 = HostBuild.run(dir, NO_ENV, List.of(dir.resolve(program).toString()));
            if (native32.status() == 0) {
                return native32.out();
            }
        } catch (IOException e) {
            // "Exec format error": a 64-bit kernel without IA-32 emulation; fall through to the host build
        }
        HostBuild.check(dir, env, hostBuild);
        return HostBuild.check(dir, NO_ENV, List.of(dir.resolve(hostProgram).toString()));
    }

    private static String hostOutput(Path dir, String program, List<String> hostBuild, String hostProgram)
            throws IOException, InterruptedException {
        return hostOutput(dir, program, hostBuild, hostProgram, NO_ENV);
    }

    private static Map<String, String> with(Map<String, String> env, String key, String value) {
        java.util.HashMap<String, String> m = new java.util.HashMap<>(env);
        m.put(key, value);
        return m;
    }

    static String boot(Path initrd, String script) throws Exception {
        return boot(initrd, script, 128 << 20);
    }

    /** Boots the bundled kernel with {@code initrd} and {@code ram} bytes, runs {@code script}, returns the console. */
    static String boot(Path initrd, String script, long ram) throws Exception {
        MachineConfig config = new MachineConfig(ram, Path.of("guest-images/vmlinux"), initrd, List.of(),
                List.of(), true, false, false, List.of("jlguest.run=" + script));
        return LinuxBootTest.boot(config, null).console().replace("\r\n", "\n");
    }

    private static String between(String s, String from, String to) {
        int a = s.indexOf(from);
        int b = s.indexOf(to, a + 1);
        assertTrue(a >= 0 && b > a, "missing " + from.strip() + " ... " + to.strip() + " in:\n" + s);
        return s.substring(a + from.length(), b);
    }

    private static String md5(List<String> lines) throws NoSuchAlgorithmException {
        StringBuilder text = new StringBuilder();
        for (String l : lines) {
            text.append(l).append('\n');
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
