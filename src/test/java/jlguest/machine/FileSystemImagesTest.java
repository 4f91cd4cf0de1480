package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled kernel mounts the disk images users commonly have (issue 15 item 5): a file system
 * made by the host's own {@code mkfs.ext4} (with e2fsprogs' default features: extents, 64bit,
 * metadata_csum, a journal), a FAT one from {@code mkfs.vfat} with a long file name, and a
 * squashfs. Each test skips, saying why, when the host lacks the tool (e2fsprogs, dosfstools and
 * mtools, squashfs-tools, genisoimage: .ci/run installs them).
 */
class FileSystemImagesTest {
    @Test
    void anExt4ImageMadeByMkfsIsReadAndWrittenCleanly(@TempDir Path dir) throws Exception {
        String mkfs = tool("mkfs.ext4", "e2fsprogs");
        Path files = Files.createDirectories(dir.resolve("files"));
        Files.writeString(files.resolve("hello.txt"), "hello from ext4\n");
        Path image = dir.resolve("disk.ext4");
        run(mkfs, "-q", "-F", "-L", "jltest", "-d", files.toString(), image.toString(), "8M");
        LinuxBootTest.Run r = bootWith(image,
                "mount /dev/vda /mnt && grep /mnt /proc/mounts && cat /mnt/hello.txt"
                        + " && echo written-in-guest > /mnt/from-guest.txt && umount /mnt && echo unmounted");
        assertTrue(r.console().contains("/dev/vda /mnt ext4 rw"), r.console());
        assertTrue(r.console().contains("hello from ext4"), r.console());
        assertTrue(r.console().contains("unmounted"), r.console());
        assertEquals(0, r.end().status(), r.console());
        assertEquals("written-in-guest\n", run(tool("debugfs", "e2fsprogs"), "-R", "cat /from-guest.txt",
                image.toString()), "the host reads what the guest wrote");
        run(tool("e2fsck", "e2fsprogs"), "-fn", image.toString());   // exits non-zero on any damage
    }

    @Test
    void aVfatImageWithALongFileNameIsRead(@TempDir Path dir) throws Exception {
        String mkfs = tool("mkfs.vfat", "dosfstools");
        String mcopy = tool("mcopy", "mtools");
        Path image = dir.resolve("disk.vfat");
        run(mkfs, "-C", "-n", "JLTEST", image.toString(), "4096");
        Path file = dir.resolve("Long File Name.txt");
        Files.writeString(file, "hello from vfat\n");
        run(mcopy, "-i", image.toString(), file.toString(), "::/Long File Name.txt");
        LinuxBootTest.Run r = bootWith(image,
                "mount -o ro /dev/vda /mnt && grep /mnt /proc/mounts && cat '/mnt/Long File Name.txt'");
        assertTrue(r.console().contains("/dev/vda /mnt vfat ro"), r.console());
        assertTrue(r.console().contains("hello from vfat"), r.console());
        assertEquals(0, r.end().status(), r.console());
    }

    @Test
    void aSquashfsImageIsRead(@TempDir Path dir) throws Exception {
        String mksquashfs = tool("mksquashfs", "squashfs-tools");
        Path files = Files.createDirectories(dir.resolve("files"));
        Files.writeString(files.resolve("hello.txt"), "hello from squashfs\n");
        Path image = dir.resolve("disk.squashfs");
        run(mksquashfs, files.toString(), image.toString(), "-comp", "xz", "-noappend", "-quiet");
        LinuxBootTest.Run r = bootWith(image, "mount -o ro /dev/vda /mnt && grep /mnt /proc/mounts && cat /mnt/hello.txt");
        assertTrue(r.console().contains("/dev/vda /mnt squashfs ro"), r.console());
        assertTrue(r.console().contains("hello from squashfs"), r.console());
        assertEquals(0, r.end().status(), r.console());
    }

    @Test
    void anIso9660ImageWithJolietNamesIsRead(@TempDir Path dir) throws Exception {
        String genisoimage = tool("genisoimage", "genisoimage");
        Path files = Files.createDirectories(dir.resolve("files"));
        Files.writeString(files.resolve("A Long Joliet Name.txt"), "hello from iso9660\n");
        Path image = dir.resolve("disk.iso");
        run(genisoimage, "-quiet", "-J", "-r", "-V", "JLTEST", "-o", image.toString(), files.toString());
        LinuxBootTest.Run r = bootWith(image,
                "mount -o ro -t iso9660 /dev/vda /mnt && grep /mnt /proc/mounts && cat '/mnt/A Long Joliet Name.txt'");
        assertTrue(r.console().contains("/dev/vda /mnt iso9660 ro"), r.console());
        assertTrue(r.console().contains("hello from iso9660"), r.console());
        assertEquals(0, r.end().status(), r.console());
    }

    /** Boots the bundled kernel and initrd with {@code image} as vda, running {@code script}. */
    private static LinuxBootTest.Run bootWith(Path image, String script) throws Exception {
        MachineConfig config = new MachineConfig(64 << 20, Path.of("guest-images/vmlinux"),
                Path.of("guest-images/initrd.img"), Disks.of(image.toString()), List.of(), true, false, false,
                List.of("jlguest.run=" + script));
        return LinuxBootTest.boot(config, null);
    }

    /** The path of a host tool (in PATH, /sbin or /usr/sbin); skips the test when it is not installed. */
    private static String tool(String name, String debianPackage) {
        List<Path> places = new ArrayList<>();
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty()) {
                places.add(Path.of(d));
            }
        }
        places.add(Path.of("/sbin"));
        places.add(Path.of("/usr/sbin"));
        for (Path d : places) {
            Path p = d.resolve(name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        assumeTrue(false, name + " is not installed (Debian package " + debianPackage + ")");
        return null;
    }

    /** Runs a host command; returns its stdout, failing the test on a non-zero exit. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " finished");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out + err);
        return out;
    }
}
