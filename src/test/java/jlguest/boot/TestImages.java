package jlguest.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds small kernel images byte by byte, so loader tests control every field. */
public final class TestImages {
    private TestImages() {
    }

    /** A PT_LOAD segment to put in a synthetic ELF: {@code data} at {@code paddr}, {@code memSize} in memory. */
    public record Seg(int paddr, byte[] data, int memSize) {
    }

    /** An ELF32 i386 executable with the given entry and segments (data follows the headers). */
    public static byte[] elf32(int entry, Seg... segs) {
        int phoff = 52;
        int dataOff = phoff + 32 * segs.length;
        int total = dataOff;
        for (Seg s : segs) {
            total += s.data().length;
        }
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7F, 'E', 'L', 'F', 1, 1, 1});
        b.putShort(16, (short) 2).putShort(18, (short) 3).putInt(20, 1).putInt(24, entry).putInt(28, phoff);
        b.putShort(40, (short) 52).putShort(42, (short) 32).putShort(44, (short) segs.length);
        int off = dataOff;
        for (int i = 0; i < segs.length; i++) {
            Seg s = segs[i];
            int ph = phoff + 32 * i;
            b.putInt(ph, 1).putInt(ph + 4, off).putInt(ph + 8, 0xC0000000 + s.paddr()).putInt(ph + 12, s.paddr())
                    .putInt(ph + 16, s.data().length).putInt(ph + 20, s.memSize()).putInt(ph + 24, 7);
            b.put(off, s.data());
            off += s.data().length;
        }
        return b.array();
    }

    /** A minimal bzImage: {@code setupSects} sectors of setup with a 2.15 header, then {@code pm}. */
    public static byte[] bzImage(int setupSects, byte[] pm, long prefAddress, int initSize) {
        int pmOff = (setupSects + 1) * 512;
        ByteBuffer b = ByteBuffer.allocate(pmOff + pm.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(BootParams.SETUP_SECTS, (byte) setupSects);
        b.putShort(BootParams.BOOT_FLAG, (short) 0xAA55);
        b.put(0x200, (byte) 0xEB).put(BootParams.HEADER_END_BYTE, (byte) 0x6A);
        b.putInt(BootParams.HEADER_MAGIC, BootParams.HDRS);
        b.putShort(BootParams.VERSION, (short) 0x020F);
        b.put(BootParams.LOADFLAGS, (byte) BootParams.LOADED_HIGH);
        b.putInt(BootParams.CODE32_START, 0x100000);
        b.putInt(BootParams.INITRD_ADDR_MAX, 0x7FFFFFFF);
        b.putInt(BootParams.CMDLINE_SIZE, 2047);
        b.putLong(BootParams.PREF_ADDRESS, prefAddress);
        b.putInt(BootParams.INIT_SIZE, initSize);
        b.put(pmOff, pm);
        return b.array();
    }

    /** A multiboot header with the given flags, followed by the five address fields. */
    public static byte[] multibootHeader(int flags, int headerAddr, int loadAddr, int loadEnd, int bssEnd, int entry) {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MultibootLoader.HEADER_MAGIC).putInt(flags).putInt(-(MultibootLoader.HEADER_MAGIC + flags));
        b.putInt(headerAddr).putInt(loadAddr).putInt(loadEnd).putInt(bssEnd).putInt(entry);
        return b.array();
    }

    /** {@code n} bytes of a recognisable pattern. */
    public static byte[] pattern(int n, int seed) {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = (byte) (i * 31 + seed);
        }
        return out;
    }
}
