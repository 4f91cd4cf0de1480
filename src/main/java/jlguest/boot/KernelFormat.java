package jlguest.boot;

/** The three kinds of kernel image the launcher can start without a BIOS. */
public enum KernelFormat {
    /** An uncompressed Linux kernel, ELF32 i386, entered at its physical e_entry. */
    VMLINUX("vmlinux (ELF32)"),
    /** A compressed Linux kernel with a real-mode setup part and a protected-mode part. */
    BZIMAGE("bzImage"),
    /** Any kernel carrying a multiboot v1 header (an ELF or a flat image with address fields). */
    MULTIBOOT("multiboot v1");

    private final String description;

    KernelFormat(String description) {
        this.description = description;
    }

    @Override
    public String toString() {
        return description;
    }
}
