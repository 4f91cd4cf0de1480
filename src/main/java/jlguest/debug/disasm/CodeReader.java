package jlguest.debug.disasm;

/** Where the disassembler reads instruction bytes from: guest memory, a file, an array. */
@FunctionalInterface
public interface CodeReader {
    /** The byte at {@code address} (0..255), or -1 when it cannot be read (unmapped, out of range). */
    int byteAt(int address);

    /** A reader over an array whose first byte sits at {@code base}. */
    static CodeReader of(byte[] bytes, int base) {
        return a -> {
            long i = (a & 0xFFFFFFFFL) - (base & 0xFFFFFFFFL);
            return i >= 0 && i < bytes.length ? bytes[(int) i] & 0xFF : -1;
        };
    }
}
