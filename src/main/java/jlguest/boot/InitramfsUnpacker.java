package jlguest.boot;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.tukaani.xz.SingleXZInputStream;

/**
 * Unpacks a Linux initramfs on the host, so that the guest's kernel finds plain cpio archives
 * instead of compressed ones.
 *
 * <p>tour:boot:049 The bundled initrd is a gzip-packed cpio archive of 1 MiB; unpacking it inside
 * the guest took the kernel 780 ms of a 1.6 s boot, interpreted deflate code running before the
 * compiler had warmed up. An initramfs may be compressed, and the kernel (init/initramfs.c,
 * unpack_to_rootfs) accepts a sequence of pieces: plain cpio archives, runs of zero bytes, and
 * compressed streams whose contents are in turn cpio archives; Debian's initrds, for instance, are
 * a plain archive of CPU microcode followed by a compressed one. So the launcher walks the pieces
 * just as the kernel would, copies the plain archives, skips the zeros and replaces each gzip or
 * XZ stream by what it unpacks to, every piece starting on a four-byte boundary as the kernel asks.
 * The guest then only copies files into its page cache. The files it ends up with are the same;
 * only "Freeing initrd memory" reports a larger size.
 *
 * <p>Anything unusual, and the initrd is handed over exactly as it came, for the guest's own
 * decompressors (which also report any error in it, as they always did): another compressor (bzip2,
 * LZMA, LZO, LZ4, zstd), a piece that is neither cpio nor compressed, a corrupt stream, or an
 * unpacked size beyond a quarter of the guest's RAM (the kernel needs the archive and its files in
 * RAM at once: twice the unpacked size, where the packed initrd needed less; and rootfs, a tmpfs,
 * takes at most half of the RAM that is free. A third was too much: an 84 MB archive in a 256 MiB
 * guest ended in "Initramfs unpacking failed: write error", where the packed one had booted). {@code
 * --guest-decompress} turns this off along with the kernel's unpacking.
 */
public final class InitramfsUnpacker {
    private static final int CPIO_HEADER = 110;
    private static final byte[] TRAILER = "TRAILER!!!\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** XZ decoder memory cap (the kernel's own initramfs XZ decoder allows a 64 MiB dictionary). */
    private static final int XZ_MEMORY_KIB = 96 << 10;

    private InitramfsUnpacker() {
    }

    /** Thrown inside: the initrd is not something we unpack; the guest gets it as it is. */
    private static final class Decline extends Exception {
        private static final long serialVersionUID = 1L;

        Decline() {
            super(null, null, false, false);
        }
    }

    /**
     * The initrd with its compressed streams unpacked, or {@code initrd} itself when it holds none
     * or holds something we leave to the guest (see the class comment).
     */
    public static Initrd unpack(Initrd initrd, long ramSize) {
        byte[] in = initrd.bytes();
        long limit = ramSize / 4;
        try {
            Output out = new Output(limit);
            boolean unpackedAny = false;
            int pos = 0;
            while (pos < in.length) {
                if (in[pos] == 0) {
                    pos++;                              // padding between pieces
                } else if (in[pos] == '0' && (pos & 3) == 0) {
                    int end = cpioEnd(in, pos);
                    out.piece(in, pos, end - pos);
                    pos = end;
                } else if (startsWith(in, pos, 0x1F, 0x8B)) {
                    pos = gunzip(in, pos, out);
                    unpackedAny = true;
                } else if (startsWith(in, pos, 0xFD, '7', 'z', 'X', 'Z', 0x00)) {
                    pos = unxz(in, pos, out);
                    unpackedAny = true;
                } else {
                    throw new Decline();
                }
            }
            return unpackedAny ? new Initrd(out.bytes(), initrd.name()) : initrd;
        } catch (Decline e) {
            return initrd;
        }
    }

    /** Where the plain cpio archive starting at {@code at} ends: just after its TRAILER!!! entry, padded. */
    private static int cpioEnd(byte[] in, int at) throws Decline {
        int pos = at;
        while (true) {
            // "070701" (newc) or "070702" (newc with checksums): how every initramfs archive starts
            if (pos + CPIO_HEADER > in.length || !startsWith(in, pos, '0', '7', '0', '7', '0')
                    || (in[pos + 5] != '1' && in[pos + 5] != '2')) {
                throw new Decline();
            }
            long fileSize = hex8(in, pos + 54);
            long nameSize = hex8(in, pos + 94);
            long name = pos + CPIO_HEADER;
            long body = align4(name + nameSize - at) + at;
            long next = align4(body + fileSize - at) + at;
            if (nameSize <= 0 || next > in.length) {
                throw new Decline();
            }
            if (nameSize == TRAILER.length && Arrays.equals(in, (int) name, (int) name + TRAILER.length, TRAILER, 0, TRAILER.length)) {
                return (int) next;
            }
            pos = (int) next;
        }
    }

