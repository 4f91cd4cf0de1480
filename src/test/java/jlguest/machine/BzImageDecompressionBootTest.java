package jlguest.machine;

import jlguest.launch.Launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jlguest.console.ConsoleOutput;
import jlguest.devices.virtio.VirtioDevices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The bundled bzImage boots to the same userland whether the launcher unpacks it or its own
 * decompressor does, and unpacking on the host spares the guest the decompressor's instructions.
 */
class BzImageDecompressionBootTest {
    /** What the guest printed between two markers the shell computes (so the command line's copy never matches). */
    private static final String SCRIPT = "jlguest.run=echo =$((6*7))=; uname -a; grep MemTotal /proc/meminfo; "
            + "grep -i kernel /proc/iomem; cat /proc/cmdline; echo =$((7*7))=";
    private static final Pattern BETWEEN = Pattern.compile("(?s)=42=\\r?\\n(.*)=49=");

    record Boot(Machine.Outcome end, String console, long instructions) {
        String commandOutput() {
            Matcher m = BETWEEN.matcher(console);
            assertTrue(m.find(), console);
            return m.group(1).replace("\r\n", "\n");
        }
    }

    static Boot boot(String kernel, long ram, boolean guestDecompress, String script) throws Exception {
        return boot(kernel, Path.of("guest-images/initrd.img"), ram, guestDecompress, script);
    }

    static Boot boot(String kernel, Path initrd, long ram, boolean guestDecompress, String script) throws Exception {
        MachineConfig config = new MachineConfig(ram, Path.of(kernel), initrd,
                List.of(), List.of(), true, false, false, List.of(script), guestDecompress);
        try (VirtioDevices virtio = jlguest.machine.VirtioBuilder.open(config.disks(), config.networks(), false)) {
            Launcher.Prepared guest = Launcher.prepare(config, virtio.commandLineWords());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Machine machine = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(out), virtio);
            Machine.Outcome end = machine.run();
            return new Boot(end, out.toString(StandardCharsets.UTF_8), machine.cpu().instructions());
        }
    }

    @Test
    void hostAndGuestDecompressionBootTheSameKernel() throws Exception {
        Boot host = boot("guest-images/bzImage", 64 << 20, false, SCRIPT);
        Boot guest = boot("guest-images/bzImage", 64 << 20, true, SCRIPT);
        assertEquals(0, host.end().status(), host.console());
        assertEquals(0, guest.end().status(), guest.console());
        assertTrue(host.commandOutput().contains("Linux jlguest 6.1"), host.console());
        assertTrue(host.commandOutput().contains("Kernel code"), host.console());
        assertEquals(guest.commandOutput(), host.commandOutput(), "same kernel, same place, same memory");
        assertTrue(host.instructions() < guest.instructions(), String.format(
                "the guest ran no decompressor: %,d instructions unpacked on the host, %,d in the guest",
                host.instructions(), guest.instructions()));
    }

    /**
     * A stock distribution kernel: Debian 12's 686 flavour, XZ-packed with the x86 BCJ filter,
     * relocatable, KASLR built in. bench/boot-vs-qemu.sh --debian (or tools/debian-kernels.sh)
     * fetches it with apt-get download to target/debian/vmlinuz-686; the test skips when it is not there.
     */
    @Test
    @Tag("long")
    void debianXzKernelBootsUnpackedOnTheHost() throws Exception {
        Path kernel = Path.of(System.getProperty("jlguest.debianKernel", "target/debian/vmlinuz-686"));
        Assumptions.assumeTrue(Files.isReadable(kernel), "no " + kernel + " (bench/boot-vs-qemu.sh --debian fetches it)");
        Boot host = boot(kernel.toString(), 256 << 20, false, SCRIPT);
        assertEquals(0, host.end().status(), host.console());
        assertTrue(host.commandOutput().contains("Debian"), host.console());
        assertTrue(host.commandOutput().contains("Kernel code"), host.console());
    }
}
