package jlguest.devices.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jlguest.devices.virtio.DeviceSpecException;

/** Our image lock and QEMU's keep each other out (docs/virtio.md). Skipped without QEMU. */
class QemuLockTest {
    @TempDir
    Path dir;

    private static ProcessBuilder qemu(Path image) {
        return new ProcessBuilder("qemu-system-i386", "-M", "microvm", "-S", "-display", "none", "-monitor", "stdio",
                "-drive", "file=" + image + ",format=raw,if=none,id=d0", "-device", "virtio-blk-device,drive=d0")
                .redirectErrorStream(true);
    }

    @Test
    @SuppressWarnings("try")   // the resource is held, not used: it keeps the image locked
    void qemuAndJlguestExcludeEachOther() throws Exception {
        boolean present = List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).stream()
                .anyMatch(d -> Files.isExecutable(Path.of(d, "qemu-system-i386")));
        Assumptions.assumeTrue(present, "needs qemu-system-i386");
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[1 << 16]);

        try (BlockImage ours = BlockImage.open(image, false)) {
            Process p = qemu(image).start();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "QEMU should refuse and exit");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(out.contains("lock"), out);
        }

        Process p = qemu(image).start();
        try {
            // The monitor's first prompt comes after QEMU opened (and locked) its drives.
            StringBuilder seen = new StringBuilder();
            var in = p.getInputStream();
            int c;
            while (seen.indexOf("(qemu)") < 0 && (c = in.read()) >= 0) {
                seen.append((char) c);
            }
            assertTrue(seen.indexOf("(qemu)") >= 0, seen.toString());
            String m = assertThrows(DeviceSpecException.class, () -> BlockImage.open(image, false)).getMessage();
            assertTrue(m.contains("in use by another program"), m);
        } finally {
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
