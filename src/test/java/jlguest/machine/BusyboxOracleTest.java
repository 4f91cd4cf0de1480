package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/**
 * The guest's busybox against the real CPU: the same static i386 busybox runs a script of
 * compression, hashing, floating-point formatting and big-number arithmetic natively on the host
 * (tools/guest-oracle/regenerate.sh records that) and inside jlguest; the bytes must match. This
 * caught a CPU bug that garbled busybox's own (bzip2-compressed) help texts.
 */
class BusyboxOracleTest {
    @Test
    void guestPrintsWhatTheRealCpuPrints() throws Exception {
        String script = Files.readString(Path.of("src/test/resources/guest/busybox-oracle.sh"));
        String expected = Files.readString(Path.of("src/test/resources/guest/busybox-oracle.expected"));
        String encoded = Base64.getEncoder().encodeToString(script.getBytes(StandardCharsets.UTF_8));
        LinuxBootTest.Run r = LinuxBootTest.boot(64 << 20, "guest-images/vmlinux", false, null,
                "jlguest.run=echo " + encoded + " | base64 -d | sh");
        String console = r.console().replace("\r\n", "\n");
        int start = console.indexOf('\n', console.indexOf("busybox userland on")) + 1;
        int end = console.indexOf("jlguest: run exited");
        assertEquals(expected, console.substring(start, end), console);
        assertEquals(0, r.end().status());
    }
}
