package jlguest.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jlguest.cli.Main;
import jlguest.debug.symbols.Symbols;
import org.junit.jupiter.api.Test;

/**
 * The gdb stub with a real gdb (Debian's gdb package): attach to the bundled kernel started with
 * -S, break at start_kernel, continue, look, step, kill.
 */
class GdbStubTest {
    private static final Path GDB = Path.of("/usr/bin/gdb");

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void realGdbStopsTheKernelAtStartKernelAndSteps() throws Exception {
        assumeTrue(Files.isExecutable(GDB), "/usr/bin/gdb is not installed (apt-get install gdb): real-gdb test skipped");
        int port = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process guest = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "jlguest.cli.Main", "-S", "--gdb=tcp:127.0.0.1:" + port, "64m", "guest-images/vmlinux",
                "--initrd=guest-images/initrd.img")
                .redirectInput(new File("/dev/null")).redirectErrorStream(true).start();
        try {
            waitForListening(guest);
            Path script = Files.createTempFile("jlguest-gdb", ".gdb");
            Files.write(script, List.of("set pagination off", "set confirm off",
                    "target remote 127.0.0.1:" + port, "break start_kernel", "continue", "p/x $eip", "x/4i $eip",
                    "stepi", "p/x $eip", "info registers", "info registers xmm0", "p $mxcsr", "kill"));
            Process gdb = new ProcessBuilder(GDB.toString(), "-nx", "-q", "-batch", "-x", script.toString(),
                    "guest-images/vmlinux").redirectErrorStream(true).start();
            String out = new String(gdb.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(gdb.waitFor(120, TimeUnit.SECONDS), out);
            long start = Symbols.fromElf(Files.readAllBytes(Path.of("guest-images/vmlinux"))).lookup("start_kernel");
            assertTrue(out.contains("Breakpoint 1, 0x" + Long.toHexString(start) + " in start_kernel"), out);
            assertTrue(out.contains("$1 = 0x" + Long.toHexString(start)), out);
            assertTrue(out.contains("=> 0x" + Long.toHexString(start) + " <start_kernel>:"), out);
            assertTrue(out.matches("(?s).*\\$2 = 0x" + Long.toHexString(start + 1) + "\\b.*"), "stepi moves one instruction:\n" + out);
            assertTrue(out.matches("(?s).*eflags\\s+0x[0-9a-f]+\\s+\\[.*\\].*"), out);
            assertTrue(out.matches("(?s).*cs\\s+0x60.*"), out);
            // the sse feature: XMM registers as gdb's vec128 union, MXCSR with its flags (reset value)
            assertTrue(out.matches("(?s).*xmm0\\s+\\{v4_float = \\{0x0, 0x0, 0x0, 0x0}.*uint128 = 0x0}.*"), out);
            assertTrue(out.contains("[ IM DM ZM OM UM PM ]"), out);
            assertTrue(guest.waitFor(30, TimeUnit.SECONDS), "kill ends jlguest");
        } finally {
            guest.destroyForcibly();
        }
    }

    static void waitForListening(Process guest) throws IOException {
        StringBuilder seen = new StringBuilder();
        int c;
        while ((c = guest.getInputStream().read()) >= 0) {
            seen.append((char) c);
            if (seen.toString().contains("gdb stub listening")) {
                return;
            }
        }
        throw new AssertionError("jlguest ended before listening:\n" + seen);
    }

    @Test
    void aBusyPortIsOneLineAndStatus2() throws Exception {
        try (ServerSocket busy = new ServerSocket(0)) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Main.run(new String[] {"--gdb=tcp:127.0.0.1:" + busy.getLocalPort(), "64m",
                "guest-images/vmlinux"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true));
            String e = err.toString(StandardCharsets.UTF_8);
            assertEquals(2, status, e);
            assertEquals(1, e.lines().count(), e);
            assertTrue(e.startsWith("lguest: cannot listen for gdb on 127.0.0.1:" + busy.getLocalPort()), e);
        }
    }
}
