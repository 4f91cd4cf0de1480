package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Go's own test suites for standard packages, built for GOARCH=386 ({@code go test -c}) and run
 * in the booted guest with {@code -test.short}: thousands of checks of exact results written by
 * people who were not thinking of jlguest. math, strconv, bytes, strings, sort, fmt, encoding/json,
 * sha256, crc32, utf8 and sync/atomic with GO386=sse2 (bytes and strings search with SSE2, atomics
 * move 64 bits through MMX/SSE registers), math and strconv again with GO386=softfloat. Each must
 * print PASS. Tagged long: about ten minutes here (strconv alone is most of one); math/big passes
 * too but takes five more. Skips without go.
 */
@Tag("long")
class GoStdlibGuestTest {
    private static final List<String> PACKAGES = List.of("math", "strconv", "bytes", "strings", "sort", "fmt",
            "encoding/json", "crypto/sha256", "hash/crc32", "unicode/utf8", "sync/atomic", "math/bits");
    private static final List<String> SOFTFLOAT = List.of("math", "strconv");

    @Test
    void goStandardLibraryTestsPassInTheGuest(@TempDir Path dir) throws Exception {
        Map<String, String> go = new HashMap<>(Map.of("CGO_ENABLED", "0", "GOARCH", "386",
                "GOCACHE", dir.resolve("gocache").toString(), "GO111MODULE", "off"));
        assumeTrue(HostBuild.works(dir, go, List.of("go", "version")),
                "no go on this host (install golang-go): Go standard-library tests skipped");
        Path goroot = Path.of(HostBuild.check(dir, go, List.of("go", "env", "GOROOT")).strip());
        InitramfsLayer layer = new InitramfsLayer().directory("t");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < PACKAGES.size() + SOFTFLOAT.size(); i++) {
            boolean soft = i >= PACKAGES.size();
            String pkg = soft ? SOFTFLOAT.get(i - PACKAGES.size()) : PACKAGES.get(i);
            String name = pkg.replace('/', '_') + (soft ? "_softfloat" : "");
            Map<String, String> env = new HashMap<>(go);
            env.put("GO386", soft ? "softfloat" : "sse2");
            HostBuild.check(dir, env, List.of("go", "test", "-c", "-o", name + ".test", pkg));
            Path testdata = goroot.resolve("src").resolve(pkg).resolve("testdata");
            if (Files.isDirectory(testdata)) {
                layer.directory("t/" + name).tree("t/" + name + "/testdata", testdata);
            } else {
                layer.directory("t/" + name);
            }
            layer.executable("t/" + name + "/test", Files.readAllBytes(dir.resolve(name + ".test")));
            names.add(name);
        }
        // The script is a file in the layer: a kernel command line cannot carry double quotes.
        String script = "#!/bin/sh\nfor n in " + String.join(" ", names) + "; do\n"
                + "  cd /t/$n; ./test -test.short > /tmp/out 2>&1; echo \"== $n status=$?\"\n"
                + "  grep -E '^(--- FAIL|FAIL|PASS)|panic|fatal error' /tmp/out | head -20\n"
                + "done\n";
        layer.executable("t/run.sh", script.getBytes(StandardCharsets.US_ASCII));
        Path initrd = layer.appendTo(Path.of("guest-images/initrd.img"), dir.resolve("initrd.img"));
        String console = SimdGuestTest.boot(initrd, "/t/run.sh", 512 << 20);
        List<String> failed = new ArrayList<>();
        for (String n : names) {
            if (!console.contains("== " + n + " status=0\nPASS\n")) {
                failed.add(n);
            }
        }
        assertEquals(List.of(), failed, console);
    }
}
