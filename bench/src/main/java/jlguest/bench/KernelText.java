package jlguest.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The decode benchmark's corpus: the .text section of an ELF32 kernel (by default the bundled
 * guest-images/vmlinux), found through the section headers, so the decoder sees real compiler
 * output rather than our hand-written loops.
 */
final class KernelText {
    private KernelText() {
    }

    /** The bytes of section {@code name} in the ELF32 little-endian file at {@code path}. */
    static byte[] section(Path path, String name) {
        byte[] elf;
        try {
            elf = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path.toAbsolutePath()
                    + " (run from the repository root or pass -p vmlinux=PATH)", e);
        }
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0x464C457F || elf[4] != 1 || elf[5] != 1) {
            throw new IllegalArgumentException(path + " is not a little-endian ELF32 file");
        }
        int shoff = b.getInt(0x20), shentsize = b.getShort(0x2E) & 0xFFFF;
        int shnum = b.getShort(0x30) & 0xFFFF, shstrndx = b.getShort(0x32) & 0xFFFF;
        int strtab = b.getInt(shoff + shstrndx * shentsize + 16);
        for (int k = 0; k < shnum; k++) {
            int sh = shoff + k * shentsize;
            int nameAt = strtab + b.getInt(sh);
            int end = nameAt;
            while (elf[end] != 0) {
                end++;
            }
            if (new String(elf, nameAt, end - nameAt, StandardCharsets.US_ASCII).equals(name)) {
                int offset = b.getInt(sh + 16), size = b.getInt(sh + 20);
                byte[] out = new byte[size];
                System.arraycopy(elf, offset, out, 0, size);
                return out;
            }
        }
        throw new IllegalArgumentException(path + " has no section " + name);
    }
}
