package jlguest.boot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import jlguest.bus.Ram;
import jlguest.fuzz.Fuzz;

/**
 * Issue 17: random bytes as kernel and initrd files. Seeds are valid images (an ELF, a bzImage,
 * a multiboot header, the bundled hello.elf and the first 64 KiB of the bundled bzImage) with
 * random bytes written over them, or pure noise; each must load or be refused with a
 * BootException, never anything else.
 */
class LoaderFuzzTest {
    private static byte[][] seeds() throws Exception {
        byte[] mb = new byte[8192];
        System.arraycopy(TestImages.multibootHeader(0x10003, 0x100000, 0x100000, 0x101000, 0x102000, 0x100020), 0, mb, 0, 32);
        byte[] bz = Files.readAllBytes(Path.of("guest-images/bzImage"));
        return new byte[][] {
            TestImages.elf32(0x100000, new TestImages.Seg(0x100000, new byte[256], 4096)),
            TestImages.bzImage(4, new byte[4096], 0x1000000, 0x400000),
            mb,
            Files.readAllBytes(Path.of("guest-images/hello/hello.elf")),
            java.util.Arrays.copyOf(bz, 64 << 10),
        };
    }

    private static void fuzz(String name, long base, int cases) throws Exception {
        byte[][] seeds = seeds();
        Ram ram = new Ram(32 << 20);
        Fuzz.run(name, base, cases, seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            byte[] image;
            if (r.nextInt(10) == 0) {
                image = new byte[r.nextInt(4096)];
                r.nextBytes(image);
            } else {
                image = seeds[r.nextInt(seeds.length)].clone();
                int flips = 1 + r.nextInt(16);
                for (int i = 0; i < flips && image.length > 0; i++) {
                    // most damage in the headers, where the loaders read lengths and addresses
                    int at = r.nextInt(4) == 0 ? r.nextInt(image.length) : r.nextInt(Math.min(image.length, 0x300));
                    image[at] = (byte) (r.nextBoolean() ? r.nextInt(256) : r.nextBoolean() ? 0xFF : 0);
                }
            }
            byte[] rd = new byte[r.nextInt(3) == 0 ? 0 : r.nextInt(64 << 10)];
            Initrd initrd = r.nextBoolean() ? new Initrd(rd, "rd") : null;
            try {
                KernelLoader.load(ram, image, "fuzz", initrd, r.nextBoolean() ? "console=ttyS0" : "x".repeat(r.nextInt(5000)));
            } catch (BootException e) {
                // refused in one sentence: fine
            }
        });
    }

    @Test
    void randomKernelsAndInitrds() throws Exception {
        fuzz("kernel loaders", 5_000_000, Fuzz.cases("loaders", 3000));
    }

    @Test
    @Tag("long")
    void randomKernelsAndInitrdsLong() throws Exception {
        fuzz("kernel loaders long", 50_000_000, 300_000);
    }
}
