package jlguest.boot;

import java.util.List;

import jlguest.bus.Ram;

/**
 * Offsets into Linux's boot_params, the "zero page" (Documentation/arch/x86/zero-page.rst and
 * boot.rst), and the code that fills it in guest RAM.
 *
 * <p>tour:boot:030 A real boot loader runs Linux's real-mode setup code, which fills this page by
 * asking the BIOS. We skip all of that and enter the kernel's 32-bit entry point directly, so we
 * must hand it a zero page already filled in: the setup header (copied from a bzImage, or made up
 * for a bare vmlinux), the e820 memory map, where the command line and the initrd are, and that a
 * boot loader of type 0xFF ("undefined") loaded it; without a loader type Linux ignores the initrd.
 */
public final class BootParams {
    private BootParams() {
    }

    public static final int SIZE = 4096;
    public static final int ALT_MEM_K = 0x1E0;
    public static final int E820_ENTRIES = 0x1E8;
    public static final int SETUP_HEADER = 0x1F1;
    public static final int SETUP_SECTS = 0x1F1;
    public static final int VID_MODE = 0x1FA;
    public static final int BOOT_FLAG = 0x1FE;
    public static final int HEADER_END_BYTE = 0x201;
    public static final int HEADER_MAGIC = 0x202;
    public static final int VERSION = 0x206;
    public static final int TYPE_OF_LOADER = 0x210;
    public static final int LOADFLAGS = 0x211;
    public static final int CODE32_START = 0x214;
    public static final int RAMDISK_IMAGE = 0x218;
    public static final int RAMDISK_SIZE = 0x21C;
    public static final int CMD_LINE_PTR = 0x228;
    public static final int INITRD_ADDR_MAX = 0x22C;
    public static final int KERNEL_ALIGNMENT = 0x230;
    public static final int RELOCATABLE_KERNEL = 0x234;
    public static final int CMDLINE_SIZE = 0x238;
    public static final int HARDWARE_SUBARCH = 0x23C;
    /** Protocol 2.08+: where the compressed kernel starts, counted from the protected-mode code. */
    public static final int PAYLOAD_OFFSET = 0x248;
    public static final int PAYLOAD_LENGTH = 0x24C;
    public static final int PREF_ADDRESS = 0x258;
    public static final int INIT_SIZE = 0x260;
    public static final int E820_TABLE = 0x2D0;
    public static final int E820_ENTRY_SIZE = 20;

    /** "HdrS", the setup header's signature, as a little-endian int. */
    public static final int HDRS = 0x53726448;
    public static final int LOADED_HIGH = 0x01;
    /** loadflags bit 1: set by the kernel's decompressor stub when it randomised the load address. */
    public static final int KASLR_FLAG = 0x02;
    /** The protocol version we claim for a bare vmlinux (the one Linux 6.1 itself speaks). */
    public static final int VMLINUX_PROTOCOL = 0x020F;
    public static final int LOADER_UNDEFINED = 0xFF;

    /**
     * Writes the fields every Linux boot needs into the zero page at {@code at}, on top of whatever
     * setup header is already there.
     */
    public static void fill(Ram ram, int at, long ramSize, int cmdline, long initrdStart, long initrdSize) {
        ram.write16(at + VID_MODE, 0xFFFF);                     // "normal" video mode: leave it alone
        ram.write8(at + TYPE_OF_LOADER, LOADER_UNDEFINED);
        ram.write8(at + LOADFLAGS, ram.read8(at + LOADFLAGS) | LOADED_HIGH);
        ram.write32(at + CMD_LINE_PTR, cmdline);
        ram.write32(at + RAMDISK_IMAGE, (int) initrdStart);
        ram.write32(at + RAMDISK_SIZE, (int) initrdSize);
        ram.write32(at + HARDWARE_SUBARCH, 0);                  // a plain PC
        ram.write32(at + ALT_MEM_K, (int) ((ramSize - GuestLayout.HIGH_MEMORY) >> 10));
        List<E820.Entry> map = E820.forRam(ramSize);
        ram.write8(at + E820_ENTRIES, map.size());
        for (int i = 0; i < map.size(); i++) {
            E820.Entry e = map.get(i);
            int p = at + E820_TABLE + i * E820_ENTRY_SIZE;
            ram.write64(p, e.base());
            ram.write64(p + 8, e.length());
            ram.write32(p + 16, e.type());
        }
    }
}
