package jlguest.boot;

import jlguest.cpu.EntryState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import jlguest.bus.Ram;

/**
 * Loads a multiboot v1 kernel (the Multiboot Specification 0.6.96) and builds its multiboot_info.
 *
 * <p>tour:boot:050 Multiboot is the boot protocol of small kernels, GRUB's lingua franca: a 48-byte
 * header within the first 8 KiB of the file says where the kernel wants to go (or that it is an ELF
 * and its program headers say so), and the loader answers with a multiboot_info structure whose
 * address arrives in EBX, next to the magic 0x2BADB002 in EAX. Our own small guests use it because
 * it needs no setup code at all.
 */
public final class MultibootLoader {
    private MultibootLoader() {
    }

    public static final int HEADER_MAGIC = 0x1BADB002;
    private static final int SEARCH_LIMIT = 8192;

    private static final int FLAG_PAGE_ALIGN = 1;        // modules on page boundaries: we always do that
    private static final int FLAG_MEMORY_INFO = 1 << 1;  // mem_* and mmap_*: we always give them
    private static final int FLAG_VIDEO_MODE = 1 << 2;   // a framebuffer: we have none
    private static final int FLAG_ADDRESS_FIELDS = 1 << 16;
    private static final int REQUIRED_UNKNOWN = 0xFFF8;  // bits 3..15: must be understood or refused

    // multiboot_info.flags bits we set, and the structure's field offsets.
    private static final int INFO_MEMORY = 1;
    private static final int INFO_CMDLINE = 1 << 2;
    private static final int INFO_MODULES = 1 << 3;
    private static final int INFO_MMAP = 1 << 6;
    private static final int INFO_LOADER_NAME = 1 << 9;

