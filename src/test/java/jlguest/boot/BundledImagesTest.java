package jlguest.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import jlguest.bus.Ram;
import org.junit.jupiter.api.Test;

/** The loaders against the real images in guest-images/, not against images we made up. */
class BundledImagesTest {
    private static final Path IMAGES = Path.of("guest-images");
    private static final int MB = 1 << 20;

    private static byte[] image(String name) throws Exception {
        return Files.readAllBytes(IMAGES.resolve(name));
    }

    @Test
    void vmlinuxSegmentsLandAtTheirPhysicalAddresses() throws Exception {
        byte[] vmlinux = image("vmlinux");
        byte[] initrd = image("initrd.img");
        Ram ram = new Ram(64 * MB);
        LoadedKernel k = KernelLoader.load(ram, vmlinux, "vmlinux", new Initrd(initrd, "initrd.img"), "console=ttyS0");
        assertEquals(KernelFormat.VMLINUX, k.format());
        assertEquals(0x100000, k.entry().eip(), "our kernel is built to run at 1 MiB physical (guest-images/README.md)");
        assertEquals(GuestLayout.BOOT_PARAMS, k.entry().esi());
        Elf32 elf = Elf32.parse(vmlinux, "vmlinux");
        for (Elf32.Segment s : elf.loads()) {
            byte[] want = Arrays.copyOfRange(vmlinux, (int) s.offset(), (int) (s.offset() + s.fileSize()));
            byte[] got = Arrays.copyOfRange(ram.bytes, (int) s.paddr(), (int) (s.paddr() + s.fileSize()));
            assertArrayEquals(want, got, "segment at " + Long.toHexString(s.paddr()));
            assertTrue(s.vaddr() - s.paddr() == 0xC0000000L, "PAGE_OFFSET split");
        }
        int bp = GuestLayout.BOOT_PARAMS;
        assertEquals(initrd.length, ram.read32(bp + BootParams.RAMDISK_SIZE));
        int rd = ram.read32(bp + BootParams.RAMDISK_IMAGE);
        assertTrue(rd >= k.kernelEnd() && rd + initrd.length <= 64 * MB);
        assertArrayEquals(initrd, Arrays.copyOfRange(ram.bytes, rd, rd + initrd.length));
        assertEquals("console=ttyS0", ram.readCString(ram.read32(bp + BootParams.CMD_LINE_PTR), 100));
    }

    @Test
    void bzImageProtectedModePartAndSetupHeader() throws Exception {
        byte[] bz = image("bzImage");
        ByteBuffer b = ByteBuffer.wrap(bz).order(ByteOrder.LITTLE_ENDIAN);
        assertTrue((b.getShort(BootParams.VERSION) & 0xFFFF) >= 0x207);
        Ram ram = new Ram(64 * MB);
        LoadedKernel k = KernelLoader.load(ram, bz, "bzImage", new Initrd(image("initrd.img"), "initrd.img"), "quiet",
                Decompression.GUEST);
        assertEquals(KernelFormat.BZIMAGE, k.format());
        assertEquals(0x100000, k.entry().eip());
        int pm = ((bz[BootParams.SETUP_SECTS] & 0xFF) + 1) * 512;
        assertArrayEquals(Arrays.copyOfRange(bz, pm, bz.length), Arrays.copyOfRange(ram.bytes, 0x100000, 0x100000 + bz.length - pm));
        int bp = GuestLayout.BOOT_PARAMS;
        int headerEnd = 0x202 + (bz[BootParams.HEADER_END_BYTE] & 0xFF);
        for (int off = BootParams.SETUP_HEADER; off < headerEnd; off++) {
            if (off >= BootParams.TYPE_OF_LOADER && off <= BootParams.CMD_LINE_PTR + 3 || off == BootParams.VID_MODE
                    || off == BootParams.VID_MODE + 1 || off >= BootParams.CODE32_START && off < BootParams.CODE32_START + 4) {
                continue;   // fields the loader fills in
            }
            assertEquals(bz[off] & 0xFF, ram.read8(bp + off), "setup header byte 0x" + Integer.toHexString(off));
        }
        assertEquals(0xFF, ram.read8(bp + BootParams.TYPE_OF_LOADER));
        assertEquals("quiet", ram.readCString(ram.read32(bp + BootParams.CMD_LINE_PTR), 100));
        long initSize = b.getInt(BootParams.INIT_SIZE) & 0xFFFFFFFFL;
        assertTrue(k.kernelEnd() >= b.getLong(BootParams.PREF_ADDRESS) + initSize);
    }

    @Test
    void theBzImagesPayloadUnpacksToTheBundledVmlinux() throws Exception {
        // Both come from one kernel build (guest-images/build.sh): the payload is vmlinux stripped
        // of its symbols, so every loadable byte, the entry point and the addresses must agree.
        byte[] bz = image("bzImage");
        byte[] vmlinux = image("vmlinux");
        Ram viaPayload = new Ram(64 * MB);
        LoadedKernel k = KernelLoader.load(viaPayload, bz, "bzImage", null, "quiet", Decompression.HOST);
        Ram direct = new Ram(64 * MB);
        LoadedKernel v = KernelLoader.load(direct, vmlinux, "vmlinux", null, "quiet");
        assertEquals(v.entry().eip(), k.entry().eip());
        assertEquals(v.kernelStart(), k.kernelStart());
        assertEquals(v.kernelEnd(), k.kernelEnd());
        for (Elf32.Segment s : Elf32.parse(vmlinux, "vmlinux").loads()) {
            int from = (int) s.paddr();
            int to = (int) (s.paddr() + s.memSize());
            assertArrayEquals(Arrays.copyOfRange(direct.bytes, from, to), Arrays.copyOfRange(viaPayload.bytes, from, to),
                    "segment at " + Long.toHexString(s.paddr()));
        }
        int bp = GuestLayout.BOOT_PARAMS;
        assertEquals(bz[BootParams.SETUP_SECTS] & 0xFF, viaPayload.read8(bp + BootParams.SETUP_SECTS), "the bzImage's header");
    }

    @Test
    void multibootTestKernelsBothWays() throws Exception {
        for (String name : new String[] {"multiboot-test.elf", "multiboot-test-kludge.bin"}) {
            Ram ram = new Ram(16 * MB);
            LoadedKernel k = KernelLoader.load(ram, image(name), name, null, name + " hello");
            assertEquals(KernelFormat.MULTIBOOT, k.format(), name);
            assertEquals(0x2BADB002, k.entry().eax());
            assertEquals(GuestLayout.MULTIBOOT_INFO, k.entry().ebx());
            assertTrue(k.kernelStart() >= 0x100000, name);
            assertEquals(name + " hello", ram.readCString(ram.read32(GuestLayout.MULTIBOOT_INFO + 16), 100));
        }
    }
}
