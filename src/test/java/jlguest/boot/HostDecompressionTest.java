package jlguest.boot;

import jlguest.cpu.EntryState;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import jlguest.bus.Ram;
import org.junit.jupiter.api.Test;
import org.tukaani.xz.FilterOptions;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.LZMAOutputStream;
import org.tukaani.xz.X86Options;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZOutputStream;

/**
 * The launcher unpacks a bzImage's payload as the kernel build packed it (gzip; XZ with the x86
 * BCJ filter and CRC32 as scripts/xz_wrap.sh; LZMA_Alone as `lzma -9`; the unpacked size appended
 * as scripts/Makefile.lib's size_append does), loads the vmlinux inside and enters it as the
 * decompressor stub would. The payloads are made here with independent encoders (the JDK's
 * deflater, XZ for Java's encoders), never with the decoder under test.
 */
class HostDecompressionTest {
    private static final int MB = 1 << 20;
    private static final int LOAD = 0x1000000;          // LOAD_PHYSICAL_ADDR of a distribution kernel
    private static final byte[] STUB = TestImages.pattern(0x300, 77);

    /** A vmlinux with x86 CALLs in its text (what the BCJ filter rewrites), data and a .bss. */
    private static final byte[] TEXT = text();
    private static final byte[] DATA = TestImages.pattern(3000, 2);
    private static final byte[] VMLINUX = TestImages.elf32(LOAD, new TestImages.Seg(LOAD, TEXT, TEXT.length),
            new TestImages.Seg(LOAD + 0x200000, DATA, 0x5000));

    private static byte[] text() {
        byte[] t = TestImages.pattern(40_000, 1);
        for (int i = 0; i + 5 < t.length; i += 37) {
            t[i] = (byte) 0xE8;                  // call rel32 with a small displacement
            t[i + 3] = 0;
            t[i + 4] = 0;
        }
        return t;
    }

    enum Packer { GZIP, XZ, LZMA }

    static byte[] pack(Packer p, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = switch (p) {
            case GZIP -> new GZIPOutputStream(bytes);
            case XZ -> new XZOutputStream(bytes, new FilterOptions[] {new X86Options(), new LZMA2Options(6)}, XZ.CHECK_CRC32);
            case LZMA -> new LZMAOutputStream(bytes, new LZMA2Options(6), -1);
        }) {
            out.write(data);
        }
        if (p != Packer.GZIP) {                  // gzip's trailer already ends with the size
            bytes.write(le32(data.length));
        }
        return bytes.toByteArray();
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    /** A relocatable 2.15 bzImage: setup, a stub, then {@code payload}, framed by payload_offset/length. */
    static byte[] bzImage(byte[] payload) {
        byte[] pm = Arrays.copyOf(STUB, STUB.length + payload.length + 16);
        System.arraycopy(payload, 0, pm, STUB.length, payload.length);
        byte[] image = TestImages.bzImage(4, pm, LOAD, 0x800000);
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(BootParams.PAYLOAD_OFFSET, STUB.length).putInt(BootParams.PAYLOAD_LENGTH, payload.length);
        b.put(BootParams.LOADFLAGS, (byte) (BootParams.LOADED_HIGH | BootParams.KASLR_FLAG));
        b.putInt(BootParams.KERNEL_ALIGNMENT, LOAD);
        b.put(BootParams.RELOCATABLE_KERNEL, (byte) 1);
        return image;
    }

    private static byte[] read(Ram ram, long at, int n) {
        return Arrays.copyOfRange(ram.bytes, (int) at, (int) at + n);
    }

    @Test
    void gzipXzAndLzmaPayloadsLoadTheVmlinuxAsTheStubWould() throws Exception {
        for (Packer p : Packer.values()) {
            Ram ram = new Ram(64 * MB);
            ram.write8(LOAD + 0x200000 + 4000, 0x55);   // junk where .bss goes
            byte[] image = bzImage(pack(p, VMLINUX));
            LoadedKernel k = KernelLoader.load(ram, image, "bz", new Initrd(new byte[9000], "rd"), "quiet");

            assertEquals(KernelFormat.BZIMAGE, k.format(), p.name());
            assertArrayEquals(TEXT, read(ram, LOAD, TEXT.length), p.name());
            assertArrayEquals(DATA, read(ram, LOAD + 0x200000, DATA.length), p.name());
            assertEquals(0, ram.read8(LOAD + 0x200000 + 4000), p + ": .bss zeroed");
            assertEquals(0, ram.read32(0x100000), p + ": the stub is not loaded, nothing runs it");
            assertEquals(LOAD, k.kernelStart());
            assertEquals(LOAD + 0x205000, k.kernelEnd());

            EntryState e = k.entry();
            assertEquals(LOAD, e.eip(), "the vmlinux entry, phys_startup_32");
            assertEquals(LOAD, e.eax(), "head_32.S: jmp *%eax");
            assertEquals(LOAD, e.ebp(), "the output address the stub unpacked to");
            assertEquals(0, e.ebx());
            assertEquals(GuestLayout.BOOT_PARAMS, e.esi());
            assertEquals(0x10, e.cs());
            assertEquals(0x18, e.ds());

            int bp = GuestLayout.BOOT_PARAMS;
            assertEquals(4, ram.read8(bp + BootParams.SETUP_SECTS), "the bzImage's own setup header");
            assertEquals(LOAD, ram.read32(bp + BootParams.KERNEL_ALIGNMENT));
            assertEquals(BootParams.LOADED_HIGH, ram.read8(bp + BootParams.LOADFLAGS), "KASLR flag cleared as extract_kernel does");
            assertEquals(0x100000, ram.read32(bp + BootParams.CODE32_START));
            assertEquals(0xFF, ram.read8(bp + BootParams.TYPE_OF_LOADER));
            assertEquals("quiet", ram.readCString(ram.read32(bp + BootParams.CMD_LINE_PTR), 100));
            assertEquals(9000, ram.read32(bp + BootParams.RAMDISK_SIZE));
            assertEquals(3, ram.read8(bp + BootParams.E820_ENTRIES));
        }
    }

