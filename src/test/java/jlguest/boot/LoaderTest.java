package jlguest.boot;

import jlguest.cpu.EntryState;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import jlguest.bus.Ram;
import org.junit.jupiter.api.Test;

/** The loaders place the right bytes and fill boot_params / multiboot_info as the protocols say. */
class LoaderTest {
    private static final int MB = 1 << 20;

    private static byte[] read(Ram ram, long at, int n) {
        return Arrays.copyOfRange(ram.bytes, (int) at, (int) at + n);
    }

    @Test
    void vmlinuxSegmentsBssBootParamsAndEntry() throws Exception {
        byte[] text = TestImages.pattern(5000, 1);
        byte[] data = TestImages.pattern(300, 2);
        byte[] image = TestImages.elf32(0x100000, new TestImages.Seg(0x100000, text, 5000),
                new TestImages.Seg(0x200000, data, 0x3000));
        Ram ram = new Ram(32 * MB);
        ram.write8(0x200000 + 400, 0x55);          // junk where .bss goes: must be zeroed
        Initrd initrd = new Initrd(TestImages.pattern(10_000, 3), "initrd");
        LoadedKernel k = KernelLoader.load(ram, image, "vmlinux", initrd, "root=/dev/vda console=ttyS0");

        assertEquals(KernelFormat.VMLINUX, k.format());
        assertArrayEquals(text, read(ram, 0x100000, 5000));
        assertArrayEquals(data, read(ram, 0x200000, 300));
        assertEquals(0, ram.read8(0x200000 + 400));
        assertEquals(0x100000, k.kernelStart());
        assertEquals(0x203000, k.kernelEnd());

        EntryState e = k.entry();
        assertEquals(0x100000, e.eip());
        assertEquals(GuestLayout.BOOT_PARAMS, e.esi());
        assertEquals(0x10, e.cs());
        assertEquals(0x18, e.ds());
        assertEquals(0, e.ebx() | e.ebp() | e.edi());

        int bp = GuestLayout.BOOT_PARAMS;
        assertEquals(0xAA55, ram.read16(bp + BootParams.BOOT_FLAG));
        assertEquals(BootParams.HDRS, ram.read32(bp + BootParams.HEADER_MAGIC));
        assertTrue(ram.read16(bp + BootParams.VERSION) >= 0x207);
        assertEquals(0xFF, ram.read8(bp + BootParams.TYPE_OF_LOADER));
        assertEquals(1, ram.read8(bp + BootParams.LOADFLAGS) & 1);
        assertEquals("root=/dev/vda console=ttyS0", ram.readCString(ram.read32(bp + BootParams.CMD_LINE_PTR), 4096));
        assertE820(ram, bp, 32 * MB);

        int rd = ram.read32(bp + BootParams.RAMDISK_IMAGE);
        assertEquals(10_000, ram.read32(bp + BootParams.RAMDISK_SIZE));
        assertEquals(0, rd & 0xFFF, "initrd page-aligned");
        assertTrue(rd + 10_000 <= 32 * MB && rd > 32 * MB - 0x4000, "initrd near the top of RAM");
        assertArrayEquals(initrd.bytes(), read(ram, rd, 10_000));
    }

    private static void assertE820(Ram ram, int bp, long ramSize) {
        assertEquals(3, ram.read8(bp + BootParams.E820_ENTRIES));
        long[][] want = {{0, 0x9FC00, 1}, {0x9FC00, 0x100000 - 0x9FC00, 2}, {0x100000, ramSize - 0x100000, 1}};
        for (int i = 0; i < 3; i++) {
            int p = bp + BootParams.E820_TABLE + 20 * i;
            assertEquals(want[i][0], ram.read64(p));
            assertEquals(want[i][1], ram.read64(p + 8));
            assertEquals(want[i][2], ram.read32(p + 16));
        }
    }

    @Test
    void initrdStaysBelow896MiB() throws Exception {
        byte[] image = TestImages.elf32(0x100000, new TestImages.Seg(0x100000, new byte[16], 16));
        Ram ram = new Ram(1024 * MB);
        KernelLoader.load(ram, image, "k", new Initrd(new byte[5000], "rd"), "");
        int rd = ram.read32(GuestLayout.BOOT_PARAMS + BootParams.RAMDISK_IMAGE);
        assertEquals(896L * MB - 0x2000, rd & 0xFFFFFFFFL);
    }