    /** The header's file offset, or -1 when the first 8 KiB hold no valid multiboot header. */
    public static int findHeader(byte[] image) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 0; off + 12 <= Math.min(image.length, SEARCH_LIMIT); off += 4) {
            if (b.getInt(off) == HEADER_MAGIC && b.getInt(off) + b.getInt(off + 4) + b.getInt(off + 8) == 0) {
                return off;
            }
        }
        return -1;
    }

    public static LoadedKernel load(Ram ram, byte[] image, String name, Initrd module, String cmdline)
            throws BootException {
        int header = findHeader(image);
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int flags = b.getInt(header + 4);
        if ((flags & FLAG_VIDEO_MODE) != 0) {
            throw new BootException(name + ": the multiboot kernel requires a video mode; jlguest has no display");
        }
        if ((flags & REQUIRED_UNKNOWN) != 0) {
            throw new BootException(String.format("%s: the multiboot kernel requires unknown features (flags 0x%x)", name, flags));
        }
        long start;
        long end;
        int entry;
        if ((flags & FLAG_ADDRESS_FIELDS) != 0) {
            long[] range = loadByAddressFields(ram, image, b, header, name);
            start = range[0];
            end = range[1];
            entry = (int) range[2];
        } else if (Elf32.isElf(image)) {
            Elf32 elf = Elf32.parse(image, name);
            start = elf.loads().stream().mapToLong(Elf32.Segment::paddr).min().orElseThrow();
            end = elf.loadInto(image, ram, name);
            entry = elf.entry();
        } else {
            throw new BootException(name + ": multiboot kernel is neither ELF nor has address fields (flag 16)");
        }
        if (!ram.contains(entry & 0xFFFFFFFFL, 1)) {
            throw new BootException(String.format("%s: entry point 0x%x is not in RAM", name, entry));
        }
        int cmdlineAddr = CommandLines.write(ram, cmdline, GuestLayout.CMDLINE_MAX - 1);
        long moduleStart = module == null ? 0 : module.placeBelow(ram, Math.min(ram.size(), GuestLayout.LOWMEM_LIMIT), end);
        writeInfo(ram, cmdlineAddr, module, moduleStart);
        return new LoadedKernel(KernelFormat.MULTIBOOT, EntryState.multiboot(entry, GuestLayout.MULTIBOOT_INFO),
                start, end, moduleStart, module == null ? 0 : module.size(), cmdline, GuestLayout.MULTIBOOT_INFO);
    }

    /** The "a.out kludge": the header itself says which file bytes go where. Returns {start, end, entry}. */
    private static long[] loadByAddressFields(Ram ram, byte[] image, ByteBuffer b, int header, String name)
            throws BootException {
        if (header + 32 > image.length) {
            throw new BootException(name + ": truncated multiboot header");
        }
        long headerAddr = b.getInt(header + 12) & 0xFFFFFFFFL;
        long loadAddr = b.getInt(header + 16) & 0xFFFFFFFFL;
        long loadEnd = b.getInt(header + 20) & 0xFFFFFFFFL;
        long bssEnd = b.getInt(header + 24) & 0xFFFFFFFFL;
        long entry = b.getInt(header + 28) & 0xFFFFFFFFL;
        long fileStart = header - (headerAddr - loadAddr);
        long length = loadEnd == 0 ? image.length - fileStart : loadEnd - loadAddr;
        long end = Math.max(loadAddr + length, bssEnd);
        if (headerAddr < loadAddr || fileStart < 0 || length < 0 || fileStart + length > image.length) {
            throw new BootException(name + ": inconsistent multiboot address fields");
        }
        if (loadAddr < GuestLayout.HIGH_MEMORY || !ram.contains(loadAddr, end - loadAddr)) {
            throw new BootException(String.format("%s: the kernel wants 0x%x..0x%x, outside the usable RAM of a %d MiB guest",
                    name, loadAddr, end, ram.size() >> 20));
        }
        ram.load((int) loadAddr, image, (int) fileStart, (int) length);
        ram.zero((int) (loadAddr + length), (int) (end - loadAddr - length));
        return new long[] {loadAddr, end, entry};
    }

    private static void writeInfo(Ram ram, int cmdlineAddr, Initrd module, long moduleStart) {
        int info = GuestLayout.MULTIBOOT_INFO;
        ram.zero(info, GuestLayout.MULTIBOOT_LOADER_NAME + 64 - info);
        int flags = INFO_MEMORY | INFO_CMDLINE | INFO_MMAP | INFO_LOADER_NAME;
        ram.write32(info + 4, GuestLayout.LEGACY_HOLE_START >> 10);                           // mem_lower, KiB
        ram.write32(info + 8, (int) ((ram.size() - GuestLayout.HIGH_MEMORY) >> 10));        // mem_upper, KiB
        ram.write32(info + 16, cmdlineAddr);
        if (module != null) {
            flags |= INFO_MODULES;
            int m = GuestLayout.MULTIBOOT_MODULES;
            ram.write32(m, (int) moduleStart);
            ram.write32(m + 4, (int) (moduleStart + module.size()));
            ram.write32(m + 8, m + 16);                                                        // its string: "initrd"
            byte[] s = "initrd\0".getBytes(StandardCharsets.US_ASCII);
            ram.load(m + 16, s, 0, s.length);
            ram.write32(info + 20, 1);
            ram.write32(info + 24, m);
        }
        List<E820.Entry> map = E820.forRam(ram.size());
        for (int i = 0; i < map.size(); i++) {
            int p = GuestLayout.MULTIBOOT_MMAP + i * 24;
            ram.write32(p, 20);                       // size of the rest of this entry
            ram.write64(p + 4, map.get(i).base());
            ram.write64(p + 12, map.get(i).length());
            ram.write32(p + 20, map.get(i).type());
        }
        ram.write32(info + 44, map.size() * 24);
        ram.write32(info + 48, GuestLayout.MULTIBOOT_MMAP);
        byte[] name = "jlguest\0".getBytes(StandardCharsets.US_ASCII);
        ram.load(GuestLayout.MULTIBOOT_LOADER_NAME, name, 0, name.length);
        ram.write32(info + 64, GuestLayout.MULTIBOOT_LOADER_NAME);
        ram.write32(info, flags);
    }
}
