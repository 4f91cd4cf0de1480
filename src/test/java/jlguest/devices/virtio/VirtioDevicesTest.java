package jlguest.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.util.ArrayList;
import jlguest.cli.DiskOption;
import jlguest.cli.NetOption;
import jlguest.cli.UsageException;
import jlguest.machine.DiskConfig;
import jlguest.machine.NetworkConfig;
import jlguest.machine.VirtioBuilder;
import jlguest.bus.PhysicalBus;
import jlguest.bus.Ram;
import jlguest.devices.virtio.FakeDriver.Buf;

class VirtioDevicesTest {
    @TempDir
    Path dir;

    /** Opens devices from option text, as the command line gives them (cli parses, machine builds). */
    private static VirtioDevices open(List<String> disks, List<String> nets, boolean sync)
            throws DeviceSpecException, UsageException {
        List<NetworkConfig> networks = new ArrayList<>();
        for (String n : nets) {
            networks.add(NetOption.parse(n));
        }
        List<DiskConfig> parsed = new ArrayList<>();
        for (String d : disks) {
            parsed.add(DiskOption.parse(d));
        }
        return VirtioBuilder.open(parsed, networks, sync);
    }

    private static VirtioDevices open(List<String> disks, List<String> nets) throws DeviceSpecException, UsageException {
        return open(disks, nets, false);
    }

    private Path disk(String name, int sectors) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, new byte[512 * sectors]);
        return p;
    }

    @Test
    void wiresDevicesInCommandLineOrder() throws Exception {
        Path a = disk("a.img", 8);
        Path b = disk("b.img", 16);
        try (VirtioDevices v = open(List.of(a.toString(), b + ",ro,serial=XYZ"),
                List.of("udp:local=127.0.0.1:0,remote=127.0.0.1:9"))) {
            assertEquals(List.of("virtio_mmio.device=4K@0xd0000000:5", "virtio_mmio.device=4K@0xd0001000:6",
                    "virtio_mmio.device=4K@0xd0002000:7"), v.commandLineWords());
            Ram ram = new Ram(1 << 20);
            Map<Integer, FakeDriver.Line> lines = new HashMap<>();
            AtomicInteger wakeups = new AtomicInteger();
            List<VirtioSlot> slots = v.attach(ram, irq -> lines.computeIfAbsent(irq, k -> new FakeDriver.Line()),
                    wakeups::incrementAndGet);
            PhysicalBus bus = new PhysicalBus(ram);
            for (VirtioSlot s : slots) {
                bus.map(s.base(), s.size(), s.mmio());
            }
            assertEquals(List.of("vda", "vdb", "net0"), slots.stream().map(VirtioSlot::name).toList());
            assertEquals(0x74726976, bus.read(0xD0001000, 4));
            assertEquals(2, bus.read(0xD0001008, 4));
            assertEquals(1, bus.read(0xD0002008, 4));
            assertEquals(16, bus.read(0xD0001100, 4));
            assertEquals("virtio_mmio.device=4K@0xd0001000:6", slots.get(1).commandLineWord());
            assertFalse(v.notifyQueue(7, 0));
            assertFalse(v.notifyQueue(0, 3));

            // A read on vda: the worker finishes it, wakes us, poll() completes it.
            FakeDriver drv = new FakeDriver(ram, lines.get(5), slots.get(0).mmio()).start(1);
            int h = drv.alloc(16, 8);
            int data = drv.alloc(512, 512);
            int st = drv.alloc(1, 1);
            ram.write8(st, 0xEE);
            drv.add(drv.q(0), new Buf(h, 16, false), new Buf(data, 512, true), new Buf(st, 1, true));
            assertTrue(v.notifyQueue(0, 0));
            long end = System.nanoTime() + 2_000_000_000L;
            while (wakeups.get() == 0 && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            assertEquals(1, wakeups.get());
            v.poll();
            assertEquals(0, ram.read8(st));
            assertTrue(lines.get(5).level);
            String d = v.describe();
            assertTrue(d.contains("virtio 0 (vda) at 0xd0000000 irq 5"), d);
            assertTrue(d.contains("accepted: SIZE_MAX SEG_MAX BLK_SIZE FLUSH INDIRECT_DESC EVENT_IDX VERSION_1"), d);
            assertTrue(d.contains("RO"), d);
            assertTrue(d.contains("1 reads (512 bytes)"), d);
        }
        // close() released the locks.
        open(List.of(a.toString(), b.toString()), List.of()).close();
    }

    @Test
    void synchronousDisksFinishInsideTheNotify() throws Exception {
        Path a = disk("a.img", 8);
        try (VirtioDevices v = open(List.of(a.toString()), List.of(), true)) {
            Ram ram = new Ram(1 << 20);
            FakeDriver.Line line = new FakeDriver.Line();
            List<VirtioSlot> slots = v.attach(ram, irq -> line, () -> { });
            FakeDriver drv = new FakeDriver(ram, line, slots.get(0).mmio()).start(1);
            int h = drv.alloc(16, 8);
            ram.write32(h, 4);   // FLUSH
            int st = drv.alloc(1, 1);
            ram.write8(st, 0xEE);
            drv.add(drv.q(0), new Buf(h, 16, false), new Buf(st, 1, true));
            assertTrue(v.notifyQueue(0, 0));
            assertEquals(0, ram.read8(st));
            assertTrue(line.level);
        }
    }

    @Test
    void clearErrorsAndNothingLeftOpen() throws Exception {
        Path a = disk("a.img", 1);
        String m = assertThrows(DeviceSpecException.class,
                () -> open(List.of(a.toString(), a + ",ro"), List.of())).getMessage();
        assertTrue(m.contains("given twice"), m);
        m = assertThrows(UsageException.class,
                () -> open(List.of(a.toString()), List.of("udp:local=127.0.0.1:0"))).getMessage();
        assertTrue(m.contains("missing remote"), m);
        m = assertThrows(UsageException.class,
                () -> open(List.of(a + ",rw"), List.of())).getMessage();
        assertTrue(m.contains("unknown option 'rw'"), m);
        m = assertThrows(DeviceSpecException.class,
                () -> open(List.of("x", "x", "x", "x", "x", "x", "x"), List.of())).getMessage();
        assertTrue(m.startsWith("at most 6 virtio devices"), m);
        open(List.of(a.toString()), List.of()).close();   // the failed opens left no lock
    }
}
