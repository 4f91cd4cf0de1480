package jlguest.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import jlguest.bus.Ram;
import jlguest.devices.virtio.FakeDriver.Buf;
import jlguest.devices.virtio.FakeDriver.Used;

class VirtioMmioTest {
    final Ram ram = new Ram(1 << 20);
    final FakeDriver.Line line = new FakeDriver.Line();
    final EchoDevice echo = new EchoDevice();
    final VirtioMmio dev = new VirtioMmio(ram, line, echo);
    final FakeDriver drv = new FakeDriver(ram, line, dev);

    private int text(String s) {
        int a = drv.alloc(s.length(), 1);
        ram.load(a, s.getBytes(), 0, s.length());
        return a;
    }

    private String str(int addr, int len) {
        return new String(ram.bytes, addr, len);
    }

    @Test
    void identifiesItselfAsLinuxExpects() {
        assertEquals(0x74726976, drv.reg(0));
        assertEquals(2, drv.reg(4));
        assertEquals(42, drv.reg(8));
        assertEquals(VirtioMmio.VENDOR_ID, drv.reg(0xC));
        assertTrue((drv.deviceFeatures() & VirtioFeatures.bit(VirtioFeatures.VERSION_1)) != 0);
        assertEquals(0x04030201, dev.read(0x100, 4));
        assertEquals(0x0706, dev.read(0x105, 2));
        assertEquals(8, dev.read(0x107, 1));
        assertEquals(0, dev.read(0x108, 4));       // past the end of config space
        assertEquals(0, dev.read(0, 2));           // registers are 32-bit only
        assertEquals(-1, drv.reg(0xB0));           // no shared memory regions
    }

    @Test
    void refusesFeaturesOkWithoutVersion1OrWithUnofferedBits() {
        assertFalse(drv.negotiate(~VirtioFeatures.bit(VirtioFeatures.VERSION_1)));
        assertTrue(drv.negotiate(-1L));
        // A bit the device never offered:
        drv.reg(VirtioMmio.REG_STATUS, 0);
        drv.reg(VirtioMmio.REG_STATUS, 3);
        drv.reg(VirtioMmio.REG_DRIVER_FEATURES_SEL, 1);
        drv.reg(VirtioMmio.REG_DRIVER_FEATURES, 1);
        drv.reg(VirtioMmio.REG_DRIVER_FEATURES_SEL, 0);
        drv.reg(VirtioMmio.REG_DRIVER_FEATURES, 1 << 7);
        drv.reg(VirtioMmio.REG_STATUS, 3 | 8);
        assertEquals(3, drv.reg(VirtioMmio.REG_STATUS));
    }

    @Test
    void echoesAChainAndHoldsTheLineUntilAcknowledged() {
        drv.start(1);
        int in = text("hello, virtio");
        int out = drv.alloc(32, 1);
        FakeDriver.Q q = drv.q(0);
        int head = drv.add(q, new Buf(in, 5, false), new Buf(in + 5, 8, false), new Buf(out, 3, true),
                new Buf(out + 3, 29, true));
        drv.kick(q);
        assertTrue(line.level);
        assertEquals(1, drv.reg(VirtioMmio.REG_INTERRUPT_STATUS));
        assertTrue(line.level, "level-triggered: stays up");
        List<Used> used = drv.used(q);   // reads and acknowledges
        assertEquals(List.of(new Used(head, 13)), used);
        assertEquals("hello, virtio", str(out, 13));
        assertFalse(line.level);
    }

    @Test
    void indirectTablesWork() {
        drv.start(1);
        drv.useIndirect = true;
        int in = text("indirect");
        int out = drv.alloc(8, 1);
        FakeDriver.Q q = drv.q(0);
        int head = drv.add(q, new Buf(in, 3, false), new Buf(in + 3, 5, false), new Buf(out, 8, true));
        drv.kick(q);
        assertEquals(List.of(new Used(head, 8)), drv.used(q));
        assertEquals("indirect", str(out, 8));
    }

    @Test
    void eventIndexSuppressesAndPublishes() {
        drv.start(1);
        FakeDriver.Q q = drv.q(0);
        int in = text("x");
        int out = drv.alloc(1, 1);
        drv.add(q, new Buf(in, 1, false), new Buf(out, 1, true));
        drv.kick(q);
        assertEquals(1, drv.used(q).size());   // sets used_event = 1: interrupt at the next one
        assertEquals(1, ram.read16(q.used + 4 + 8 * q.size), "avail_event follows what we took");
        ram.write16(q.avail + 4 + 2 * q.size, 5);   // driver: interrupt me only after used idx passes 5
        int before = line.raises;
        for (int i = 0; i < 3; i++) {
            drv.add(q, new Buf(in, 1, false), new Buf(out, 1, true));
            drv.kick(q);
        }
        assertEquals(before, line.raises, "used_event 5 not crossed yet");
        for (int i = 0; i < 3; i++) {
            drv.add(q, new Buf(in, 1, false), new Buf(out, 1, true));
            drv.kick(q);
        }
        assertEquals(before + 1, line.raises);
        assertEquals(6, drv.used(q).size());
    }

