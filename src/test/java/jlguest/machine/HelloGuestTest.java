package jlguest.machine;

import jlguest.launch.Launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import jlguest.console.ConsoleOutput;
import jlguest.devices.virtio.VirtioDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * guest-images/hello/hello.elf, the tour's own guest, runs on the whole machine: console
 * hypercalls, its own page tables, a page fault it handles, timer ticks through SET_TIMER and HALT,
 * and a sector read by driving a virtio_blk queue by hand.
 */
class HelloGuestTest {
    static final String KERNEL = "guest-images/hello/hello.elf";

    record Run(Machine.Outcome end, String text, Machine machine) {}

    static Run run(List<String> blockSpecs, boolean deterministic) throws Exception {
        MachineConfig config = new MachineConfig(16 << 20, Path.of(KERNEL), null, Disks.of(blockSpecs), List.of(),
                true, false, deterministic, List.of());
        try (VirtioDevices virtio = VirtioBuilder.open(config.disks(), config.networks(), false)) {
            Launcher.Prepared guest = Launcher.prepare(config, virtio.commandLineWords());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Machine machine = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(out), virtio);
            Machine.Outcome end = machine.run();
            return new Run(end, out.toString(StandardCharsets.US_ASCII), machine);
        }
    }

    private static final String BEFORE_DISK = "hello: multiboot magic 0x2badb002, 15360 KiB above 1 MiB\n"
            + "hello: paging on, CR3=0x00101000\n"
            + "hello: writing to unmapped 0x00800010\n"
            + "hello: page fault at CR2=0x00800010 error code 0x00000002\n"
            + "hello: mapped a page there, returning to retry the write\n"
            + "hello: the write went through after the fault\n"
            + "hello: 5 timer interrupts, 10 ms apart\n";

    @Test
    void printsPagesFaultsTicksAndReadsSectorZero(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk.img");
        byte[] image = new byte[4 * 512];
        byte[] text = "jlguest hello test disk\u0001!".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, image, 0, text.length);
        image[512] = 'X';   // sector 1 must not show
        Files.write(disk, image);
        for (boolean deterministic : new boolean[] {false, true}) {
            Run r = run(List.of(disk + ",ro"), deterministic);
            assertEquals(BEFORE_DISK
                    + "hello: virtio_blk at 0xd0000000, 4 sectors\n"
                    + "hello: request done, used.len=513 status=0 interrupts=1\n"
                    + "hello: sector 0 says \"jlguest hello test disk.!\"\n"
                    + "hello: powering off\n", r.text());
            assertEquals(Machine.Ending.EXIT, r.end().ending(), r.text());
            assertEquals(0, r.end().status());
            assertEquals("bye from hello", r.end().message());
            assertEquals(1, r.machine().counters().exceptions[14], "exactly one page fault");
        }
    }

    @Test
    void saysSoWhenThereIsNoDisk() throws Exception {
        Run r = run(List.of(), true);
        assertEquals(BEFORE_DISK
                + "hello: no virtio_blk at 0xd0000000 (run with --block=FILE)\n"
                + "hello: powering off\n", r.text());
        assertEquals(0, r.end().status());
    }

    @Test
    void theBundledDiskSaysHello() throws Exception {
        Run r = run(List.of("guest-images/hello/disk.img,ro"), true);
        assertEquals(true, r.text().contains(
                "hello: sector 0 says \"Hello from sector 0 of guest-images/hello/disk.img!\"\n"), r.text());
    }
}
