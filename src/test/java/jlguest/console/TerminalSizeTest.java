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
 * The guest knows the size of the user's terminal, at boot and after a resize (issue 15 item 7):
 * through a real pseudo-terminal (util-linux's {@code script}) set to 111 x 37, the launcher boots
 * the bundled guest with its default console, the virtio console; the guest's {@code stty size}
 * prints 37 111. Then the terminal becomes 99 x 41 (which sends SIGWINCH to the launcher, as a
 * window manager's resize does) and the guest sees 41 99.
 */
class TerminalSizeTest {
    @Test
    void theGuestSeesTheTerminalsSizeAndItsChanges(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "util-linux script is not installed");
        Path typescript = dir.resolve("typescript");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String guest = "jlguest.run=stty size; echo ask-$((0+1))-resize; "
                + "while stty size | grep -q '37 111'; do sleep 0.2; done; echo now $(stty size)";
        String launcher = java + " -Xmx512m -cp " + System.getProperty("java.class.path") + " jlguest.cli.Main 64m "
                + "guest-images/vmlinux --initrd=guest-images/initrd.img \"" + guest.replace("$", "\\$") + "\"";
        // The kernel prints its command line at boot, and script its own in the typescript: the
        // words are spelled so that what the shell waits for appears only when the guest runs them.
        // The launcher runs in the background of script's shell (so that the shell can resize the
        // terminal when the guest asks), with the terminal as its stdin all the same.
        String shell = "stty rows 37 cols 111; " + launcher + " < /dev/tty & pid=$!; "
                + "until grep -q ask-1-resiz[e] " + typescript + " 2>/dev/null; do sleep 0.2; done; "
                + "stty rows 41 cols 99; wait $pid";
        Process p = new ProcessBuilder("script", "-qfec", shell, typescript.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the guest finished");
        String tty = Files.readString(typescript, StandardCharsets.ISO_8859_1);
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("out")) + tty);
        assertTrue(tty.contains("37 111\r\nask-1-resize"), "the size at boot: " + tty);
        assertTrue(tty.contains("now 41 99"), "the size after the resize: " + tty);
    }
}