    @Test
    void withoutEventIndexNoInterruptFlagIsHonoured() {
        drv.useEventIdx = false;
        drv.start(1);
        FakeDriver.Q q = drv.q(0);
        ram.write16(q.avail, 1);   // VRING_AVAIL_F_NO_INTERRUPT
        int in = text("x");
        drv.add(q, new Buf(in, 1, false), new Buf(drv.alloc(1, 1), 1, true));
        drv.kick(q);
        assertFalse(line.level, dev.describe());
        assertEquals(1, drv.used(q).size());
    }

    @Test
    void buffersBeforeDriverOkWaitForIt() {
        assertTrue(drv.negotiate(-1L));
        FakeDriver.Q q = drv.setupQueue(0, 8);
        int in = text("early");
        int out = drv.alloc(5, 1);
        drv.add(q, new Buf(in, 5, false), new Buf(out, 5, true));
        drv.kick(q);
        assertEquals(0, ram.read16(q.used + 2));
        drv.driverOk();
        assertEquals(1, ram.read16(q.used + 2));
        assertEquals("early", str(out, 5));
    }

    @Test
    void resetForgetsEverything() {
        drv.start(1);
        int in = text("x");
        drv.add(drv.q(0), new Buf(in, 1, false), new Buf(drv.alloc(1, 1), 1, true));
        drv.kick(drv.q(0));
        assertTrue(line.level);
        drv.reg(VirtioMmio.REG_STATUS, 0);
        assertFalse(line.level);
        assertEquals(0, drv.reg(VirtioMmio.REG_STATUS));
        assertEquals(0, drv.reg(VirtioMmio.REG_INTERRUPT_STATUS));
        drv.reg(VirtioMmio.REG_QUEUE_SEL, 0);
        assertEquals(0, drv.reg(VirtioMmio.REG_QUEUE_READY));
        assertEquals(2, echo.resets);   // negotiate() resets first, as Linux does
        drv.start(1);   // and it works again
        assertFalse(drv.needsReset());
    }

    private void assertBroken(String why) {
        assertTrue(drv.needsReset(), "expected NEEDS_RESET");
        assertTrue((drv.reg(VirtioMmio.REG_INTERRUPT_STATUS) & VirtioMmio.INT_CONFIG_CHANGE) != 0);
        assertTrue(line.level);
        assertTrue(dev.resetReason().contains(why), dev.resetReason());
        // Dead until reset, then alive again.
        drv.reg(VirtioMmio.REG_STATUS, 0);
        assertNull(dev.resetReason());
        drv.start(1);
        int in = text("ok");
        int out = drv.alloc(2, 1);
        drv.add(drv.q(0), new Buf(in, 2, false), new Buf(out, 2, true));
        drv.kick(drv.q(0));
        assertEquals("ok", str(out, 2));
    }

    @Test
    void badQueueSizes() {
        assertTrue(drv.negotiate(-1L));
        drv.reg(VirtioMmio.REG_QUEUE_SEL, 0);
        drv.reg(VirtioMmio.REG_QUEUE_NUM, 6);
        drv.reg(VirtioMmio.REG_QUEUE_READY, 1);
        assertEquals(0, drv.reg(VirtioMmio.REG_QUEUE_READY));
        assertBroken("power of 2");
        assertTrue(drv.negotiate(-1L));
        drv.reg(VirtioMmio.REG_QUEUE_NUM, 32);   // > max 16
        drv.reg(VirtioMmio.REG_QUEUE_READY, 1);
        assertBroken("power of 2");
    }

    @Test
    void ringOutsideRam() {
        assertTrue(drv.negotiate(-1L));
        drv.reg(VirtioMmio.REG_QUEUE_SEL, 0);
        drv.reg(VirtioMmio.REG_QUEUE_NUM, 16);
        drv.reg(VirtioMmio.REG_QUEUE_DESC_LOW, ram.size() - 64);
        drv.reg(VirtioMmio.REG_QUEUE_DRIVER_LOW, 0x1000);
        drv.reg(VirtioMmio.REG_QUEUE_DEVICE_LOW, 0x2000);
        drv.reg(VirtioMmio.REG_QUEUE_READY, 1);
        assertBroken("descriptor table");
    }

