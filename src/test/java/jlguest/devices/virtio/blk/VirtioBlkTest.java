package jlguest.devices.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import jlguest.bus.Ram;
import jlguest.devices.virtio.DeviceSpecException;
import jlguest.devices.virtio.FakeDriver;
import jlguest.devices.virtio.FakeDriver.Buf;
import jlguest.devices.virtio.FakeDriver.Used;
import jlguest.devices.virtio.VirtioFeatures;
import jlguest.devices.virtio.VirtioMmio;

class VirtioBlkTest {
    @TempDir
    Path dir;
    Ram ram = new Ram(4 << 20);
    FakeDriver.Line line = new FakeDriver.Line();
    VirtioBlk blk;
    FakeDriver drv;
    FakeDriver.Q q;

    @AfterEach
    void close() {
        if (blk != null) {
            blk.close();
        }
    }

    private Path image(int sectors, long seed) throws IOException {
        byte[] b = new byte[sectors * 512];
        new Random(seed).nextBytes(b);
        Path p = dir.resolve("disk" + seed + ".img");
        Files.write(p, b);
        return p;
    }

    private void open(Path p, boolean ro, boolean async) throws DeviceSpecException {
        blk = new VirtioBlk(BlockImage.open(p, ro), "serial-1234", async);
        VirtioMmio dev = new VirtioMmio(ram, line, blk);
        drv = new FakeDriver(ram, line, dev).start(1);
        q = drv.q(0);
    }

    private int header(int type, long sector) {
        int h = drv.alloc(16, 8);
        ram.write32(h, type);
        ram.write64(h + 8, sector);
        return h;
    }

    /** Sends one request; returns {status, used length}. */
    private int[] request(int type, long sector, Buf... data) {
        int status = drv.alloc(1, 1);
        ram.write8(status, 0xEE);
        Buf[] all = new Buf[data.length + 2];
        all[0] = new Buf(header(type, sector), 16, false);
        System.arraycopy(data, 0, all, 1, data.length);
        all[all.length - 1] = new Buf(status, 1, true);
        drv.add(q, all);
        drv.kick(q);
        List<Used> used = drv.await(q, 1);
        return new int[] {ram.read8(status), used.get(0).len()};
    }