    @Test
    void bzImageProtectedModePartHeaderCopyAndEntry() throws Exception {
        byte[] pm = TestImages.pattern(7000, 9);
        byte[] image = TestImages.bzImage(4, pm, 0x1000000, 0x400000);
        Ram ram = new Ram(64 * MB);
        LoadedKernel k = KernelLoader.load(ram, image, "bzImage", new Initrd(new byte[8192], "rd"), "quiet");
        assertEquals(KernelFormat.BZIMAGE, k.format());
        assertArrayEquals(pm, read(ram, 0x100000, 7000));
        assertEquals(0x100000, k.entry().eip());
        assertEquals(0x1400000, k.kernelEnd(), "pref_address + init_size");
        int bp = GuestLayout.BOOT_PARAMS;
        assertEquals(4, ram.read8(bp + BootParams.SETUP_SECTS), "setup header copied");
        assertEquals(0x020F, ram.read16(bp + BootParams.VERSION));
        assertEquals(0xFF, ram.read8(bp + BootParams.TYPE_OF_LOADER));
        assertEquals(0x100000, ram.read32(bp + BootParams.CODE32_START));
        assertEquals("quiet", ram.readCString(ram.read32(bp + BootParams.CMD_LINE_PTR), 100));
        assertE820(ram, bp, 64 * MB);
    }

    @Test
    void bzImageTooOldOrZImageIsRefused() {
        byte[] old = TestImages.bzImage(4, new byte[512], 0, 0);
        old[BootParams.VERSION] = 0x04;
        BootException e = assertThrows(BootException.class, () -> KernelLoader.load(new Ram(32 * MB), old, "k", null, ""));
        assertTrue(e.getMessage().contains("2.04 is too old"), e.getMessage());
        byte[] zimage = TestImages.bzImage(4, new byte[512], 0, 0);
        zimage[BootParams.LOADFLAGS] = 0;
        assertThrows(BootException.class, () -> KernelLoader.load(new Ram(32 * MB), zimage, "k", null, ""));
    }

    /** Issue 17 item 11: header fields read as unsigned; no "at most -1", no wrapped address. */
    @Test
    void bzImageHeaderFieldsAreUnsigned() throws Exception {
        byte[] huge = TestImages.bzImage(4, new byte[512], 0, 0x1000);
        java.nio.ByteBuffer.wrap(huge).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(BootParams.CMDLINE_SIZE, -1);
        KernelLoader.load(new Ram(32 * MB), huge, "k", null, "quiet");   // no limit: fits our buffer
        BootException e = assertThrows(BootException.class,
                () -> KernelLoader.load(new Ram(32 * MB), huge, "k", null, "x".repeat(5000)));
        assertTrue(e.getMessage().matches("the kernel command line is 5000 bytes; this kernel accepts at most \\d+")
                && !e.getMessage().contains("-"), e.getMessage());
        byte[] far = TestImages.bzImage(4, new byte[512], 0xFFFF_FFFF_FFFF_F000L, 0x2000);
        e = assertThrows(BootException.class, () -> KernelLoader.load(new Ram(32 * MB), far, "k", null, ""));
        assertEquals("k: the header's pref_address 0xfffffffffffff000 lies beyond 4 GiB", e.getMessage());
    }

    @Test
    void multibootElfGetsInfoMemoryMapCommandLineAndModule() throws Exception {
        byte[] code = new byte[256];
        System.arraycopy(TestImages.multibootHeader(3, 0, 0, 0, 0, 0), 0, code, 0, 12);
        byte[] image = TestImages.elf32(0x100010, new TestImages.Seg(0x100000, code, 0x1000));
        byte[] withHeaderEarly = Arrays.copyOf(image, image.length);
        Ram ram = new Ram(16 * MB);
        LoadedKernel k = KernelLoader.load(ram, withHeaderEarly, "mb.elf", new Initrd(TestImages.pattern(3000, 5), "mod"),
                "hello world");
        assertEquals(KernelFormat.MULTIBOOT, k.format());
        EntryState e = k.entry();
        assertEquals(0x2BADB002, e.eax());
        assertEquals(GuestLayout.MULTIBOOT_INFO, e.ebx());
        assertEquals(0x100010, e.eip());
        int info = e.ebx();
        int flags = ram.read32(info);
        assertEquals(1 | 4 | 8 | 64 | 512, flags);
        assertEquals(639, ram.read32(info + 4));
        assertEquals(15 * 1024, ram.read32(info + 8));
        assertEquals("hello world", ram.readCString(ram.read32(info + 16), 100));
        assertEquals(1, ram.read32(info + 20));
        int mod = ram.read32(info + 24);
        int modStart = ram.read32(mod);
        assertEquals(0, modStart & 0xFFF);
        assertEquals(modStart + 3000, ram.read32(mod + 4));
        assertArrayEquals(TestImages.pattern(3000, 5), read(ram, modStart, 3000));
        assertEquals(72, ram.read32(info + 44));
        int mmap = ram.read32(info + 48);
        assertEquals(20, ram.read32(mmap));
        assertEquals(0x100000, ram.read64(mmap + 48 + 4));
        assertEquals(15L * MB, ram.read64(mmap + 48 + 12));
        assertEquals(1, ram.read32(mmap + 48 + 20));
        assertEquals(2, ram.read32(mmap + 24 + 20));
        assertEquals("jlguest", ram.readCString(ram.read32(info + 64), 100));
    }

