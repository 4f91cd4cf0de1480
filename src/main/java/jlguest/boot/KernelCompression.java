package jlguest.boot;

/**
 * The compressors a Linux bzImage's payload may be packed with (CONFIG_KERNEL_GZIP ... _ZSTD),
 * told apart by their first bytes, as the kernel's own decompressor stub is built for exactly one.
 *
 * <p>Which of them the launcher unpacks itself: gzip (java.util.zip), XZ and LZMA (org.tukaani:xz,
 * the pure-Java port by XZ's own authors). bzip2, LZO, LZ4 and zstd have no decoder in the JDK and
 * none we would add a dependency for, so those kernels keep running their own decompressor in the
 * guest, as every bzImage did before.
 */
public enum KernelCompression {
    GZIP("gzip", true, 0x1F, 0x8B),
    BZIP2("bzip2", false, 'B', 'Z', 'h'),
    /** The ".lzma" (LZMA_Alone) format: properties byte 0x5D (lc=3, lp=0, pb=2), then the dictionary size. */
    LZMA("LZMA", true, 0x5D, 0x00, 0x00),
    XZ("XZ", true, 0xFD, '7', 'z', 'X', 'Z', 0x00),
    LZO("LZO", false, 0x89, 'L', 'Z', 'O'),
    /** The LZ4 "legacy" frame the kernel's lz4 wrapper writes. */
    LZ4("LZ4", false, 0x02, 0x21, 0x4C, 0x18),
    ZSTD("zstd", false, 0x28, 0xB5, 0x2F, 0xFD);

    private final String label;
    private final boolean hostDecodable;
    private final int[] magic;

    KernelCompression(String label, boolean hostDecodable, int... magic) {
        this.label = label;
        this.hostDecodable = hostDecodable;
        this.magic = magic;
    }

    /** True when the launcher can unpack this format itself. */
    public boolean hostDecodable() {
        return hostDecodable;
    }

    /** The format whose magic starts {@code data[off..off+len)}, or null when none does. */
    public static KernelCompression identify(byte[] data, int off, int len) {
        for (KernelCompression c : values()) {
            if (c.magic.length <= len && c.matches(data, off)) {
                return c;
            }
        }
        return null;
    }

    private boolean matches(byte[] data, int off) {
        for (int i = 0; i < magic.length; i++) {
            if ((data[off + i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return label;
    }
}