    @Test
    void notifyBeforeReady() {
        assertTrue(drv.negotiate(-1L));
        drv.reg(VirtioMmio.REG_QUEUE_NOTIFY, 0);
        assertBroken("before it was made ready");
    }

    @Test
    void descriptorLoop() {
        drv.start(1);
        FakeDriver.Q q = drv.q(0);
        drv.desc(q, 0, 0x100, 4, 1, 1);
        drv.desc(q, 1, 0x100, 4, 1, 0);
        drv.publish(q, 0);
        drv.kick(q);
        assertBroken("loops");
    }

    @Test
    void descriptorOutsideRam() {
        drv.start(1);
        FakeDriver.Q q = drv.q(0);
        drv.desc(q, 0, ram.size() - 2, 4, 0, 0);
        drv.publish(q, 0);
        drv.kick(q);
        assertBroken("outside RAM");
        FakeDriver.Q q2 = drv.q(0);
        drv.desc(q2, 0, 1L << 32, 4, 0, 0);   // a 64-bit address that wraps to 0 in 32 bits
        drv.publish(q2, 0);
        drv.kick(q2);
        assertBroken("outside RAM");
        q2 = drv.q(0);
        drv.desc(q2, 0, 0x100, -1, 0, 0);    // 4 GiB - 1 long
        drv.publish(q2, 0);
        drv.kick(q2);
        assertBroken("outside RAM");
    }

    @Test
    void readableAfterWritable() {
        drv.start(1);
        FakeDriver.Q q = drv.q(0);
        drv.add(q, new Buf(0x100, 4, true), new Buf(0x200, 4, false));
        drv.kick(q);
        assertBroken("after a device-writable");
    }

    @Test
    void badHeadAndNextIndexes() {
        drv.start(1);
        FakeDriver.Q q = drv.q(0);
        drv.publish(q, 99);
        drv.kick(q);
        assertBroken("head index");
        q = drv.q(0);
        drv.desc(q, 0, 0x100, 4, 1, 500);
        drv.publish(q, 0);
        drv.kick(q);
        assertBroken("next index");
    }

    @Test
    void availIndexJump() {
        drv.start(1);
        FakeDriver.Q q = drv.q(0);
        ram.write16(q.avail + 2, 1000);
        drv.kick(q);
        assertBroken("jumped");
    }

    @Test
    void badIndirectTables() {
        drv.start(1);
        FakeDriver.Q q = drv.q(0);
        int t = drv.alloc(32, 16);
        ram.write64(t, 0x100);
        ram.write32(t + 8, 4);
        ram.write16(t + 12, 4);   // indirect inside indirect
        drv.desc(q, 0, t, 32, 4, 0);
        drv.publish(q, 0);
        drv.kick(q);
        assertBroken("not allowed");
        q = drv.q(0);
        drv.desc(q, 0, t, 20, 4, 0);   // not a multiple of 16
        drv.publish(q, 0);
        drv.kick(q);
        assertBroken("bad indirect");
        q = drv.q(0);
        int t2 = drv.alloc(32, 16);
        ram.write64(t2, 0x100);
        ram.write32(t2 + 8, 4);
        ram.write16(t2 + 12, 1);   // NEXT -> 1
        ram.write16(t2 + 14, 1);
        ram.write64(t2 + 16, 0x100);
        ram.write32(t2 + 24, 4);
        ram.write16(t2 + 28, 1);   // NEXT -> 0: a loop inside the table
        ram.write16(t2 + 30, 0);
        drv.desc(q, 0, t2, 32, 4, 0);
        drv.publish(q, 0);
        drv.kick(q);
        assertBroken("loops");
    }

    @Test
    void indirectRefusedWhenNotNegotiated() {
        assertTrue(drv.negotiate(~VirtioFeatures.bit(VirtioFeatures.RING_INDIRECT_DESC)));
        FakeDriver.Q q = drv.setupQueue(0, 0);
        drv.driverOk();
        drv.useIndirect = true;
        drv.add(q, new Buf(0x100, 4, false));
        drv.kick(q);
        assertBroken("not allowed");
    }

    @Test
    void dmaIntoWatchedPagesIsReported() {
        int[] seen = {-1};
        ram.setWriteWatcher((a, l) -> seen[0] = a);
        drv.start(1);
        int in = text("code");
        int out = 0x40000;
        ram.watched[out >>> 12] = 1;
        drv.add(drv.q(0), new Buf(in, 4, false), new Buf(out, 4, true));
        seen[0] = -1;
        drv.kick(drv.q(0));
        assertEquals(out, seen[0]);
        assertArrayEquals("code".getBytes(), java.util.Arrays.copyOfRange(ram.bytes, out, out + 4));
    }
}