    @Test
    void multibootAddressFieldsLoadAFlatImage() throws Exception {
        // The header sits at file offset 64; the file is loaded at 0x200000 from offset 0.
        byte[] image = TestImages.pattern(4096, 7);
        byte[] header = TestImages.multibootHeader(0x10003, 0x200040, 0x200000, 0x200000 + 3000, 0x202000, 0x200080);
        System.arraycopy(header, 0, image, 64, 32);
        Ram ram = new Ram(16 * MB);
        ram.write8(0x200000 + 3500, 0x77);
        LoadedKernel k = KernelLoader.load(ram, image, "flat.bin", null, "");
        assertEquals(0x200080, k.entry().eip());
        assertArrayEquals(Arrays.copyOf(image, 3000), read(ram, 0x200000, 3000));
        assertEquals(0, ram.read8(0x200000 + 3500), "bss zeroed");
        assertEquals(0x202000, k.kernelEnd());
        assertEquals(0, ram.read32(GuestLayout.MULTIBOOT_INFO) & 8, "no module flag without an initrd");
    }

    @Test
    void multibootVideoModeRequestIsRefused() {
        byte[] image = new byte[512];
        System.arraycopy(TestImages.multibootHeader(4, 0, 0, 0, 0, 0), 0, image, 0, 12);
        BootException e = assertThrows(BootException.class, () -> KernelLoader.load(new Ram(16 * MB), image, "k", null, ""));
        assertTrue(e.getMessage().contains("video mode"));
    }

    @Test
    void badImagesGiveOneClearSentence() {
        Ram ram = new Ram(16 * MB);
        byte[] good = TestImages.elf32(0x100000, new TestImages.Seg(0x100000, new byte[100], 100));
        byte[] sixtyFour = good.clone();
        sixtyFour[4] = 2;
        byte[] arm = good.clone();
        arm[18] = 40;
        byte[] truncated = Arrays.copyOf(good, 60);
        byte[] tooHigh = TestImages.elf32(0x2000000, new TestImages.Seg(0x2000000, new byte[100], 100));
        byte[] inHole = TestImages.elf32(0xA0000, new TestImages.Seg(0xA0000, new byte[100], 100));
        byte[] random = TestImages.pattern(10_000, 42);
        assertMessage(ram, sixtyFour, "64-bit ELF");
        assertMessage(ram, arm, "not i386");
        assertMessage(ram, truncated, "truncated");
        assertMessage(ram, tooHigh, "outside the usable RAM");
        assertMessage(ram, inHole, "outside the usable RAM");
        assertMessage(ram, random, "not a kernel");
        assertMessage(ram, new byte[0], "empty");
        byte[] big = new byte[15 * MB];
        BootException e = assertThrows(BootException.class,
                () -> KernelLoader.load(ram, good, "k", new Initrd(big, "rd"), ""));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        String longLine = "x".repeat(3000);
        e = assertThrows(BootException.class, () -> KernelLoader.load(ram, good, "k", null, longLine));
        assertTrue(e.getMessage().contains("at most 2047"), e.getMessage());
    }

    private static void assertMessage(Ram ram, byte[] image, String fragment) {
        BootException e = assertThrows(BootException.class, () -> KernelLoader.load(ram, image, "kernel", null, ""));
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' lacks '" + fragment + "'");
        assertTrue(!e.getMessage().contains("\n"));
    }
}
