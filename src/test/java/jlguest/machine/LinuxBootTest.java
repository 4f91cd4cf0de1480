package jlguest.machine;

import jlguest.launch.Launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;

import jlguest.console.ConsoleInput;
import jlguest.console.ConsoleOutput;
import jlguest.devices.virtio.VirtioDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled Linux 6.1 boots on the whole machine, in scripted and in interactive mode. */
class LinuxBootTest {
    /** What one boot printed and how it ended. */
    record Run(Machine.Outcome end, String console) {
    }

    static Run boot(long ram, String kernel, boolean deterministic, String stdin, String... args) throws Exception {
        MachineConfig config = new MachineConfig(ram, Path.of(kernel), Path.of("guest-images/initrd.img"),
                List.of(), List.of(), true, false, deterministic, List.of(args));
        return boot(config, stdin);
    }

    /** Boots with root on virtio_blk: {@code disk} (a copy of rootfs.ext2), optionally read-only. */
    static Run bootFromDisk(Path disk, boolean readOnly, String script) throws Exception {
        MachineConfig config = new MachineConfig(64 << 20, Path.of("guest-images/vmlinux"), null,
                Disks.of(disk + (readOnly ? ",ro" : "")), List.of(), true, false, false,
                List.of("root=/dev/vda", "jlguest.run=" + script));
        return boot(config, null);
    }

    static Run boot(MachineConfig config, String stdin) throws Exception {
        try (VirtioDevices virtio = VirtioBuilder.open(config.disks(), config.networks(), false)) {
            return boot(config, stdin, virtio);
        }
    }

