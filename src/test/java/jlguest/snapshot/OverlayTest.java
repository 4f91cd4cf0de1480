package jlguest.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import jlguest.devices.virtio.blk.VirtioBlk;
import jlguest.machine.Disks;
import jlguest.machine.MachineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --block=FILE,snapshot}: the guest writes to an overlay that vanishes, the image's sha256
 * never changes, and a machine snapshot carries the overlay.
 */
class OverlayTest {
    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void theGuestWritesAnOverlayTheImageNeverChangesAndASnapshotCarriesIt(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("root.ext2");
        Files.copy(Path.of("guest-images/rootfs.ext2"), disk);
        String image = sha256(disk);
        // drop_caches makes the guest read the file back from the disk, not from its page cache.
        MachineConfig config = new MachineConfig(64 << 20, Path.of("guest-images/vmlinux"), null,
                Disks.of(List.of(disk + ",snapshot")), List.of(), true, false, true, List.of("root=/dev/vda",
                "jlguest.run=echo kept-$((40+2)) > /kept.txt; sync; echo 3 > /proc/sys/vm/drop_caches; cat /kept.txt"));
        RoundTripTest.Run written = RoundTripTest.run(config, null, new long[0],
                m -> ((VirtioBlk) m.virtio().device(0)).image().overlaySectors() > 0, dir);
        assertTrue(written.console().contains("\nkept-42"), written.console());
        assertEquals(0, written.end().status(), written.console());
        assertEquals(image, sha256(disk), "the image is as it was");

        Path snap = written.saved().get(0);
        assertTrue(SnapshotFile.info(snap).disks().get(0).overlay());
        RoundTripTest.Run resumed = RoundTripTest.run(config, snap, new long[0], dir);
        assertEquals(written.console(), written.console().substring(0, written.consoleAt().get(0)) + resumed.console());
        assertEquals(image, sha256(disk), "the image is as it was");

        RoundTripTest.Run fresh = RoundTripTest.run(new MachineConfig(64 << 20, Path.of("guest-images/vmlinux"), null,
                Disks.of(List.of(disk + ",ro")), List.of(), true, false, true,
                List.of("root=/dev/vda", "jlguest.run=cat /kept.txt")), null, new long[0], dir);
        assertTrue(fresh.console().contains("can't open '/kept.txt'"), "the overlay vanished: " + fresh.console());
    }
}
