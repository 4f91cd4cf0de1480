package jlguest.boot;

import jlguest.cpu.EntryState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import jlguest.bus.Ram;

/**
 * Loads a Linux kernel, as a bare vmlinux ELF or as a bzImage, and fills its zero page.
 *
 * <p>tour:boot:040 Both forms end the same way: kernel bytes in RAM, an initrd near the top of low
 * memory, a zero page at {@link GuestLayout#BOOT_PARAMS}, and a CPU state for the 32-bit boot
 * protocol (flat segments, CS=0x10, DS=0x18, ESI pointing at the zero page). A bzImage carries a
 * setup header we copy; a vmlinux does not, so we write the one its own setup code would have.
 */
public final class LinuxLoader {
    private LinuxLoader() {
    }

    /** Oldest boot protocol we accept for a bzImage: 2.07 brought hardware_subarch. */
    private static final int MIN_PROTOCOL = 0x0207;
    /** A bzImage's protected-mode part always goes here (code32_start). */
    private static final int BZIMAGE_LOAD = 0x100000;

    /** True when {@code image} looks like a bzImage: boot flag 0xAA55 and "HdrS" in the setup header. */
    public static boolean isBzImage(byte[] image) {
        if (image.length < 0x264) {
            return false;
        }
        ByteBuffer b = le(image);
        return (b.getShort(BootParams.BOOT_FLAG) & 0xFFFF) == 0xAA55 && b.getInt(BootParams.HEADER_MAGIC) == BootParams.HDRS;
    }

    public static LoadedKernel loadVmlinux(Ram ram, byte[] image, String name, Initrd initrd, String cmdline)
            throws BootException {
        Elf32 elf = Elf32.parse(image, name);
        long start = elf.loads().stream().mapToLong(Elf32.Segment::paddr).min().orElseThrow();
        long end = elf.loadInto(image, ram, name);
        int entry = elf.entry();
        if (!ram.contains(entry & 0xFFFFFFFFL, 1)) {
            throw new BootException(String.format("%s: entry point 0x%x is not in RAM (is it a vmlinux?)", name, entry));
        }
        int bp = GuestLayout.BOOT_PARAMS;
        ram.zero(bp, BootParams.SIZE);
        // The setup header a bzImage would have carried, reduced to the fields Linux reads.
        ram.write16(bp + BootParams.BOOT_FLAG, 0xAA55);
        ram.write8(bp + BootParams.HEADER_END_BYTE, BootParams.INIT_SIZE + 4 - BootParams.HEADER_MAGIC);
        ram.write32(bp + BootParams.HEADER_MAGIC, BootParams.HDRS);
        ram.write16(bp + BootParams.VERSION, BootParams.VMLINUX_PROTOCOL);
        ram.write32(bp + BootParams.CODE32_START, entry);
        ram.write32(bp + BootParams.INITRD_ADDR_MAX, 0x7FFFFFFF);
        ram.write32(bp + BootParams.KERNEL_ALIGNMENT, 0x1000);
        ram.write32(bp + BootParams.CMDLINE_SIZE, 2047);
        ram.write64(bp + BootParams.PREF_ADDRESS, start);
        ram.write32(bp + BootParams.INIT_SIZE, (int) (end - start));
        return finish(ram, KernelFormat.VMLINUX, entry, start, end, 0x7FFFFFFFL, 2047, initrd, cmdline);
    }

    public static LoadedKernel loadBzImage(Ram ram, byte[] image, String name, Initrd initrd, String cmdline)
            throws BootException {
        return loadBzImage(ram, image, name, initrd, cmdline, Decompression.GUEST);
    }

    /**
     * Loads a bzImage; with {@link Decompression#HOST} and a payload we can unpack, as the vmlinux
     * inside it (see {@link #loadUnpacked}), otherwise as it is, for its own stub to unpack.
     */
    public static LoadedKernel loadBzImage(Ram ram, byte[] image, String name, Initrd initrd, String cmdline,
                                           Decompression mode) throws BootException {
        return loadBzImage(ram, image, name, initrd, cmdline, mode, null);
    }

