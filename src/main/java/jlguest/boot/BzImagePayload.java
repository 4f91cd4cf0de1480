package jlguest.boot;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPInputStream;

import org.tukaani.xz.LZMAInputStream;
import org.tukaani.xz.SingleXZInputStream;

/**
 * The compressed kernel inside a bzImage, and its unpacking on the host.
 *
 * <p>Boot protocol 2.08 added two setup-header fields for exactly this: {@code payload_offset}
 * (counted from the start of the protected-mode code) and {@code payload_length}. What they frame
 * is the kernel build's {@code vmlinux.bin.all}: the stripped vmlinux ELF, followed, for a
 * relocatable kernel, by its table of relocations, compressed as one stream. The build appends the
 * unpacked length as four little-endian bytes to every payload (gzip's own trailer ends the same
 * way), which is how the stub knows how big its output is; we use it likewise, to allocate once
 * and to notice a payload that unpacks short or long.
 *
 * <p>The payload is user input: a truncated or corrupt one ends in one {@link BootException}
 * line, never an exception trace, and no claim in it makes us allocate more than the guest's RAM.
 *
 * @param offset file offset of the payload's first byte
 * @param length its length, including the four-byte unpacked size
 */
public record BzImagePayload(KernelCompression compression, int offset, int length, long unpackedSize) {
    /** First boot protocol with payload_offset and payload_length. */
    private static final int PAYLOAD_PROTOCOL = 0x0208;
    /** Decoder memory cap: the kernel's XZ uses a 32 MiB dictionary, `lzma -9` 64 MiB. */
    private static final int DECODER_MEMORY_KIB = 160 << 10;

    /**
     * Finds the payload of a bzImage whose protected-mode code starts at file offset {@code pmOffset}.
     *
     * @return the payload, or null when the header is older than 2.08, leaves the payload fields
     *         empty, or the payload's format is none we know (the stub in the guest then deals with it)
     */
    public static BzImagePayload find(byte[] image, int pmOffset, String name) throws BootException {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if ((b.getShort(BootParams.VERSION) & 0xFFFF) < PAYLOAD_PROTOCOL) {
            return null;
        }
        long offset = pmOffset + (b.getInt(BootParams.PAYLOAD_OFFSET) & 0xFFFFFFFFL);
        long length = b.getInt(BootParams.PAYLOAD_LENGTH) & 0xFFFFFFFFL;
        if (length == 0) {
            return null;          // a header that does not say: the stub knows where its payload is
        }
        if (length < 8 || offset + length > image.length) {
            throw new BootException(String.format("%s: truncated bzImage (its payload is said to span bytes %d..%d of %d)",
                    name, offset, offset + length, image.length));
        }
        KernelCompression c = KernelCompression.identify(image, (int) offset, (int) length);
        if (c == null) {
            return null;
        }
        long unpacked = b.getInt((int) (offset + length - 4)) & 0xFFFFFFFFL;
        return new BzImagePayload(c, (int) offset, (int) length, unpacked);
    }

    /**
     * Unpacks the payload: the bytes the kernel's own stub would have produced.
     *
     * @param maxSize the most it may unpack to (the guest's RAM: anything bigger could not run)
     */
    public byte[] unpack(byte[] image, long maxSize, String name) throws BootException {
        if (!compression.hostDecodable()) {
            throw new IllegalStateException(compression + " is unpacked by the guest");
        }
        if (unpackedSize == 0 || unpackedSize > maxSize) {
            throw new BootException(String.format("%s: the %s kernel payload claims to unpack to %d bytes, %s",
                    name, compression, unpackedSize, unpackedSize == 0 ? "which is no kernel" : "more than the guest's RAM"));
        }
        byte[] out = new byte[(int) unpackedSize];
        String what = name + ": the " + compression + " kernel payload";
        try (InputStream in = decoder(new ByteArrayInputStream(image, offset, length))) {
            int n = in.readNBytes(out, 0, out.length);
            if (n < out.length) {
                throw new BootException(what + " is corrupt or truncated: it unpacks to " + n + " bytes, not the "
                        + out.length + " it announces");
            }
            if (in.read() >= 0) {   // also makes the decoder check its CRC and end markers
                throw new BootException(what + " is corrupt: it unpacks to more than the " + out.length + " bytes it announces");
            }
        } catch (IOException | RuntimeException e) {
            // CorruptedInputException, EOFException, ZipException, MemoryLimitException...: all mean
            // the file is broken, and the decoders' messages are short and clear.
            throw new BootException(what + " is corrupt or truncated (" + oneLine(e) + ")");
        }
        return out;
    }

    private InputStream decoder(InputStream in) throws IOException {
        return switch (compression) {
            case GZIP -> new GZIPInputStream(in, 1 << 16);
            case XZ -> new SingleXZInputStream(in, DECODER_MEMORY_KIB);   // one stream: the size trailer follows it
            case LZMA -> new LZMAInputStream(in, DECODER_MEMORY_KIB);
            default -> throw new IllegalStateException(compression.name());
        };
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip();
    }
}
