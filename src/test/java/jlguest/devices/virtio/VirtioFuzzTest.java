package jlguest.devices.virtio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jlguest.bus.Ram;
import jlguest.devices.virtio.blk.BlockImage;
import jlguest.devices.virtio.blk.VirtioBlk;
import jlguest.devices.virtio.net.VirtioNet;
import jlguest.fuzz.Fuzz;

/**
 * Issue 17: random virtqueue layouts and descriptors against virtio_blk and virtio_net (as QEMU's
 * OSS-Fuzz virtio targets do), through the virtio-mmio registers, with {@link RandomDriver}. A
 * case passes when nothing escapes the device as a Java exception; DEVICE_NEEDS_RESET, IOERR and
 * dropped frames are all fine outcomes for a hostile driver.
 */
class VirtioFuzzTest {
    @TempDir
    Path dir;

    private static void blockHeader(Ram ram, int addr, int len, SplittableRandom r) {
        int[] types = {0, 1, 4, 8, 0, 1};
        ram.write32(addr, r.nextInt(8) == 0 ? r.nextInt() : types[r.nextInt(types.length)]);
        ram.write32(addr + 4, 0);
        ram.write64(addr + 8, r.nextInt(6) == 0 ? r.nextLong() : r.nextInt(80));
    }

    private void blkCase(Path image, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        Ram ram = new Ram(64 << 10);
        FakeDriver.Line line = new FakeDriver.Line();
        boolean async = r.nextInt(8) == 0;
        VirtioBlk blk = new VirtioBlk(BlockImage.open(image, r.nextInt(4) == 0), "fuzz", async);
        try {
            VirtioMmio dev = new VirtioMmio(ram, line, blk);
            RandomDriver drv = new RandomDriver(ram, dev, 1, r, VirtioFuzzTest::blockHeader);
            drv.start();
            int steps = 10 + r.nextInt(150);
            for (int i = 0; i < steps; i++) {
                drv.step();
            }
            for (int i = 0; async && blk.busy() && i < 10_000; i++) {
                dev.poll();
                Thread.onSpinWait();
            }
        } finally {
            blk.close();
        }
    }

    private static void netCase(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Ram ram = new Ram(64 << 10);
        FakeDriver.Line line = new FakeDriver.Line();
        LoopBackend backend = new LoopBackend();
        VirtioNet net = new VirtioNet(backend, new byte[] {2, 0, 0, 0, 0, 1}, r.nextBoolean() ? 1500 : 68 + r.nextInt(9000));
        VirtioMmio dev = new VirtioMmio(ram, line, net);
        RandomDriver drv = new RandomDriver(ram, dev, 2, r, (m, a, l, rr) -> {
            for (int k = 0; k < 12; k++) {
                m.write8(a + k, rr.nextInt(4) == 0 ? rr.nextInt(256) : 0);
            }
        });
        drv.start();
        int steps = 10 + r.nextInt(150);
        for (int i = 0; i < steps; i++) {
            if (r.nextInt(4) == 0) {
                byte[] frame = new byte[r.nextInt(10) == 0 ? r.nextInt(70_000) : r.nextInt(1600)];
                r.nextBytes(frame);
                backend.inject(frame);
            }
            drv.step();
        }
        net.close();
    }

    private Path image() throws IOException {
        Path p = dir.resolve("fuzz.img");
        Files.write(p, new byte[64 * 512]);
        return p;
    }

    @Test
    void virtioBlkBrief() throws Exception {
        Path image = image();
        Fuzz.run("virtio_blk", 1_000_000, Fuzz.cases("virtio_blk", 1000), seed -> blkCase(image, seed));
    }

    @Test
    void virtioNetBrief() {
        Fuzz.run("virtio_net", 2_000_000, Fuzz.cases("virtio_net", 1000), VirtioFuzzTest::netCase);
    }

    @Test
    @Tag("long")
    void virtioBlkLong() throws Exception {
        Path image = image();
        Fuzz.run("virtio_blk long", 10_000_000, 200_000, seed -> blkCase(image, seed));
    }

    @Test
    @Tag("long")
    void virtioNetLong() {
        Fuzz.run("virtio_net long", 20_000_000, 200_000, VirtioFuzzTest::netCase);
    }
}
