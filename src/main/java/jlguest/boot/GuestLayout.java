package jlguest.boot;

/**
 * Where the launcher puts the things it hands a kernel, in low guest-physical memory.
 *
 * <p>tour:boot:010 Without a BIOS, the launcher is the firmware: it decides where the "zero page"
 * (Linux's boot_params), the command line and the multiboot structures live. We keep them all in
 * the first 640 KiB, which the e820 map reports as usable RAM: Linux copies what it needs out of
 * them early in boot and then reuses the memory, exactly as it would after a real boot loader.
 * Kernels themselves load at 1 MiB or above.
 */
public final class GuestLayout {
    private GuestLayout() {
    }

    /** Linux's boot_params ("zero page"), 4 KiB. The 32-bit entry gets its address in ESI. */
    public static final int BOOT_PARAMS = 0x7000;
    /** The kernel command line, NUL-terminated (Linux: cmd_line_ptr; multiboot: cmdline). */
    public static final int CMDLINE = 0x20000;
    /** Room reserved for the command line, more than any kernel accepts. */
    public static final int CMDLINE_MAX = 0x1000;
    /** multiboot_info, then its memory map, module list and boot loader name. */
    public static final int MULTIBOOT_INFO = 0x9000;
    public static final int MULTIBOOT_MMAP = 0x9100;
    public static final int MULTIBOOT_MODULES = 0x9400;
    public static final int MULTIBOOT_LOADER_NAME = 0x9500;
    /** The initial stack pointer we give kernels that do not set their own before using one. */
    public static final int INITIAL_STACK = 0x6FF0;

    /** Start of the legacy hole that e820 marks reserved (no BIOS is behind it). */
    public static final int LEGACY_HOLE_START = 0x9FC00;
    /** End of the legacy hole: "high" memory starts at 1 MiB. */
    public static final int HIGH_MEMORY = 0x100000;
    /** Linux on i386 maps at most 896 MiB directly; an initrd above that cannot be reached early. */
    public static final long LOWMEM_LIMIT = 896L << 20;
    /** Smallest and largest RAM the machine offers (the largest is one Java array; see README). */
    public static final long MIN_RAM = 16L << 20;
    public static final long MAX_RAM = 2047L << 20;
}