    /** A reboot loads the payload the first load unpacked: the same array, the same RAM and entry. */
    @Test
    void aSecondLoadTakesTheUnpackedPayloadFromTheMemo() throws Exception {
        byte[] image = bzImage(pack(Packer.XZ, VMLINUX));
        UnpackedKernel memo = new UnpackedKernel();
        Ram first = new Ram(64 * MB);
        LoadedKernel k1 = KernelLoader.load(first, image, "bz", null, "quiet", Decompression.HOST, memo);
        byte[] unpacked = memo.vmlinux;
        assertTrue(unpacked != null && unpacked.length == VMLINUX.length, "the first load keeps what it unpacked");
        Ram second = new Ram(64 * MB);
        LoadedKernel k2 = KernelLoader.load(second, image, "bz", null, "quiet", Decompression.HOST, memo);
        assertTrue(memo.vmlinux == unpacked, "the second load unpacks nothing");
        assertArrayEquals(first.bytes, second.bytes);
        assertEquals(k1.entry(), k2.entry());
        assertEquals(k1.kernelEnd(), k2.kernelEnd());
    }

    @Test
    void guestDecompressionLoadsTheBzImageAsItIs() throws Exception {
        byte[] image = bzImage(pack(Packer.XZ, VMLINUX));
        Ram ram = new Ram(64 * MB);
        LoadedKernel k = KernelLoader.load(ram, image, "bz", null, "", Decompression.GUEST);
        int pm = 5 * 512;
        assertArrayEquals(Arrays.copyOfRange(image, pm, image.length), read(ram, 0x100000, image.length - pm));
        assertEquals(0x100000, k.entry().eip());
        assertEquals(0, ram.read32(LOAD));
        assertEquals(BootParams.LOADED_HIGH | BootParams.KASLR_FLAG,
                ram.read8(GuestLayout.BOOT_PARAMS + BootParams.LOADFLAGS), "the stub's business then");
    }

    @Test
    void formatsWithoutAHostDecoderBootThroughTheStub() throws Exception {
        byte[] zstd = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 1, 0};
        byte[] image = bzImage(zstd);
        Ram ram = new Ram(32 * MB);
        LoadedKernel k = KernelLoader.load(ram, image, "bz", null, "");
        assertEquals(0x100000, k.entry().eip());
        assertArrayEquals(STUB, read(ram, 0x100000, STUB.length));
    }

    @Test
    void brokenPayloadsEndInOneLine() throws Exception {
        byte[] xz = pack(Packer.XZ, VMLINUX);
        byte[] corrupt = xz.clone();
        corrupt[corrupt.length / 2] ^= 0x5A;
        byte[] shortStream = Arrays.copyOf(xz, xz.length / 2 + 4);
        System.arraycopy(le32(VMLINUX.length), 0, shortStream, shortStream.length - 4, 4);
        byte[] gz = pack(Packer.GZIP, VMLINUX);
        byte[] gzBadCrc = gz.clone();
        gzBadCrc[gz.length - 6] ^= 1;
        byte[] lzmaTooBig = pack(Packer.LZMA, VMLINUX);
        System.arraycopy(le32(200 * MB), 0, lzmaTooBig, lzmaTooBig.length - 4, 4);
        byte[] notElf = pack(Packer.GZIP, TestImages.pattern(5000, 3));
        byte[][] payloads = {corrupt, shortStream, gzBadCrc, lzmaTooBig, notElf};
        String[] says = {"corrupt", "corrupt or truncated", "corrupt", "more than the guest's RAM", "not an ELF"};
        for (int i = 0; i < payloads.length; i++) {
            byte[] image = bzImage(payloads[i]);
            BootException e = assertThrows(BootException.class,
                    () -> KernelLoader.load(new Ram(64 * MB), image, "bz", null, ""), says[i]);
            assertTrue(e.getMessage().startsWith("bz"), e.getMessage());
            assertTrue(e.getMessage().contains(says[i]), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        byte[] cut = bzImage(xz);
        byte[] truncatedFile = Arrays.copyOf(cut, cut.length - 100);
        BootException e = assertThrows(BootException.class, () -> KernelLoader.load(new Ram(64 * MB), truncatedFile, "bz", null, ""));
        assertTrue(e.getMessage().contains("truncated bzImage"), e.getMessage());
    }

    @Test
    void aPayloadThatUnpacksLongerThanItSaysIsRefused() throws Exception {
        byte[] gz = pack(Packer.LZMA, VMLINUX);
        System.arraycopy(le32(VMLINUX.length - 10), 0, gz, gz.length - 4, 4);
        BootException e = assertThrows(BootException.class, () -> KernelLoader.load(new Ram(64 * MB), bzImage(gz), "bz", null, ""));
        assertTrue(e.getMessage().contains("more than the"), e.getMessage());
    }
}
