package jlguest.devices.virtio.blk;

import java.nio.file.Files;
import java.nio.file.Path;

import jlguest.bus.Ram;
import jlguest.devices.virtio.FakeDriver;
import jlguest.devices.virtio.FakeDriver.Buf;
import jlguest.devices.virtio.VirtioMmio;

/**
 * The worst guest for host memory (issue 17 item 3), as a program for a child JVM with a small
 * heap: one kick makes N indirect requests of 16 MiB each available at once, writes and reads
 * alternating, all naming the same 16 MiB of guest RAM. Prints "ok" and the most in-flight bytes
 * seen, and exits 0, when every request came back OK; an OutOfMemoryError ends it non-zero.
 */
public final class BlkFlood {
    private BlkFlood() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        Path image = Path.of(args[1]);
        int mib = VirtioBlk.MAX_REQUEST;
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(mib);   // sparse
        }
        Ram ram = new Ram(mib + (4 << 20));
        FakeDriver.Line line = new FakeDriver.Line();
        VirtioBlk blk = new VirtioBlk(BlockImage.open(image, false), "flood", true);
        FakeDriver drv = new FakeDriver(ram, line, new VirtioMmio(ram, line, blk));
        drv.useIndirect = true;
        drv.start(1);
        FakeDriver.Q q = drv.q(0);
        int data = drv.alloc(mib, 4096);
        int[] status = new int[n];
        for (int i = 0; i < n; i++) {
            int h = drv.alloc(16, 8);
            ram.write32(h, i % 2 == 0 ? VirtioBlk.T_OUT : VirtioBlk.T_IN);
            status[i] = drv.alloc(1, 1);
            ram.write8(status[i], 0xEE);
            drv.add(q, new Buf(h, 16, false), new Buf(data, mib, i % 2 != 0), new Buf(status[i], 1, true));
        }
        drv.kick(q);
        long most = blk.inFlightBytes();
        int got = 0;
        long end = System.nanoTime() + 300_000_000_000L;
        while (got < n) {
            drv.dev.poll();
            most = Math.max(most, blk.inFlightBytes());
            got += drv.used(q).size();
            if (drv.needsReset() || System.nanoTime() > end) {
                System.out.println("stuck after " + got + " of " + n);
                System.exit(3);
            }
            Thread.sleep(1);
        }
        for (int i = 0; i < n; i++) {
            if (ram.read8(status[i]) != VirtioBlk.S_OK) {
                System.out.println("request " + i + " status " + ram.read8(status[i]));
                System.exit(4);
            }
        }
        blk.close();
        Files.deleteIfExists(image);
        System.out.println("ok " + n + " requests of " + mib + " bytes; most in flight " + most + " bytes");
    }
}
