package jlguest.cpu.diff;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The workbench on which one case is put together: registers, flags, data pages and code bytes.
 *
 * <p>Registers start random; the ones that must hold an address (a base register, ESI for a string
 * instruction, ESP always) are <em>pinned</em> and later operand-value choices leave them alone. The
 * data pages start as the seed's fill; writes to them become the case's patches.
 */
final class CaseBuilder {
    static final int EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;

    final SplittableRandom rnd;
    final int[] regs = new int[8];
    int pinned;
    int eflags;
    final int seed;
    private final byte[] fill = new byte[Layout.DATA_SIZE];
    final byte[] data = new byte[Layout.DATA_SIZE];
    final ByteArrayOutputStream code = new ByteArrayOutputStream();
    /** Extra words for the case's form name (" a16", " lock", ...). */
    final StringBuilder tags = new StringBuilder();
    int undefFlags;

    CaseBuilder(SplittableRandom rnd) {
        this.rnd = rnd;
        for (int i = 0; i < 8; i++) {
            regs[i] = Values.register(rnd);
        }
        eflags = Values.eflags(rnd);
        seed = rnd.nextInt();
        DataFill.fill(fill, seed);
        System.arraycopy(fill, 0, data, 0, fill.length);
        regs[ESP] = stackPointer();
        pin(ESP);
    }

    /** ESP: inside the data pages with room both ways, sometimes misaligned, rarely at an edge. */
    private int stackPointer() {
        int r = rnd.nextInt(100);
        if (r < 3) {
            return Layout.DATA_BASE + 2 * rnd.nextInt(3);                  // pushes fault
        } else if (r < 6) {
            return Layout.DATA_BASE + Layout.DATA_SIZE - 2 * rnd.nextInt(3); // pops fault
        } else if (r < 10) {
            return Layout.DATA_BASE + 0x1000 - 4 + rnd.nextInt(9);         // page crossing
        }
        int off = 0x300 + rnd.nextInt(Layout.DATA_SIZE - 0x600);
        return Layout.DATA_BASE + (r < 80 ? off & ~3 : r < 90 ? off & ~1 : off);
    }

    void pin(int reg) {
        pinned |= 1 << reg;
    }

    boolean isPinned(int reg) {
        return (pinned & 1 << reg) != 0;
    }

    // ---- operand locations ----

    /**
     * Where an operand lives: a register (index 0..7 by the encoding of its width: for 8-bit, 4..7 are
     * AH CH DH BH) or memory at a linear address.
     */
    record Loc(boolean mem, int index, int bits, int addr) {
        static Loc reg(int index, int bits) {
            return new Loc(false, index, bits, 0);
        }

        static Loc mem(int addr, int bits) {
            return new Loc(true, 0, bits, addr);
        }

        /** The 32-bit register holding a register operand. */
        int gpr() {
            return bits == 8 ? index & 3 : index;
        }

        int shift() {
            return bits == 8 && index >= 4 ? 8 : 0;
        }
    }

    /** Reads an operand (unsigned, up to 64 bits). Memory outside the data pages reads as 0. */
    long read(Loc l) {
        if (l.mem()) {
            long v = 0;
            for (int i = l.bits() / 8 - 1; i >= 0; i--) {
                int off = l.addr() + i - Layout.DATA_BASE;
                v = v << 8 | (off >= 0 && off < Layout.DATA_SIZE ? data[off] & 0xFF : 0);
            }
            return v;
        }
        long mask = (1L << l.bits()) - 1;
        return (Integer.toUnsignedLong(regs[l.gpr()]) >>> l.shift()) & mask;
    }

    /** Writes an operand unless its register is pinned; memory outside the data pages is skipped. */
    boolean write(Loc l, long value) {
        if (l.mem()) {
            for (int i = 0; i < l.bits() / 8; i++) {
                int off = l.addr() + i - Layout.DATA_BASE;
                if (off >= 0 && off < Layout.DATA_SIZE) {
                    data[off] = (byte) (value >>> (8 * i));
                }
            }
            return true;
        }
        if (isPinned(l.gpr())) {
            return false;
        }
        int mask = (int) ((1L << l.bits()) - 1) << l.shift();
        regs[l.gpr()] = regs[l.gpr()] & ~mask | ((int) value << l.shift()) & mask;
        return true;
    }

    /** Sets a whole register and pins it. */
    void set(int reg, int value) {
        regs[reg] = value;
        pin(reg);
    }

    /** True when [addr, addr+len) lies in the data pages. */
    static boolean inData(int addr, int len) {
        long off = Integer.toUnsignedLong(addr) - Layout.DATA_BASE;
        return off >= 0 && off + len <= Layout.DATA_SIZE;
    }

    /**
     * A linear address for an access of {@code len} bytes: mostly well inside the data pages, often
     * aligned, sometimes straddling the boundary between the two pages, and rarely (when
     * {@code mayFault}) hanging over the unmapped page before or after them.
     */
    int dataAddress(int len, boolean mayFault) {
        int r = rnd.nextInt(100);
        int size = Math.max(len, 1);
        if (mayFault && r < 2 && size > 1) {
            return Layout.DATA_BASE + Layout.DATA_SIZE - 1 - rnd.nextInt(size - 1);
        } else if (mayFault && r < 4 && size > 1) {
            return Layout.DATA_BASE - 1 - rnd.nextInt(size - 1);
        } else if (r < 12 && size > 1) {
            return Layout.DATA_BASE + 0x1000 - 1 - rnd.nextInt(size - 1);
        }
        int off = rnd.nextInt(Layout.DATA_SIZE - size + 1);
        if (r < 60) {
            off &= -Integer.highestOneBit(size);
        }
        return Layout.DATA_BASE + off;
    }

    /** A branch target: an INT3 of the code page outside the instruction, or rarely unmapped memory. */
    int codeTarget(int instructionLength) {
        if (rnd.nextInt(12) == 0) {
            return switch (rnd.nextInt(3)) {
                case 0 -> Layout.CODE_PAGE - 1 - rnd.nextInt(0x100);
                case 1 -> Layout.CODE_PAGE + 0x1000 + rnd.nextInt(0x100);
                default -> 0x3000_0000 + rnd.nextInt(0x1000_0000);
            };
        }
        int off;
        do {
            off = rnd.nextInt(4) == 0 ? rnd.nextInt(0x1000) : 0x800 - 0x90 + rnd.nextInt(0x120);
        } while (off >= 0x800 && off < 0x800 + Math.max(instructionLength, 1));
        return Layout.CODE_PAGE + off;
    }

    // ---- code bytes ----

    void emit(int b) {
        code.write(b);
    }

    void emit(long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            code.write((int) (value >>> (8 * i)));
        }
    }

    /** The data patches (differences against the seed's fill), or null when there are too many. */
    List<DiffCase.Patch> patches() {
        List<DiffCase.Patch> out = new ArrayList<>();
        for (int i = 0; i < data.length;) {
            if (data[i] == fill[i]) {
                i++;
                continue;
            }
            int j = i;
            while (j < data.length && j - i < 16 && data[j] != fill[j]) {
                j++;
            }
            // Join short gaps so that an operand is one patch even when a byte happens to match.
            while (j < data.length && j - i < 16 && (data[j] != fill[j] || j + 1 < data.length
                    && j + 1 - i < 16 && data[j + 1] != fill[j + 1])) {
                j++;
            }
            byte[] b = new byte[j - i];
            System.arraycopy(data, i, b, 0, b.length);
            out.add(new DiffCase.Patch(i, b));
            i = j;
        }
        return out.size() <= 32 ? out : null;
    }
}
