package jlguest.devices.virtio.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import jlguest.bus.Ram;
import jlguest.devices.virtio.FakeDriver;
import jlguest.devices.virtio.FakeDriver.Buf;
import jlguest.devices.virtio.VirtioFeatures;
import jlguest.devices.virtio.VirtioMmio;

/**
 * Transmit-interrupt coalescing (tour:virtio:312): sent buffers are on the used ring as soon as
 * the kick returns, but the guest is interrupted for them once, at the next poll, and only as the
 * virtio rules for used-buffer notifications allow (virtio 1.x 2.7.7 and 2.7.10).
 */
class VirtioNetInterruptTest {
    private final Ram ram = new Ram(2 << 20);
    private final FakeDriver.Line line = new FakeDriver.Line();
    private VirtioNet net;
    private FakeDriver drv;

    @AfterEach
    void close() {
        if (net != null) {
            net.close();
        }
    }

    /** A device on a UDP link to nowhere (the frames are not the point), driver features as given. */
    private void start(long features) throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        net = TestNets.device("udp:local=127.0.0.1:0,remote=127.0.0.1:" + port);
        drv = new FakeDriver(ram, line, new VirtioMmio(ram, line, net));
        assertTrue(drv.negotiate(features));
        drv.setupQueue(0, 0);
        drv.setupQueue(1, 0);
        drv.driverOk();
    }

    /** One 60-byte frame on the transmit queue, kicked on its own; returns the used index after. */
    private int send() {
        int h = drv.alloc(12, 4);
        int f = drv.alloc(60, 4);
        for (int i = 0; i < 6; i++) {
            ram.write8(f + i, 0xff);   // broadcast
        }
        drv.add(drv.q(1), new Buf(h, 12, false), new Buf(f, 60, false));
        drv.kick(drv.q(1));
        return ram.read16(drv.q(1).used + 2);
    }

    /** The driver's interrupt handler: reads InterruptStatus and acknowledges it (the line drops). */
    private void ack() {
        drv.reg(VirtioMmio.REG_INTERRUPT_ACK, drv.reg(VirtioMmio.REG_INTERRUPT_STATUS));
        assertFalse(line.level);
    }

    private void usedEvent(int idx) {
        ram.write16(drv.q(1).avail + 4 + 2 * drv.q(1).size, idx);
    }

    @Test
    void sendsOfOneSliceShareOneInterrupt() throws Exception {
        start(-1L);
        usedEvent(0);   // the driver wants to hear of the first used buffer
        assertEquals(1, send(), "the buffer is returned at once");
        assertEquals(2, send());
        assertEquals(3, send());
        assertEquals(0, line.raises, "no interrupt inside the kicks");
        net.poll();
        assertEquals(1, line.raises, "one interrupt at the slice's end for three sends");
        assertTrue(line.level);
    }

    @Test
    void anUncrossedUsedEventStaysQuiet() throws Exception {
        start(-1L);
        usedEvent(0);
        send();
        net.poll();
        assertEquals(1, line.raises, "the first decision always interrupts");
        ack();
        usedEvent(4);   // now: interrupt when the used index passes 4 (the fifth buffer)
        for (int i = 2; i <= 4; i++) {
            assertEquals(i, send());
            net.poll();
        }
        assertEquals(1, line.raises, "used_event 4 not crossed at used index 4");
        assertEquals(5, send());
        net.poll();
        assertEquals(2, line.raises, "crossed at 5");
        net.poll();
        assertEquals(2, line.raises, "nothing new, no second interrupt");
    }

    @Test
    void withoutEventIndexNoInterruptFlagIsObeyed() throws Exception {
        start(~VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX));
        ram.write16(drv.q(1).avail, 1);   // VRING_AVAIL_F_NO_INTERRUPT
        send();
        net.poll();
        assertEquals(0, line.raises);
        ram.write16(drv.q(1).avail, 0);
        send();
        assertEquals(0, line.raises, "still not inside the kick");
        net.poll();
        assertEquals(1, line.raises);
    }

    @Test
    void aResetForgetsAnUnsignalledSend() throws Exception {
        start(-1L);
        usedEvent(0);
        send();
        net.reset();
        net.poll();
        assertEquals(0, line.raises, "the driver that reset the device is not told of its old ring");
    }
}