    /** A device closed twice (a test's loop, then its clean-up) says nothing the second time. */
    @Test
    void closingTwiceIsQuiet() throws Exception {
        open(image(8, 3), false, true);
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = System.err;
        System.setErr(new java.io.PrintStream(said, true));
        try {
            blk.close();
            blk.close();
        } finally {
            System.setErr(err);
        }
        assertEquals("", said.toString());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readsAndWritesSectors(boolean async) throws Exception {
        Path p = image(64, 1);
        byte[] disk = Files.readAllBytes(p);
        open(p, false, async);
        assertEquals(64, drv.dev.read(0x100, 4));
        int buf = drv.alloc(4096, 4096);
        int[] r = request(VirtioBlk.T_IN, 3, new Buf(buf, 1024, true), new Buf(buf + 2048, 512, true));
        assertEquals(0, r[0]);
        assertEquals(1537, r[1]);
        assertArrayEquals(Arrays.copyOfRange(disk, 3 * 512, 5 * 512), Arrays.copyOfRange(ram.bytes, buf, buf + 1024));
        assertArrayEquals(Arrays.copyOfRange(disk, 5 * 512, 6 * 512),
                Arrays.copyOfRange(ram.bytes, buf + 2048, buf + 2560));

        byte[] data = new byte[1024];
        new Random(7).nextBytes(data);
        ram.load(buf, data, 0, 1024);
        r = request(VirtioBlk.T_OUT, 10, new Buf(buf, 1000, false), new Buf(buf + 1000, 24, false));
        assertEquals(0, r[0]);
        assertEquals(1, r[1]);
        assertEquals(0, request(VirtioBlk.T_FLUSH, 0)[0]);
        byte[] after = Files.readAllBytes(p);
        assertArrayEquals(data, Arrays.copyOfRange(after, 10 * 512, 11 * 512 + 512));
        assertTrue(blk.describe().contains("1 writes (1024 bytes)"), blk.describe());
    }

    @Test
    void configSpaceAndFeatures() throws Exception {
        open(image(2048, 2), false, false);
        VirtioMmio dev = drv.dev;
        assertEquals(2, dev.read(VirtioMmio.REG_DEVICE_ID, 4));
        assertEquals(2048, dev.read(0x100, 4));
        assertEquals(0, dev.read(0x104, 4));
        assertEquals(VirtioBlk.SIZE_MAX, dev.read(0x108, 4));
        assertEquals(VirtioBlk.SEG_MAX, dev.read(0x10C, 4));
        assertEquals(512, dev.read(0x114, 4));
        long f = drv.deviceFeatures();
        for (int bit : new int[] {VirtioBlk.F_SIZE_MAX, VirtioBlk.F_SEG_MAX, VirtioBlk.F_BLK_SIZE, VirtioBlk.F_FLUSH,
                VirtioFeatures.VERSION_1, VirtioFeatures.RING_EVENT_IDX, VirtioFeatures.RING_INDIRECT_DESC}) {
            assertTrue((f & (1L << bit)) != 0, "bit " + bit);
        }
        assertEquals(0, f & (1L << VirtioBlk.F_RO));
    }

    @Test
    void readOnlyDevicesRefuseWrites() throws Exception {
        Path p = image(8, 3);
        byte[] before = Files.readAllBytes(p);
        open(p, true, true);
        assertTrue((drv.deviceFeatures() & (1L << VirtioBlk.F_RO)) != 0);
        int buf = drv.alloc(512, 512);
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_OUT, 0, new Buf(buf, 512, false))[0]);
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_IN, 0, new Buf(buf, 512, true))[0]);
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_FLUSH, 0)[0]);
        assertArrayEquals(before, Files.readAllBytes(p));
    }

    @Test
    void outOfRangeAndMalformedRequests() throws Exception {
        open(image(8, 4), false, true);
        int buf = drv.alloc(4096, 512);
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_IN, 7, new Buf(buf, 1024, true))[0]);
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_IN, 8, new Buf(buf, 512, true))[0]);
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_OUT, -1L, new Buf(buf, 512, false))[0]);
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_IN, 0, new Buf(buf, 100, true))[0], "not whole sectors");
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_IN, 8)[0], "empty read at the end is fine");
        assertEquals(VirtioBlk.S_UNSUPP, request(11, 0)[0]);
        // Data for a read given as device-readable: wrong direction.
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_IN, 0, new Buf(buf, 512, false))[0]);
        // Header in a device-writable buffer.
        int status = drv.alloc(1, 1);
        drv.add(q, new Buf(buf, 16, true), new Buf(status, 1, true));
        drv.kick(q);
        assertEquals(List.of(1), drv.await(q, 1).stream().map(Used::len).toList());
        assertEquals(VirtioBlk.S_IOERR, ram.read8(status));
        // No status byte at all: returned with nothing written.
        drv.add(q, new Buf(header(VirtioBlk.T_IN, 0), 16, false));
        drv.kick(q);
        assertEquals(0, drv.await(q, 1).get(0).len());
        assertFalse(drv.needsReset());
    }

    @Test
    void getIdAnswersTheSerial() throws Exception {
        open(image(1, 5), false, true);
        int buf = drv.alloc(20, 1);
        Arrays.fill(ram.bytes, buf, buf + 20, (byte) 'x');
        int[] r = request(VirtioBlk.T_GET_ID, 0, new Buf(buf, 20, true));
        assertEquals(0, r[0]);
        assertEquals(21, r[1]);
        assertEquals("serial-1234", ram.readCString(buf, 20));
        assertEquals(0, ram.read8(buf + 19));
    }

    @Test
    void resetDropsRequestsInFlight() throws Exception {
        open(image(8, 6), false, true);
        int buf = drv.alloc(512, 512);
        drv.add(q, new Buf(header(VirtioBlk.T_FLUSH, 0), 16, false), new Buf(buf, 1, true));
        drv.kick(q);
        drv.reg(VirtioMmio.REG_STATUS, 0);
        long end = System.nanoTime() + 2_000_000_000L;
        while (blk.busy() && System.nanoTime() < end) {
            drv.dev.poll();
        }
        assertFalse(blk.busy());
        assertEquals(0, ram.read16(q.used + 2));
    }

    @Test
    @SuppressWarnings("try")   // the resource is held, not used: it keeps the image locked
    void clearErrorsForBadImages() throws Exception {
        Path odd = dir.resolve("odd.img");
        Files.write(odd, new byte[1000]);
        String m = assertThrows(DeviceSpecException.class, () -> BlockImage.open(odd, false)).getMessage();
        assertTrue(m.contains("not a multiple of 512"), m);
        m = assertThrows(DeviceSpecException.class, () -> BlockImage.open(dir.resolve("nope.img"), false)).getMessage();
        assertTrue(m.endsWith("no such file"), m);
        m = assertThrows(DeviceSpecException.class, () -> BlockImage.open(dir, false)).getMessage();
        assertTrue(m.contains("is a directory"), m);
        Path p = image(1, 8);
        try (BlockImage first = BlockImage.open(p, false)) {
            m = assertThrows(DeviceSpecException.class, () -> BlockImage.open(p, true)).getMessage();
            assertTrue(m.contains("given twice"), m);
        }
        BlockImage.open(p, false).close();   // the lock went with the first
    }

    @Test
    void anotherProcessHoldingTheLockKeepsUsOut() throws Exception {
        Path p = image(1, 9);
        Process locker;
        try {
            locker = new ProcessBuilder("python3", "-c",
                    "import fcntl,sys\nf=open(sys.argv[1],'r+b')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('x',flush=True)\n"
                            + "sys.stdin.read()", p.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no python3 to hold a lock");
            return;
        }
        try {
            assertEquals('x', locker.getInputStream().read());
            String m = assertThrows(DeviceSpecException.class, () -> BlockImage.open(p, false)).getMessage();
            assertTrue(m.contains("in use by another program"), m);
            m = assertThrows(DeviceSpecException.class, () -> BlockImage.open(p, true)).getMessage();
            assertTrue(m.contains("in use by another program"), m);
        } finally {
            locker.destroy();
            locker.waitFor();
        }
        BlockImage.open(p, false).close();
    }

    /** 64 MiB each way through the fake driver in 1 MiB requests; prints MB/s. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void throughput(boolean async) throws Exception {
        int mib = 1 << 20;
        Path p = dir.resolve("big.img");
        try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), 64L * mib - 1);
        }
        open(p, false, async);
        int buf = drv.alloc(mib, 4096);
        Arrays.fill(ram.bytes, buf, buf + mib, (byte) 0x5A);
        long t0 = System.nanoTime();
        for (int i = 0; i < 64; i++) {
            assertEquals(0, request(VirtioBlk.T_OUT, i * 2048L, new Buf(buf, mib, false))[0]);
        }
        assertEquals(0, request(VirtioBlk.T_FLUSH, 0)[0]);
        long t1 = System.nanoTime();
        for (int i = 0; i < 64; i++) {
            assertEquals(0, request(VirtioBlk.T_IN, i * 2048L, new Buf(buf, mib, true))[0]);
        }
        long t2 = System.nanoTime();
        System.out.printf("virtio-blk %s: write+flush 64 MiB %.0f MB/s, read 64 MiB %.0f MB/s%n",
                async ? "async" : "sync", 64 * 1.048576e6 * 1e3 / (t1 - t0), 64 * 1.048576e6 * 1e3 / (t2 - t1));
        assertEquals(0x5A, ram.read8(buf + mib - 1));
    }
}
