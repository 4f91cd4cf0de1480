package jlguest.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jlguest.console.ConsoleOutput;
import jlguest.debug.Debugger;
import jlguest.debug.symbols.Symbols;
import jlguest.devices.virtio.VirtioDevice;
import jlguest.devices.virtio.VirtioDeviceInfo;
import jlguest.devices.virtio.VirtioDevices;
import jlguest.devices.virtio.VirtioMmio;
import jlguest.launch.Launcher;
import jlguest.machine.Machine;
import jlguest.machine.MachineConfig;
import jlguest.snapshot.SnapshotFile;
import jlguest.state.StateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** savevm and loadvm on the hello guest, paused and stepped from the monitor. */
class MonitorSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void loadvmGoesBackToWhereSavevmWasAndABadFileChangesNothing() throws Exception {
        MachineConfig config = new MachineConfig(16 << 20, Path.of("guest-images/hello/hello.elf"), null,
                List.of(), List.of(), true, false, true, List.of());
        Launcher.Prepared guest = Launcher.prepare(config);
        Debugger debugger = new Debugger(true);
        StringWriter text = new StringWriter();
        Monitor monitor = new Monitor(debugger, Symbols.NONE, new PrintWriter(text, true));
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Machine m = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(console));
        debugger.attach(m);
        CompletableFuture<Machine.Outcome> run = CompletableFuture.supplyAsync(m::run);
        assertTrue(debugger.awaitPause(10_000));
        assertTrue(debugger.step(200, 10_000));
        Path snap = dir.resolve("two-thousand.snap");
        assertTrue(exec(monitor, text, "savevm " + snap).startsWith("saved the machine to " + snap), text.toString());
        String saved = exec(monitor, text, "info registers");
        assertTrue(debugger.step(300, 10_000));
        assertNotEquals(saved, exec(monitor, text, "info registers"));

        String loaded = exec(monitor, text, "loadvm " + snap);
        assertTrue(loaded.startsWith("restored the machine from " + snap), loaded);
        assertEquals(200, m.cpu().instructions());
        assertEquals(saved, exec(monitor, text, "info registers"));

        byte[] b = Files.readAllBytes(snap);
        b[b.length / 2] ^= 1;
        Path bad = Files.write(dir.resolve("bad.snap"), b);
        String refused = exec(monitor, text, "loadvm " + bad);
        assertEquals("error: " + bad + ": damaged or truncated: its checksum does not match its contents\n", refused);
        assertEquals(saved, exec(monitor, text, "info registers"), "a refused file changes nothing");
        assertTrue(exec(monitor, text, "savevm").startsWith("error: usage: savevm FILE"));

        exec(monitor, text, "continue");
        Machine.Outcome end = run.get(30, TimeUnit.SECONDS);
        assertEquals("bye from hello", end.message());
        String out = console.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.split("hello: powering off", -1).length - 1, out);
    }

    private static String exec(Monitor monitor, StringWriter text, String line) {
        text.getBuffer().setLength(0);
        monitor.execute(line);
        return text.toString();
    }

    /** A device half without snapshot support, as a new device is until it implements Stateful. */
    static final class Unsavable implements VirtioDevice {
        @Override
        public VirtioDeviceInfo info() {
            return new VirtioDeviceInfo(3, 0, 1, 16, new String[0]);
        }

        @Override
        public byte[] config() {
            return new byte[0];
        }

        @Override
        public void attach(VirtioMmio transport) {
        }

        @Override
        public void queueNotified(int queue) {
        }

        @Override
        public void poll() {
        }

        @Override
        public void reset() {
        }

        @Override
        public void close() {
        }

        @Override
        public String describe() {
            return "";
        }
    }

    @Test
    void aMachineWithADeviceThatCannotBeSavedRefusesInOneLine() throws Exception {
        MachineConfig config = new MachineConfig(16 << 20, Path.of("guest-images/hello/hello.elf"), null,
                List.of(), List.of(), true, false, true, List.of());
        Launcher.Prepared guest = Launcher.prepare(config);
        VirtioDevices virtio = new VirtioDevices(List.of(new Unsavable()), List.of("hvc0"));
        Machine m = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(new ByteArrayOutputStream()),
                virtio);
        Path file = dir.resolve("never.snap");
        StateException e = assertThrows(StateException.class, () -> SnapshotFile.save(m, file));
        assertEquals("cannot snapshot this machine: virtio device hvc0 does not support snapshots", e.getMessage());
        try (var files = Files.list(dir)) {
            assertFalse(files.findAny().isPresent(), "nothing written");
        }
    }
}
