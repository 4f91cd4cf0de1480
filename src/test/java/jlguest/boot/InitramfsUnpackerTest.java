package jlguest.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import jlguest.machine.InitramfsLayer;
import org.junit.jupiter.api.Test;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/**
 * The launcher's initramfs unpacking: the pieces the kernel's unpack_to_rootfs accepts (plain cpio
 * archives, zero padding, gzip and XZ streams) come out as plain archives on four-byte boundaries,
 * and everything else is handed to the guest untouched. Booting the results is
 * jlguest.machine.InitrdUnpackingBootTest.
 */
class InitramfsUnpackerTest {
    private static final long RAM = 64 << 20;

    @Test
    void theBundledInitrdUnpacksToWhatGzipReads() throws IOException {
        byte[] packed = Files.readAllBytes(Path.of("guest-images/initrd.img"));
        byte[] unpacked = InitramfsUnpacker.unpack(new Initrd(packed, "initrd.img"), RAM).bytes();
        byte[] reference;
        try (GZIPInputStream z = new GZIPInputStream(new java.io.ByteArrayInputStream(packed))) {
            reference = z.readAllBytes();
        }
        assertArrayEquals(reference, unpacked);
        assertEquals("070701", new String(unpacked, 0, 6, StandardCharsets.US_ASCII));
    }

    @Test
    void aPlainArchiveThenACompressedOneAsDebianPacksThem() throws IOException {
        byte[] microcode = cpio("kernel/x86/microcode/GenuineIntel.bin", "microcode");
        byte[] main = cpio("init", "#!/bin/sh\n");
        for (byte[] packed : new byte[][] {gzip(main), xz(main)}) {
            byte[] in = concat(microcode, new byte[512], packed);    // zero padding between the pieces
            byte[] out = unpack(in);
            assertArrayEquals(concat(microcode, main), out);
        }
    }

    @Test
    void severalStreamsEachStartOnAFourByteBoundary() throws IOException {
        byte[] a = cpio("a", "x");
        byte[] odd = Arrays.copyOf(a, a.length + 3);   // a stream whose content ends off the boundary
        byte[] in = concat(gzip(odd), gzip(cpio("b", "yy")), new byte[4], xz(cpio("c", "zzz")));
        byte[] out = unpack(in);
        int second = (odd.length + 3) & ~3;
        assertArrayEquals(odd, Arrays.copyOfRange(out, 0, odd.length));
        assertArrayEquals(new byte[second - odd.length], Arrays.copyOfRange(out, odd.length, second));
        byte[] b = cpio("b", "yy");
        assertArrayEquals(b, Arrays.copyOfRange(out, second, second + b.length));
        byte[] c = cpio("c", "zzz");
        assertArrayEquals(c, Arrays.copyOfRange(out, out.length - c.length, out.length));
        assertEquals(0, (out.length - c.length) % 4);
    }

    @Test
    void gzipHeadersWithANameAndAnExtraFieldAreSkipped() throws IOException {
        byte[] main = cpio("init", "echo\n");
        byte[] z = gzip(main);
        // Rebuild the header with FEXTRA and FNAME set, as `gzip -N` and some packers write.
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.write(z, 0, 3);
        h.write(0x04 | 0x08);
        h.write(z, 4, 6);
        h.write(new byte[] {3, 0, 'a', 'b', 'c'});
        h.writeBytes("initrd.cpio\0".getBytes(StandardCharsets.US_ASCII));
        h.write(z, 10, z.length - 10);
        assertArrayEquals(main, unpack(h.toByteArray()));
    }

    @Test
    void whatTheLauncherDoesNotUnpackGoesToTheGuestAsItCame() throws IOException {
        byte[] main = cpio("init", "#!/bin/sh\n");
        byte[] gz = gzip(main);
        byte[][] declined = {
            main,                                                  // plain: nothing to do
            concat(gz, "BZh91AY&SY".getBytes(StandardCharsets.US_ASCII)),   // bzip2 after it
            concat(new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD}, gz),  // zstd first
            Arrays.copyOf(gz, gz.length - 20),                     // truncated
            corrupt(gz),                                           // a flipped bit in the deflate data
            concat(main, "junk".getBytes(StandardCharsets.US_ASCII)),       // neither cpio nor compressed
            concat(Arrays.copyOf(main, main.length - 40), gz),     // a plain archive cut short
        };
        for (byte[] in : declined) {
            Initrd initrd = new Initrd(in, "test");
            assertSame(initrd, InitramfsUnpacker.unpack(initrd, RAM));
        }
    }

    @Test
    void nothingUnpacksBeyondAQuarterOfTheGuestsRam() throws IOException {
        byte[] big = cpio("big", "x".repeat(5 << 20));      // 5 MiB of one byte: a few KiB packed
        Initrd packed = new Initrd(gzip(big), "bomb");
        assertSame(packed, InitramfsUnpacker.unpack(packed, 16 << 20));
        assertEquals(big.length, InitramfsUnpacker.unpack(packed, 32 << 20).size());
    }

    private static byte[] unpack(byte[] in) {
        Initrd initrd = new Initrd(in, "test");
        Initrd out = InitramfsUnpacker.unpack(initrd, RAM);
        return out.bytes();
    }

    /** A newc archive of one regular file, then the trailer, as `cpio -H newc` writes it. */
    static byte[] cpio(String name, String content) {
        return new InitramfsLayer().file(name, content.getBytes(StandardCharsets.US_ASCII)).cpio();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    static byte[] xz(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (XZOutputStream z = new XZOutputStream(out, new LZMA2Options(), org.tukaani.xz.XZ.CHECK_CRC32)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] corrupt(byte[] gz) {
        byte[] c = gz.clone();
        c[gz.length / 2] ^= 0x10;
        return c;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
            while (out.size() % 4 != 0 && p != parts[parts.length - 1]) {
                out.write(0);
            }
        }
        return out.toByteArray();
    }
}
