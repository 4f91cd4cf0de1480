package jlguest.launch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's promise for a pipe on stdin: its bytes reach the guest as fast as the guest reads them,
 * none lost, even when they are all written before the kernel has booted. With the virtio console
 * as the guest's console this once failed: Linux's driver drops input that arrives while it is
 * still setting hvc0 up, so the device now holds keys until the guest has written to the console.
 */
class PipedInputTest {
    @TempDir
    Path dir;

    @Test
    void commandsPipedBeforeBootReachTheShell() throws Exception {
        Path log = dir.resolve("console.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "jlguest.cli.Main", "64m", "guest-images/vmlinux", "--initrd=guest-images/initrd.img"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (OutputStream in = p.getOutputStream()) {
            // All of it at once, long before the shell exists; $((6*7)) shows the shell ran it.
            in.write("echo piped-$((6*7))\npoweroff\n".getBytes(StandardCharsets.US_ASCII));
        }
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor();
        }
        String out = Files.readString(log, StandardCharsets.ISO_8859_1);
        assertTrue(out.contains("piped-42"), out);
        assertTrue(ended, "the piped poweroff ended the run");
    }
}
