package jlguest.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest's full-screen program leaves the host terminal as it found it (issue 15 item 6): run
 * through a real pseudo-terminal (util-linux's {@code script}), a guest that switches to the
 * alternate screen and powers off leaves a terminal that is switched back afterwards.
 */
class TerminalRestoreTest {
    @Test
    void screenModesAreSwitchedOffAfterTheGuestEnds(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "util-linux script is not installed");
        Path typescript = dir.resolve("typescript");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String launcher = java + " -Xmx512m -cp " + System.getProperty("java.class.path") + " jlguest.cli.Main 64m "
                + "guest-images/vmlinux --initrd=guest-images/initrd.img "
                + "\"jlguest.run=printf '\\\\033[?1049h\\\\033[?25lFULLSCREEN'\"";
        Process p = new ProcessBuilder("script", "-qfec", launcher, typescript.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the guest finished");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("out")));
        String tty = Files.readString(typescript, StandardCharsets.ISO_8859_1);
        int guest = tty.indexOf("FULLSCREEN");
        assertTrue(guest >= 0, "the guest's output went through the pseudo-terminal: " + tty);
        int restored = tty.indexOf(RawTerminal.SANE_MODES, guest);
        assertTrue(restored > guest, "after the guest, the alternate screen is left and the cursor shown again");
    }
}