    /** One gzip member (RFC 1952) starting at {@code at}, unpacked into {@code out}; returns where it ends. */
    private static int gunzip(byte[] in, int at, Output out) throws Decline {
        if (at + 10 > in.length || (in[at + 2] & 0xFF) != 8) {
            throw new Decline();                        // 8: deflate, the only method there is
        }
        int flags = in[at + 3] & 0xFF;
        int pos = at + 10;
        if ((flags & 0x04) != 0) {                      // FEXTRA
            if (pos + 2 > in.length) {
                throw new Decline();
            }
            pos += 2 + ((in[pos] & 0xFF) | (in[pos + 1] & 0xFF) << 8);
        }
        for (int bit : new int[] {0x08, 0x10}) {        // FNAME, FCOMMENT: zero-terminated
            if ((flags & bit) != 0) {
                while (pos < in.length && in[pos] != 0) {
                    pos++;
                }
                pos++;
            }
        }
        if ((flags & 0x02) != 0) {                      // FHCRC
            pos += 2;
        }
        if (pos >= in.length) {
            throw new Decline();
        }
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(in, pos, in.length - pos);
            out.startPiece();
            CRC32 crc = new CRC32();
            byte[] chunk = new byte[1 << 16];
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new Decline();                // truncated
                }
                crc.update(chunk, 0, n);
                out.append(chunk, 0, n);
            }
            int trailer = in.length - inflater.getRemaining();   // CRC-32 and size, as the kernel checks them
            if (trailer + 8 > in.length || le32(in, trailer) != (int) crc.getValue()
                    || le32(in, trailer + 4) != (int) inflater.getBytesWritten()) {
                throw new Decline();
            }
            return trailer + 8;
        } catch (DataFormatException e) {
            throw new Decline();
        } finally {
            inflater.end();
        }
    }

    /** One XZ stream starting at {@code at}, unpacked into {@code out}; returns where it ends. */
    private static int unxz(byte[] in, int at, Output out) throws Decline {
        ByteArrayInputStream source = new ByteArrayInputStream(in, at, in.length - at);
        try (InputStream xz = new SingleXZInputStream(source, XZ_MEMORY_KIB)) {
            out.startPiece();
            byte[] chunk = new byte[1 << 16];
            for (int n; (n = xz.read(chunk)) > 0; ) {
                out.append(chunk, 0, n);
            }
            return in.length - source.available();      // the decoder reads exactly its stream
        } catch (IOException | RuntimeException e) {  // corrupt, truncated, or over the memory cap
            throw new Decline();
        }
    }

    private static boolean startsWith(byte[] in, int at, int... magic) {
        if (at + magic.length > in.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((in[at + i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static long hex8(byte[] in, int at) throws Decline {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            int d = Character.digit(in[at + i], 16);
            if (d < 0) {
                throw new Decline();
            }
            v = v << 4 | d;
        }
        return v;
    }

    private static int le32(byte[] in, int at) {
        return (in[at] & 0xFF) | (in[at + 1] & 0xFF) << 8 | (in[at + 2] & 0xFF) << 16 | in[at + 3] << 24;
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }

    /** The unpacked initrd as it grows: pieces start on four-byte boundaries; never more than {@code limit} bytes. */
    private static final class Output {
        private final long limit;
        private byte[] buf = new byte[1 << 20];
        private int size;

        Output(long limit) {
            this.limit = limit;
        }

        void startPiece() throws Decline {
            int aligned = (int) align4(size);
            ensure(aligned);
            size = aligned;                             // the gap stays zero: padding
        }

        void piece(byte[] b, int off, int len) throws Decline {
            startPiece();
            append(b, off, len);
        }

        void append(byte[] b, int off, int len) throws Decline {
            ensure((long) size + len);
            System.arraycopy(b, off, buf, size, len);
            size += len;
        }

        private void ensure(long need) throws Decline {
            if (need > limit || need > Integer.MAX_VALUE - 8) {
                throw new Decline();
            }
            if (need > buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(Math.max(need, 2L * buf.length), limit));
            }
        }

        byte[] bytes() {
            return Arrays.copyOf(buf, size);
        }
    }
}
