package jlguest.devices.virtio.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import jlguest.bus.Ram;
import jlguest.devices.virtio.FakeDriver;
import jlguest.devices.virtio.FakeDriver.Buf;
import jlguest.devices.virtio.FakeDriver.Used;
import jlguest.devices.virtio.VirtioFeatures;
import jlguest.devices.virtio.VirtioMmio;

/** The virtio console against a driver that behaves as Linux's virtio_console.c does without MULTIPORT. */
class VirtioConsoleTest {
    final Ram ram = new Ram(1 << 20);
    final FakeDriver.Line line = new FakeDriver.Line();
    final VirtioConsole console = new VirtioConsole(132, 50);
    final VirtioMmio mmio = new VirtioMmio(ram, line, console);
    final FakeDriver drv = new FakeDriver(ram, line, mmio);

    private int configU16(int offset) {
        return mmio.read(VirtioMmio.CONFIG_OFFSET + offset, 2);
    }

    @Test
    void offersTheSizeFeatureAndTwoQueues() {
        assertEquals(VirtioConsole.DEVICE_ID, drv.reg(VirtioMmio.REG_DEVICE_ID));
        assertTrue((drv.deviceFeatures() & VirtioFeatures.bit(VirtioConsole.F_SIZE)) != 0);
        drv.start(2);
        drv.reg(VirtioMmio.REG_QUEUE_SEL, 2);
        assertEquals(0, drv.reg(VirtioMmio.REG_QUEUE_NUM_MAX), "no third queue without MULTIPORT");
    }

    @Test
    void theSizeIsAnnouncedOnceTheDriverIsUpAndAgainOnEveryChange() {
        drv.start(2);
        assertEquals(0, drv.reg(VirtioMmio.REG_INTERRUPT_STATUS), "nothing before the first poll");
        mmio.poll();
        assertEquals(132, configU16(0), "cols");
        assertEquals(50, configU16(2), "rows");
        assertEquals(VirtioMmio.INT_CONFIG_CHANGE, drv.reg(VirtioMmio.REG_INTERRUPT_STATUS));
        assertTrue(line.level);
        drv.reg(VirtioMmio.REG_INTERRUPT_ACK, VirtioMmio.INT_CONFIG_CHANGE);
        mmio.poll();
        assertFalse(line.level, "an unchanged size is not announced twice");

        console.resize(80, 24);
        mmio.poll();
        assertEquals(80, configU16(0));
        assertEquals(24, configU16(2));
        assertTrue(line.level, "a resize is a configuration change");
        assertEquals(2, line.raises);
    }

    @Test
    void aResetDriverIsToldTheSizeAgain() {
        drv.start(2);
        mmio.poll();
        int generation = drv.reg(VirtioMmio.REG_CONFIG_GENERATION);
        drv.start(2);   // the driver resets the device and probes again
        mmio.poll();
        assertEquals(generation + 1, drv.reg(VirtioMmio.REG_CONFIG_GENERATION));
    }

    @Test
    void nonsenseSizesAreIgnored() {
        console.resize(0, 40);
        console.resize(70000, 40);
        assertEquals(132, console.size()[0]);
        assertEquals(50, console.size()[1]);
    }

    @Test
    void theGuestsOutputGoesToTheConsole() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        console.connect(out);
        drv.start(2);
        byte[] text = "hello, hvc0\r\n".getBytes(StandardCharsets.US_ASCII);
        int a = drv.alloc(text.length, 1);
        ram.load(a, text, 0, text.length);
        drv.add(drv.q(1), new Buf(a, text.length, false));
        drv.kick(drv.q(1));
        assertEquals(List.of(new Used(0, 0)), drv.used(drv.q(1)), "returned at once, inside the notify");
        assertEquals("hello, hvc0\r\n", out.toString(StandardCharsets.US_ASCII));
    }

    /** The guest writes {@code text} to hvc0, as the kernel does once the port is its console. */
    private void guestWrites(String text) {
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        int a = drv.alloc(t.length, 1);
        ram.load(a, t, 0, t.length);
        drv.add(drv.q(1), new Buf(a, t.length, false));
        drv.kick(drv.q(1));
        drv.used(drv.q(1));
    }

    @Test
    void keysWaitUntilTheGuestHasWrittenToTheConsole() {
        // Linux posts receive buffers while probing but drops what arrives before hvc0 is set up.
        drv.start(2);
        byte[] keys = "echo hi\r".getBytes(StandardCharsets.US_ASCII);
        console.offerInput(keys, 0, keys.length);
        int a = drv.alloc(64, 1);
        drv.add(drv.q(0), new Buf(a, 64, true));
        drv.kick(drv.q(0));
        mmio.poll();
        assertEquals(List.of(), drv.used(drv.q(0)), "nothing delivered before the port speaks");
        guestWrites("console [hvc0] enabled\r\n");
        mmio.poll();
        assertEquals(List.of(new Used(0, keys.length)), drv.used(drv.q(0)));
        assertEquals("echo hi\r", ram.readCString(a, keys.length));
        mmio.reset();
        drv.start(2);
        console.offerInput(keys, 0, keys.length);
        drv.add(drv.q(0), new Buf(a, 64, true));
        drv.kick(drv.q(0));
        mmio.poll();
        assertEquals(List.of(), drv.used(drv.q(0)), "a reset driver must speak again");
    }

    @Test
    void keysWaitForReceiveBuffersAndFillThemInOrder() {
        drv.start(2);
        guestWrites("$ ");
        byte[] keys = "ls -l\r".getBytes(StandardCharsets.US_ASCII);
        assertEquals(keys.length, console.offerInput(keys, 0, keys.length));
        mmio.poll();   // no buffers posted yet: the keys wait
        int a = drv.alloc(4, 1);
        int b = drv.alloc(64, 1);
        drv.add(drv.q(0), new Buf(a, 4, true));
        drv.add(drv.q(0), new Buf(b, 64, true));
        drv.kick(drv.q(0));
        List<Used> used = drv.used(drv.q(0));
        assertEquals(2, used.size(), used.toString());
        assertEquals(4, used.get(0).len());
        assertEquals(2, used.get(1).len());
        assertEquals("ls -", ram.readCString(a, 4));
        assertEquals("l\r", ram.readCString(b, 2));
    }

    @Test
    void inputBeyondTheBufferIsPushedBack() {
        byte[] many = new byte[VirtioConsole.INBOX + 100];
        assertEquals(VirtioConsole.INBOX, console.offerInput(many, 0, many.length));
        assertEquals(0, console.offerInput(many, 0, 1), "full: the input thread retries later");
    }
}
