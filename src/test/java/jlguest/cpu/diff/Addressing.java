package jlguest.cpu.diff;

/**
 * ModRM and SIB memory operands that land where the test wants them.
 *
 * <p>tour:difftest:080 The generator picks the addressing form at random (every mod, every rm, SIB
 * with every scale and index, no-base and disp32-only forms) and a target address in the data pages,
 * then <em>solves</em> for a register value that makes base + index*scale + disp hit the target,
 * modulo 2^32: the index can hold 0xFFFFFFF0 and the base whatever makes up for it, which is how
 * address wrap-around gets tested. Registers already pinned (ESP, a string pointer, an earlier base)
 * keep their values; the solver uses whatever is still free, or the displacement, or tries another
 * form. With the 0x67 prefix the address is 16-bit, so it lies below 64 KiB where nothing is mapped:
 * those cases check the effective-address arithmetic through the CR2 of the page fault.
 */
final class Addressing {
    private Addressing() {
    }

    /** The encoded operand: where it points and the registers it used (a bitmask). */
    record Mem(int addr, int regsUsed) {
    }

    /**
     * Emits ModRM (with {@code regField}), SIB and displacement for a 32-bit-address memory operand
     * of {@code len} bytes. {@code anywhere} skips the solving (LEA, which computes but never loads).
     */
    static Mem modrm32(CaseBuilder b, int regField, int len, boolean anywhere, boolean mayFault) {
        for (int attempt = 0; attempt < 40; attempt++) {
            Mem m = tryForm(b, regField, len, anywhere, mayFault);
            if (m != null) {
                return m;
            }
        }
        // Always solvable: mod 00, rm 101, a bare disp32.
        int target = b.dataAddress(len, mayFault);
        b.emit(regField << 3 | 5);
        b.emit(target, 4);
        return new Mem(target, 0);
    }

    private static Mem tryForm(CaseBuilder b, int regField, int len, boolean anywhere, boolean mayFault) {
        var rnd = b.rnd;
        int mod = rnd.nextInt(3);
        int rm = rnd.nextInt(8);
        int base = rm;
        int index = -1;
        int scale = 0;
        boolean sib = rm == 4;
        boolean dispOnly = !sib && mod == 0 && rm == 5;
        if (sib) {
            scale = rnd.nextInt(4);
            index = rnd.nextInt(8);
            if (index == 4) {
                index = -1;               // SIB index 100: none
            }
            base = rnd.nextInt(8);
            if (base == 5 && mod == 0) {
                base = -1;                // SIB base 101 with mod 00: disp32, no base
            }
        } else if (dispOnly) {
            base = -1;
        }
        int dispBytes = mod == 1 ? 1 : mod == 2 || base < 0 ? 4 : 0;
        int disp = switch (dispBytes) {
            case 1 -> (byte) (rnd.nextInt(3) == 0 ? Values.edge(rnd, 8) : rnd.nextInt(256));
            case 4 -> rnd.nextInt(3) == 0 ? rnd.nextInt(0x200) - 0x100 : rnd.nextInt();
            default -> 0;
        };
        int target = b.dataAddress(len, mayFault);
        int s = 1 << scale;

        if (!anywhere) {
            // Solve base + index*s + disp == target (mod 2^32), changing one free thing.
            boolean baseFree = base >= 0 && !b.isPinned(base);
            boolean indexFree = index >= 0 && !b.isPinned(index);
            if (base >= 0 && base == index) {
                if (!baseFree) {
                    return null;
                }
                int c = s + 1;             // v*c + disp == target
                int rest = target - disp;
                if ((c & 1) == 0) {
                    rest &= ~1;
                    target = rest + disp;
                    b.regs[base] = (rest >>> 1) | (rnd.nextBoolean() ? 0x8000_0000 : 0);
                } else {
                    b.regs[base] = rest * inverse(c);
                }
                b.pin(base);
            } else if (baseFree) {
                int idx = index >= 0 ? b.regs[index] : 0;
                b.regs[base] = target - idx * s - disp;
                b.pin(base);
            } else if (indexFree) {
                int rest = target - (base >= 0 ? b.regs[base] : 0) - disp;
                int r = rest & (s - 1);
                target -= r;
                rest -= r;
                b.regs[index] = (rest >>> scale) | (scale == 0 ? 0 : rnd.nextInt(s) << (32 - scale));
                b.pin(index);
            } else if (dispBytes == 4) {
                disp = target - (base >= 0 ? b.regs[base] : 0) - (index >= 0 ? b.regs[index] * s : 0);
            } else {
                target = (base >= 0 ? b.regs[base] : 0) + (index >= 0 ? b.regs[index] * s : 0) + disp;
            }
            long off = Integer.toUnsignedLong(target) - Layout.DATA_BASE;
            boolean near = off >= -16 && off < Layout.DATA_SIZE;
            if (mayFault ? !near : !CaseBuilder.inData(target, len)) {
                return null;
            }
        } else {
            target = (base >= 0 ? b.regs[base] : 0) + (index >= 0 ? b.regs[index] * s : 0) + disp;
        }
        b.emit(mod << 6 | regField << 3 | rm);
        if (sib) {
            b.emit(scale << 6 | (index < 0 ? 4 : index) << 3 | (base < 0 ? 5 : base));
        }
        b.emit(disp, dispBytes);
        int used = (base >= 0 ? 1 << base : 0) | (index >= 0 ? 1 << index : 0);
        b.pinned |= used;
        return new Mem(target, used);
    }

    /** The inverse of odd {@code c} modulo 2^32 (Newton's iteration). */
    private static int inverse(int c) {
        int x = c;
        for (int i = 0; i < 5; i++) {
            x *= 2 - c * x;
        }
        return x;
    }

    /**
     * Emits a 16-bit-address ModRM operand (after 0x67) with whatever the registers hold. The
     * address is below 64 KiB: an access there page-faults, and CR2 shows the effective address.
     */
    static Mem modrm16(CaseBuilder b, int regField) {
        var rnd = b.rnd;
        int mod = rnd.nextInt(3);
        int rm = rnd.nextInt(8);
        int[][] pairs = {{3, 6}, {3, 7}, {5, 6}, {5, 7}, {6}, {7}, {5}, {3}};   // BX+SI ... BX
        int ea = 0;
        int used = 0;
        boolean disp16only = mod == 0 && rm == 6;
        if (!disp16only) {
            for (int r : pairs[rm]) {
                ea += b.regs[r];
                used |= 1 << r;
            }
        }
        int dispBytes = mod == 1 ? 1 : mod == 2 || disp16only ? 2 : 0;
        int disp = dispBytes == 1 ? (byte) rnd.nextInt(256) : dispBytes == 2 ? rnd.nextInt(0x10000) : 0;
        ea = (ea + disp) & 0xFFFF;
        b.emit(mod << 6 | regField << 3 | rm);
        b.emit(disp, dispBytes);
        b.pinned |= used;
        return new Mem(ea, used);
    }
}