    private static Run boot(MachineConfig config, String stdin, VirtioDevices virtio) throws Exception {
        Launcher.Prepared guest = Launcher.prepare(config, virtio.commandLineWords());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Machine machine = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(out), virtio);
        Thread input = null;
        if (stdin != null) {
            input = new ConsoleInput(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.US_ASCII)),
                    machine.uart()::offerInput, null).start();
        }
        Machine.Outcome end = machine.run();
        if (input != null) {
            input.interrupt();
        }
        return new Run(end, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aKernelPanicEndsTheRunWithItsOwnStatusAndReason() throws Exception {
        // No initrd and no disk: the kernel cannot mount its root and panics (issue 15 item 2).
        MachineConfig config = new MachineConfig(64 << 20, Path.of("guest-images/vmlinux"), null, List.of(),
                List.of(), true, false, true, List.of("root=/dev/vda"));
        Run r = boot(config, null);
        assertEquals(Machine.Ending.PANIC, r.end().ending(), r.console());
        assertEquals(PanicWatch.EXIT_STATUS, r.end().status());
        assertTrue(r.end().message().startsWith("the guest kernel panicked: VFS: Unable to mount root fs"),
                r.end().message());
        assertTrue(r.console().contains("---[ end Kernel panic"), "the whole report reaches the console first");
    }

    @Test
    void vmlinuxRunsAScriptAndHandsBackItsStatus() throws Exception {
        Run r = boot(64 << 20, "guest-images/vmlinux", false, null, "jlguest.run=echo hello-$((6*7)); exit 3");
        assertTrue(r.console().contains("hello-42"), r.console());
        assertTrue(r.console().contains("kvm-clock"), "the kernel uses kvmclock:\n" + r.console());
        assertEquals(Machine.Ending.EXIT, r.end().ending(), r.console());
        assertEquals(3, r.end().status());
    }

    @Test
    void bzImageBootsIn32MiB() throws Exception {
        Run r = boot(32 << 20, "guest-images/bzImage", false, null, "jlguest.run=cat /proc/meminfo | head -1");
        assertTrue(r.console().contains("MemTotal:"), r.console());
        assertEquals(0, r.end().status(), r.console());
    }

    @Test
    void interactiveShellTakesPipedInputAndPowersOff() throws Exception {
        Run r = boot(64 << 20, "guest-images/vmlinux", false, "\n\necho piped-$((20+22))\npoweroff -f\n");
        assertTrue(r.console().contains("piped-42"), r.console());
        assertEquals(Machine.Ending.POWER_OFF, r.end().ending(), r.console());
        assertEquals(0, r.end().status());
    }

    @Test
    void deterministicRunsPrintTheSameBytes() throws Exception {
        String script = "jlguest.run=cat /proc/uptime; date; echo done";
        Run a = boot(64 << 20, "guest-images/vmlinux", true, null, script);
        Run b = boot(64 << 20, "guest-images/vmlinux", true, null, script);
        assertTrue(a.console().contains("done"), a.console());
        assertEquals(a.console(), b.console());
    }

    @Test
    void rootOnVirtioBlkKeepsWhatTheGuestWroteAcrossBoots(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("root.ext2");
        Files.copy(Path.of("guest-images/rootfs.ext2"), disk);
        Run first = bootFromDisk(disk, false, "echo kept-$((40+2)) > /kept.txt; sync");
        assertEquals(0, first.end().status(), first.console());
        assertTrue(first.console().contains("on ext2"), first.console());
        Run second = bootFromDisk(disk, false, "cat /kept.txt");
        assertTrue(second.console().contains("kept-42"), second.console());
    }

    @Test
    void poweroffAndRebootWithoutForceWorkAndLeaveTheRootClean(@TempDir Path dir) throws Exception {
        // Issue 15 item 1: PID 1 is /init, which takes no init signals; /sbin/poweroff and
        // /sbin/reboot sync, remount the root read-only and then power off or reboot.
        Path disk = dir.resolve("root.img");
        Files.copy(Path.of("guest-images/rootfs.ext2"), disk);
        Run off = bootFromDisk(disk, false, "echo data > /root/kept; poweroff");
        assertEquals(Machine.Ending.POWER_OFF, off.end().ending(), off.console());
        assertEquals("clean", ext2State(disk), "the next boot finds a clean root");
        Run reboot = bootFromDisk(disk, false, "reboot");
        assertEquals(Machine.Ending.REBOOT, reboot.end().ending(), reboot.console());
        assertEquals("clean", ext2State(disk));
        Run back = bootFromDisk(disk, false, "cat /root/kept");
        assertTrue(back.console().contains("data"), back.console());
    }

    /** "clean" or "not clean", as dumpe2fs reports the file system state (e2fsprogs; skipped without it). */
    private static String ext2State(Path image) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/sbin/dumpe2fs"))
                || Files.isExecutable(Path.of("/usr/sbin/dumpe2fs")), "e2fsprogs' dumpe2fs is not installed");
        Process p = new ProcessBuilder("dumpe2fs", "-h", image.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Filesystem state:\\s+(.*)").matcher(out);
        return m.find() ? m.group(1).strip() : "unknown: " + out;
    }

    @Test
    void aReadOnlyImageIsNeverWritten(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("root.ext2");
        Files.copy(Path.of("guest-images/rootfs.ext2"), disk);
        byte[] before = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(disk));
        Run r = bootFromDisk(disk, true, "echo x > /y || echo refused; dd if=/dev/zero of=/dev/vda bs=512 count=1 || echo refused-raw");
        assertTrue(r.console().contains("refused"), r.console());
        assertTrue(r.console().contains("refused-raw"), r.console());
        byte[] after = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(disk));
        assertTrue(java.util.Arrays.equals(before, after), "the image changed");
    }

    @Test
    void theGuestSeesOurMachine() throws Exception {
        Run r = boot(1L << 30, "guest-images/vmlinux", false, null,
                "jlguest.run=uname -sm; grep -m1 'model name' /proc/cpuinfo; grep -m1 flags /proc/cpuinfo; "
                        + "grep MemTotal /proc/meminfo; for i in 1 2 3; do echo loop-$i; done; "
                        + "a=$(date +%s); sleep 2; b=$(date +%s); echo slept-s=$((b - a))");
        String c = r.console().replace("\r\n", "\n");
        assertTrue(c.contains("Linux i686"), c);
        assertTrue(c.contains("model name"), c);
        assertTrue(c.matches("(?s).*flags\\s*: fpu .*cmov.* hypervisor.*"), "CPUID features as reported:\n" + c);
        assertTrue(c.contains("loop-1\nloop-2\nloop-3"), c);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("slept-s=(\\d+)").matcher(c);
        assertTrue(m.find(), c);
        long seconds = Long.parseLong(m.group(1));
        assertTrue(seconds >= 1 && seconds <= 4, "date advanced by " + seconds + " s across sleep 2");
        java.util.regex.Matcher mem = java.util.regex.Pattern.compile("MemTotal:\\s+(\\d+) kB").matcher(c);
        assertTrue(mem.find(), c);
        assertTrue(Long.parseLong(mem.group(1)) > 900_000, "1g of RAM: " + mem.group(1) + " kB");
        assertEquals(0, r.end().status());
    }

    @Test
    void rebootEndsTheRunWhenRebootsAreOff() throws Exception {
        Run r = boot(32 << 20, "guest-images/vmlinux", false, null, "jlguest.run=reboot -f");
        assertEquals(Machine.Ending.REBOOT, r.end().ending(), r.console());
        assertTrue(r.console().contains("reboot: Restarting system"), r.console());
    }
}
