package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Linux kernel finds the same files in an initramfs the launcher unpacked as in one it unpacks
 * itself: the bundled gzip initrd, then a second gzip-packed archive, then a plain one (the
 * layouts init/initramfs.c accepts), booted both ways; the host-unpacked boot runs fewer guest
 * instructions, since the kernel's inflate never runs.
 */
class InitrdUnpackingBootTest {
    @Test
    void theGuestSeesTheSameFilesWhoeverUnpacksTheInitrd(@TempDir Path dir) throws Exception {
        Path packed = new InitramfsLayer().file("packed-layer", "from the gzip layer\n".getBytes(StandardCharsets.US_ASCII))
                .appendTo(Path.of("guest-images/initrd.img"), dir.resolve("one.img"), true);
        Path initrd = new InitramfsLayer().file("plain-layer", "from the plain layer\n".getBytes(StandardCharsets.US_ASCII))
                .appendTo(packed, dir.resolve("two.img"), false);
        String script = "jlguest.run=echo =$((6*7))=; cat /packed-layer /plain-layer; ls /bin | wc -l; echo =$((7*7))=";
        var host = BzImageDecompressionBootTest.boot("guest-images/bzImage", initrd, 64 << 20, false, script);
        var guest = BzImageDecompressionBootTest.boot("guest-images/bzImage", initrd, 64 << 20, true, script);
        assertEquals(0, host.end().status(), host.console());
        assertEquals(0, guest.end().status(), guest.console());
        assertTrue(host.commandOutput().startsWith("from the gzip layer\nfrom the plain layer\n"), host.console());
        assertEquals(guest.commandOutput(), host.commandOutput(), "the same files either way");
        assertTrue(host.console().contains("Freeing initrd memory"), host.console());
        assertTrue(host.instructions() < guest.instructions(), String.format(
                "the kernel inflated nothing: %,d instructions with the initrd unpacked on the host, %,d without",
                host.instructions(), guest.instructions()));
    }
}
