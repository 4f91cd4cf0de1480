package jlguest.boot;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import jlguest.fuzz.Fuzz;

/**
 * An initrd is user input the launcher now parses (InitramfsUnpacker): damaged cpio headers, gzip
 * headers and XZ streams, in Debian's plain + packed layout or alone, must come back unpacked or
 * untouched, never as an exception, and never larger than a quarter of the guest's RAM.
 */
class InitramfsUnpackerFuzzTest {
    private static final long RAM = 16 << 20;

    private static byte[][] seeds() throws Exception {
        byte[] plain = InitramfsUnpackerTest.cpio("kernel/x86/microcode/GenuineIntel.bin", "microcode");
        byte[] main = InitramfsUnpackerTest.cpio("init", "#!/bin/sh\necho hello\n".repeat(40));
        ByteArrayOutputStream debian = new ByteArrayOutputStream();
        debian.write(plain);
        debian.write(InitramfsUnpackerTest.gzip(main));
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.write(InitramfsUnpackerTest.gzip(main));
        both.write(new byte[(4 - both.size() % 4) % 4 + 8]);
        both.write(InitramfsUnpackerTest.xz(main));
        return new byte[][] {debian.toByteArray(), both.toByteArray(), InitramfsUnpackerTest.xz(main),
            InitramfsUnpackerTest.gzip(InitramfsUnpackerTest.cpio("big", "0".repeat(3 << 20)))};
    }

    private static void fuzz(String name, long base, int cases) throws Exception {
        byte[][] seeds = seeds();
        Fuzz.run(name, base, cases, seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            byte[] in = seeds[r.nextInt(seeds.length)].clone();
            int flips = 1 + r.nextInt(8);
            for (int i = 0; i < flips; i++) {
                // mostly where the headers are: the cpio header, the gzip header, the XZ stream header
                int at = r.nextInt(3) == 0 ? r.nextInt(in.length) : r.nextInt(Math.min(in.length, 160));
                in[at] = (byte) (r.nextBoolean() ? r.nextInt(256) : r.nextBoolean() ? 0xFF : '0');
            }
            if (r.nextInt(4) == 0) {
                in = java.util.Arrays.copyOf(in, r.nextInt(in.length + 1));
            }
            Initrd initrd = new Initrd(in, "fuzz");
            Initrd out = InitramfsUnpacker.unpack(initrd, RAM);
            assertTrue(out == initrd || out.size() <= RAM / 4, "unpacked beyond a quarter of RAM: " + out.size());
        });
    }

    @Test
    void damagedInitrds() throws Exception {
        fuzz("initramfs unpacking", 7_000_000, Fuzz.cases("initramfs", 2000));
    }

    @Test
    @Tag("long")
    void damagedInitrdsLong() throws Exception {
        fuzz("initramfs unpacking long", 70_000_000, 100_000);
    }
}