    /** As above; a host-unpacked payload is taken from {@code memo} when it holds one, and left there. */
    public static LoadedKernel loadBzImage(Ram ram, byte[] image, String name, Initrd initrd, String cmdline,
                                           Decompression mode, UnpackedKernel memo) throws BootException {
        ByteBuffer b = le(image);
        int version = b.getShort(BootParams.VERSION) & 0xFFFF;
        if (version < MIN_PROTOCOL) {
            throw new BootException(String.format(
                    "%s: boot protocol %d.%02d is too old; jlguest needs 2.07 or newer", name, version >> 8, version & 0xFF));
        }
        if ((image[BootParams.LOADFLAGS] & BootParams.LOADED_HIGH) == 0) {
            throw new BootException(name + ": is a zImage (loads below 1 MiB); jlguest needs a bzImage");
        }
        int setupSects = image[BootParams.SETUP_SECTS] & 0xFF;
        long pmOffset = (setupSects == 0 ? 4 : setupSects + 1) * 512L;
        long pmSize = image.length - pmOffset;
        int headerEnd = 0x202 + (image[BootParams.HEADER_END_BYTE] & 0xFF);
        if (pmSize <= 0 || headerEnd > image.length) {
            throw new BootException(name + ": truncated bzImage");
        }
        if (mode == Decompression.HOST) {
            if (memo != null && memo.vmlinux != null) {
                return loadUnpacked(ram, image, headerEnd, memo.vmlinux, name, initrd, cmdline);
            }
            BzImagePayload payload = BzImagePayload.find(image, (int) pmOffset, name);
            if (payload != null && payload.compression().hostDecodable()) {
                byte[] vmlinux = payload.unpack(image, ram.size(), name);
                if (memo != null) {
                    memo.vmlinux = vmlinux;
                }
                return loadUnpacked(ram, image, headerEnd, vmlinux, name, initrd, cmdline);
            }
        }
        if (!ram.contains(BZIMAGE_LOAD, pmSize)) {
            throw new BootException(name + ": the kernel does not fit in " + (ram.size() >> 20) + " MiB of RAM");
        }
        long pref = b.getLong(BootParams.PREF_ADDRESS);
        long initSize = b.getInt(BootParams.INIT_SIZE) & 0xFFFFFFFFL;
        if (Long.compareUnsigned(pref, 0xFFFF_FFFFL) > 0) {   // a 32-bit kernel cannot run there; the sum below would wrap
            throw new BootException(String.format("%s: the header's pref_address 0x%s lies beyond 4 GiB",
                    name, Long.toHexString(pref)));
        }
        long runStart = pref != 0 ? pref : BZIMAGE_LOAD;
        long end = Math.max(BZIMAGE_LOAD + pmSize, runStart + initSize);
        if (!ram.contains(runStart, initSize)) {
            throw new BootException(String.format("%s: the kernel needs RAM up to 0x%x, more than a %d MiB guest has",
                    name, runStart + initSize, ram.size() >> 20));
        }
        ram.load(BZIMAGE_LOAD, image, (int) pmOffset, (int) pmSize);
        int bp = GuestLayout.BOOT_PARAMS;
        ram.zero(bp, BootParams.SIZE);
        ram.load(bp + BootParams.SETUP_HEADER, image, BootParams.SETUP_HEADER, headerEnd - BootParams.SETUP_HEADER);
        ram.write32(bp + BootParams.CODE32_START, BZIMAGE_LOAD);
        long initrdMax = b.getInt(BootParams.INITRD_ADDR_MAX) & 0xFFFFFFFFL;
        // cmdline_size is unsigned (0xFFFFFFFF means "no limit"); CommandLines caps it at our buffer.
        int cmdlineSize = (int) Math.min(b.getInt(BootParams.CMDLINE_SIZE) & 0xFFFFFFFFL, Integer.MAX_VALUE);
        return finish(ram, KernelFormat.BZIMAGE, BZIMAGE_LOAD, BZIMAGE_LOAD, end, initrdMax, cmdlineSize, initrd, cmdline);
    }

