package jlguest.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jlguest.boot.TestImages;

/**
 * Issue 17 item 11, as far as it reproduces here: a guest that writes to its console and then
 * spins in REP LODSB (ECX = 2^32 - 1) for ever still gets its words to stdout, because a REP
 * yields after a slice of iterations and the run loop drains between slices. (This passed before
 * the hardening work too: the endless-REP case was not reproduced by this guest.)
 */
class ConsoleDrainTest {
    @TempDir
    Path dir;

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void outputBeforeAnEndlessRepReachesStdout() throws Exception {
        // mov dx,0x3f8; mov al,'!'; out dx,al (x3); mov al,10; out dx,al;
        // spin: mov ecx,-1; rep lodsb; jmp spin
        byte[] code = java.util.HexFormat.of().parseHex("66baf803" + "b021ee".repeat(3) + "b00aee" + "b9ffffffff" + "f3ac" + "ebf7");
        Path kernel = dir.resolve("rep.elf");
        Files.write(kernel, TestImages.elf32(0x100000, new TestImages.Seg(0x100000, code, code.length)));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "jlguest.cli.Main", "16m", kernel.toString())).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            InputStream in = p.getInputStream();
            byte[] got = in.readNBytes(4);   // blocks until the guest's bytes reach the pipe
            assertEquals("!!!\n", new String(got, StandardCharsets.US_ASCII));
            assertTrue(p.isAlive(), "still spinning");
        } finally {
            p.destroy();   // SIGTERM: the shutdown hook drains once more
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
    }
}
