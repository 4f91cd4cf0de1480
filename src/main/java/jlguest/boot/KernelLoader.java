package jlguest.boot;

import jlguest.bus.Ram;

/**
 * Recognises a kernel image and hands it to the loader for its format.
 *
 * <p>The order matters: a multiboot header wins (a multiboot kernel may also be an ELF), then a
 * bzImage's setup header, then a plain ELF, which must be a vmlinux.
 */
public final class KernelLoader {
    private KernelLoader() {
    }

    /** The format of {@code image}, or a BootException saying why it is no kernel we can start. */
    public static KernelFormat detect(byte[] image, String name) throws BootException {
        if (image.length == 0) {
            throw new BootException(name + ": the file is empty");
        }
        if (MultibootLoader.findHeader(image) >= 0) {
            return KernelFormat.MULTIBOOT;
        }
        if (LinuxLoader.isBzImage(image)) {
            return KernelFormat.BZIMAGE;
        }
        if (Elf32.isElf(image)) {
            return KernelFormat.VMLINUX;
        }
        throw new BootException(name + ": not a kernel (no ELF header, bzImage header or multiboot header)");
    }

    /**
     * Loads {@code image} into {@code ram}, with an optional initrd, and returns how to enter it;
     * a bzImage's payload is unpacked on the host when its format allows ({@link Decompression#HOST}).
     */
    public static LoadedKernel load(Ram ram, byte[] image, String name, Initrd initrd, String cmdline)
            throws BootException {
        return load(ram, image, name, initrd, cmdline, Decompression.HOST);
    }

    /** As {@link #load(Ram, byte[], String, Initrd, String)}, saying who unpacks a bzImage. */
    public static LoadedKernel load(Ram ram, byte[] image, String name, Initrd initrd, String cmdline,
                                    Decompression bzImage) throws BootException {
        return load(ram, image, name, initrd, cmdline, bzImage, null);
    }

    /** As above, keeping a host-unpacked bzImage payload in {@code memo} for the next load (a reboot). */
    public static LoadedKernel load(Ram ram, byte[] image, String name, Initrd initrd, String cmdline,
                                    Decompression bzImage, UnpackedKernel memo) throws BootException {
        return switch (detect(image, name)) {
            case MULTIBOOT -> MultibootLoader.load(ram, image, name, initrd, cmdline);
            case BZIMAGE -> LinuxLoader.loadBzImage(ram, image, name, initrd, cmdline, bzImage, memo);
            case VMLINUX -> LinuxLoader.loadVmlinux(ram, image, name, initrd, cmdline);
        };
    }
}
