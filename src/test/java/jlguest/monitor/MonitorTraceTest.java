package jlguest.monitor;

import jlguest.machine.Disks;
import jlguest.machine.VirtioBuilder;
import jlguest.debug.Debugger;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jlguest.console.ConsoleOutput;
import jlguest.devices.virtio.VirtioDevices;
import jlguest.launch.Launcher;
import jlguest.machine.Machine;
import jlguest.machine.MachineConfig;
import jlguest.debug.symbols.Symbols;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code trace io} and {@code trace mmio} see the guest's port and device-register accesses. */
class MonitorTraceTest {
    private static String traceRun(MachineConfig config, Path symbolsFrom, String... commands) throws Exception {
        try (VirtioDevices virtio = VirtioBuilder.open(config.disks(), List.of(), false)) {
            Launcher.Prepared guest = Launcher.prepare(config, virtio.commandLineWords());
            Debugger debugger = new Debugger(true);
            StringWriter text = new StringWriter();
            Monitor monitor = new Monitor(debugger, Symbols.fromElf(Files.readAllBytes(symbolsFrom)), new PrintWriter(text, true));
            CompletableFuture<Machine> made = new CompletableFuture<>();
            CompletableFuture<Machine.Outcome> run = CompletableFuture.supplyAsync(() -> {
                Machine m = new Machine(guest.ram(), guest.kernel(), config,
                        new ConsoleOutput(new ByteArrayOutputStream()), virtio);
                debugger.attach(m);
                made.complete(m);
                return m.run();
            });
            made.get(10, TimeUnit.SECONDS);
            assertTrue(debugger.awaitPause(10_000));
            for (String c : commands) {
                monitor.execute(c);
            }
            monitor.execute("continue");
            run.get(120, TimeUnit.SECONDS);
            return text.toString();
        }
    }

    @Test
    void portAccessesOfTheHypercallGuest(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("io.txt");
        MachineConfig config = new MachineConfig(16 << 20, Path.of("guest-images/hypercall-test.elf"), null,
                List.of(), List.of(), true, false, true, List.of());
        String said = traceRun(config, Path.of("guest-images/hypercall-test.elf"), "trace io on " + file);
        assertTrue(said.contains("io tracing on"), said);
        String trace = Files.readString(file);
        assertTrue(trace.contains("out port 0x0020 0x11 at 0x") && trace.contains("<setup_pic+"), trace);   // ICW1 to the master PIC
        assertTrue(trace.contains("out port 0x0021 0xfe at 0x"), trace);   // only IRQ 0 unmasked
    }

    @Test
    void virtioRegisterReadsOfABootingLinux(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[1 << 20]);
        Path file = dir.resolve("mmio.txt");
        MachineConfig config = new MachineConfig(64 << 20, Path.of("guest-images/vmlinux"),
                Path.of("guest-images/initrd.img"), Disks.of(disk.toString()), List.of(), true, false, true,
                List.of("jlguest.run=true"));
        traceRun(config, Path.of("guest-images/vmlinux"), "trace mmio on " + file);
        String trace = Files.readString(file);
        assertTrue(trace.contains("read  0xd0000000 0x74726976"), "the virtio magic value is read:\n"
                + trace.lines().limit(20).reduce("", (a, b) -> a + b + "\n"));
        assertTrue(trace.contains("vm_"), "accesses are attributed to virtio_mmio.c's functions");
    }
}
