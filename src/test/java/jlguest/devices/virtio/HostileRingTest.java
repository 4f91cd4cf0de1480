package jlguest.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jlguest.bus.Ram;
import jlguest.devices.virtio.FakeDriver.Buf;
import jlguest.devices.virtio.blk.BlockImage;
import jlguest.devices.virtio.blk.VirtioBlk;
import jlguest.devices.virtio.net.VirtioNet;

/**
 * Issue 17 items 1 and 2: guest-supplied addresses near 2^63 (where {@code addr + len} wraps) and
 * register values with the top bit set (negative as Java ints) end in DEVICE_NEEDS_RESET or are
 * ignored, never in an exception out of the device.
 */
class HostileRingTest {
    static final long NEAR_2_63 = 0x7FFF_FFFF_FFFF_FFF0L;   // plus any length of 16 or more wraps

    @TempDir
    Path dir;
    final Ram ram = new Ram(4 << 20);
    final FakeDriver.Line line = new FakeDriver.Line();
    VirtioDevice device;

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
        }
    }

    private FakeDriver blk() throws IOException, DeviceSpecException {
        Path p = dir.resolve("disk.img");
        Files.write(p, new byte[64 * 512]);
        device = new VirtioBlk(BlockImage.open(p, false), "s", false);
        return new FakeDriver(ram, line, new VirtioMmio(ram, line, device));
    }

    private FakeDriver net(LoopBackend backend) {
        device = new VirtioNet(backend, new byte[] {2, 0, 0, 0, 0, 1}, 1500);
        return new FakeDriver(ram, line, new VirtioMmio(ram, line, device));
    }

    @Test
    void blockDataDescriptorNear2To63() throws Exception {
        FakeDriver drv = blk().start(1);
        FakeDriver.Q q = drv.q(0);
        int h = drv.alloc(16, 8);   // T_IN, sector 0
        int status = drv.alloc(1, 1);
        drv.desc(q, 0, h, 16, 1, 1);
        drv.desc(q, 1, NEAR_2_63, 512, 1 | 2, 2);
        drv.desc(q, 2, status, 1, 2, 0);
        drv.publish(q, 0);
        drv.kick(q);
        assertTrue(drv.needsReset());
    }

    @Test
    void indirectTableNear2To63() throws Exception {
        FakeDriver drv = blk().start(1);
        FakeDriver.Q q = drv.q(0);
        drv.desc(q, 0, NEAR_2_63, 16 * 3, 4, 0);
        drv.publish(q, 0);
        drv.kick(q);
        assertTrue(drv.needsReset());
    }

    /** The used ring (then the descriptor table, then the available ring) placed at 2^63 - 16. */
    @Test
    void ringsNear2To63AreRefusedAtQueueReady() throws Exception {
        for (int which = 0; which < 3; which++) {
            FakeDriver drv = blk();
            assertTrue(drv.negotiate(-1L));
            FakeDriver.Q q = drv.setupQueue(0, 0);   // a good layout first, then one address moved
            drv.reg(VirtioMmio.REG_STATUS, 0);
            assertTrue(drv.negotiate(-1L));
            drv.reg(VirtioMmio.REG_QUEUE_SEL, 0);
            int[] regs = {VirtioMmio.REG_QUEUE_DEVICE_LOW, VirtioMmio.REG_QUEUE_DESC_LOW, VirtioMmio.REG_QUEUE_DRIVER_LOW};
            drv.reg(VirtioMmio.REG_QUEUE_DESC_LOW, q.desc);
            drv.reg(VirtioMmio.REG_QUEUE_DRIVER_LOW, q.avail);
            drv.reg(VirtioMmio.REG_QUEUE_DEVICE_LOW, q.used);
            drv.reg(regs[which], (int) NEAR_2_63);
            drv.reg(regs[which] + 4, (int) (NEAR_2_63 >>> 32));
            drv.reg(VirtioMmio.REG_QUEUE_READY, 1);
            assertTrue(drv.needsReset(), "ring " + which);
            assertEquals(0, drv.reg(VirtioMmio.REG_QUEUE_READY));
            drv.driverOk();
            drv.publish(q, 0);
            drv.kick(q);   // a kick on the refused queue changes nothing
            drv.dev.poll();
            close();
        }
    }

    @Test
    void netReceiveBufferNear2To63() {
        LoopBackend backend = new LoopBackend();
        FakeDriver drv = net(backend).start(2);
        FakeDriver.Q rx = drv.q(0);
        drv.desc(rx, 0, NEAR_2_63, 1530, 2, 0);
        drv.publish(rx, 0);
        drv.kick(rx);
        byte[] frame = new byte[60];
        frame[0] = 2;
        backend.inject(frame);
        drv.dev.poll();
        assertTrue(drv.needsReset());
    }

    @Test
    void netTransmitBufferNear2To63() {
        FakeDriver drv = net(new LoopBackend()).start(2);
        FakeDriver.Q tx = drv.q(1);
        drv.desc(tx, 0, NEAR_2_63, 12 + 60, 0, 0);
        drv.publish(tx, 0);
        drv.kick(tx);
        assertTrue(drv.needsReset());
    }

    /** Item 2: QueueSel, DeviceFeaturesSel and DriverFeaturesSel with the top bit set. */
    @Test
    void selectorsWithTheTopBitSet() throws Exception {
        FakeDriver drv = blk();
        assertTrue(drv.negotiate(-1L));
        for (int sel : new int[] {0x8000_0000, 0xFFFF_FFFF, 0x7FFF_FFFF, 2, -2}) {
            drv.reg(VirtioMmio.REG_QUEUE_SEL, sel);
            assertEquals(0, drv.reg(VirtioMmio.REG_QUEUE_NUM_MAX), "QueueNumMax for QueueSel " + sel);
            assertEquals(0, drv.reg(VirtioMmio.REG_QUEUE_READY));
            for (int reg = VirtioMmio.REG_QUEUE_NUM; reg <= VirtioMmio.REG_QUEUE_DEVICE_HIGH; reg += 4) {
                drv.reg(reg, sel);
            }
            drv.reg(VirtioMmio.REG_QUEUE_READY, 1);
            drv.reg(VirtioMmio.REG_QUEUE_NOTIFY, sel);
            drv.reg(VirtioMmio.REG_DEVICE_FEATURES_SEL, sel);
            assertEquals(0, drv.reg(VirtioMmio.REG_DEVICE_FEATURES), "DeviceFeatures for DeviceFeaturesSel " + sel);
            drv.reg(VirtioMmio.REG_DRIVER_FEATURES_SEL, sel);
            drv.reg(VirtioMmio.REG_DRIVER_FEATURES, -1);
        }
        drv.reg(VirtioMmio.REG_QUEUE_SEL, 0);
        assertEquals(256, drv.reg(VirtioMmio.REG_QUEUE_NUM_MAX));
        assertFalse(drv.needsReset());
    }
}