    /**
     * Loads the vmlinux unpacked from a bzImage's payload and enters it as the bzImage's own stub
     * would (arch/x86/boot/compressed/head_32.S and misc.c, Linux 6.1).
     *
     * <p>tour:boot:047 What the stub hands over, and so what we hand over: the kernel's segments at
     * their physical addresses; the boot loader's zero page, untouched except that the stub clears
     * the KASLR flag in loadflags (it sets it again only if it randomised, and we never do); and a
     * jump to the vmlinux entry (startup_32, phys_startup_32 in the ELF header) with ESI = the zero
     * page, EAX = EBP = the load address, EBX = 0, CS = 0x10 and DS..SS = 0x18 flat, paging off,
     * interrupts off. Relocations: the stub moves a relocatable kernel only when the boot loader put
     * it above LOAD_PHYSICAL_ADDR or KASLR chose another place; loaded at 1 MiB with KASLR off it
     * unpacks to LOAD_PHYSICAL_ADDR, which is where the ELF's p_paddr already point, so the
     * relocation delta is 0 and the table appended to the vmlinux is not applied (handle_relocations
     * returns "No relocation needed"). We load at p_paddr too, so we ignore the table as well.
     */
    static LoadedKernel loadUnpacked(Ram ram, byte[] bzImage, int headerEnd, byte[] vmlinux, String name,
                                     Initrd initrd, String cmdline) throws BootException {
        String what = name + " (unpacked)";
        Elf32 elf = Elf32.parse(vmlinux, what);
        long start = elf.loads().stream().mapToLong(Elf32.Segment::paddr).min().orElseThrow();
        long end = elf.loadInto(vmlinux, ram, what);
        int entry = elf.entry();
        if (!ram.contains(entry & 0xFFFFFFFFL, 1)) {
            throw new BootException(String.format("%s: entry point 0x%x is not in RAM", what, entry));
        }
        int bp = GuestLayout.BOOT_PARAMS;
        ram.zero(bp, BootParams.SIZE);
        ram.load(bp + BootParams.SETUP_HEADER, bzImage, BootParams.SETUP_HEADER, headerEnd - BootParams.SETUP_HEADER);
        ram.write32(bp + BootParams.CODE32_START, BZIMAGE_LOAD);      // where a boot loader put the stub
        ram.write8(bp + BootParams.LOADFLAGS, ram.read8(bp + BootParams.LOADFLAGS) & ~BootParams.KASLR_FLAG);
        ByteBuffer b = le(bzImage);
        long initrdMax = b.getInt(BootParams.INITRD_ADDR_MAX) & 0xFFFFFFFFL;
        int cmdlineSize = b.getInt(BootParams.CMDLINE_SIZE);
        LoadedKernel k = finish(ram, KernelFormat.BZIMAGE, entry, start, end, initrdMax, cmdlineSize, initrd, cmdline);
        return new LoadedKernel(k.format(), EntryState.fromDecompressor(entry, (int) start, bp), k.kernelStart(),
                k.kernelEnd(), k.initrdStart(), k.initrdSize(), k.commandLine(), k.bootInfo());
    }

    /** The common tail: command line, initrd, e820 and the entry state. */
    private static LoadedKernel finish(Ram ram, KernelFormat format, int entry, long start, long end, long initrdMax,
                                       int cmdlineSize, Initrd initrd, String cmdline) throws BootException {
        int cmdlineAddr = CommandLines.write(ram, cmdline, cmdlineSize);
        long limit = Math.min(Math.min(ram.size(), GuestLayout.LOWMEM_LIMIT), initrdMax + 1);
        long initrdStart = initrd == null ? 0 : initrd.placeBelow(ram, limit, end);
        long initrdSize = initrd == null ? 0 : initrd.size();
        BootParams.fill(ram, GuestLayout.BOOT_PARAMS, ram.size(), cmdlineAddr, initrdStart, initrdSize);
        return new LoadedKernel(format, EntryState.linux(entry, GuestLayout.BOOT_PARAMS), start, end,
                initrdStart, initrdSize, cmdline, GuestLayout.BOOT_PARAMS);
    }

    private static ByteBuffer le(byte[] image) {
        return ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    }
}
