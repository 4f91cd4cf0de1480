package jlguest.debug;

import jlguest.bus.Ram;
import jlguest.cpu.Cpu;
import jlguest.debug.disasm.CodeReader;

/**
 * Guest memory as a debugger sees it: virtual (linear) addresses through the guest's own page
 * tables, or physical addresses, read and written without side effects.
 *
 * <p>tour:monitor:060 A debugger must never change what it looks at. Reads go through
 * {@link Cpu#translate}, a page walk that sets no accessed or dirty bit and raises no fault;
 * an address that is not mapped is an answer ("unmapped"), not a page fault in the guest. Only
 * RAM is read: a device register can change state when read, so the MMIO window is off limits.
 */
public final class GuestMemory {
    /** An address the debugger cannot read or write, with the reason. */
    public static final class Inaccessible extends Exception {
        public Inaccessible(String message) {
            super(message);
        }
    }

    private final Cpu cpu;
    private final Ram ram;

    public GuestMemory(Cpu cpu, Ram ram) {
        this.cpu = cpu;
        this.ram = ram;
    }

    /** The physical address of a virtual one, or throws saying why not. */
    public int physical(int virtual) throws Inaccessible {
        int pa = cpu.translate(virtual, false, false);
        if (pa == -1 && (cpu.cr(0) & 0x80000000) != 0) {
            throw new Inaccessible(String.format("0x%08x: not mapped", virtual));
        }
        return pa;
    }

    /** One byte at a virtual ({@code phys} false) or physical address. */
    public int read8(int address, boolean phys) throws Inaccessible {
        int pa = phys ? address : physical(address);
        if (!ram.contains(pa & 0xFFFFFFFFL, 1)) {
            throw new Inaccessible(String.format("0x%08x: not RAM (physical 0x%08x)", address, pa));
        }
        return ram.read8(pa);
    }

    /** {@code size} bytes (1, 2, 4 or 8) little-endian; may cross a page. */
    public long read(int address, int size, boolean phys) throws Inaccessible {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (long) read8(address + i, phys) << (8 * i);
        }
        return v;
    }

    /** Writes bytes (a debugger's write: page protection does not apply; code caches are told). */
    public void write(int address, byte[] bytes, boolean phys) throws Inaccessible {
        int[] pas = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {   // check everything before writing anything
            pas[i] = phys ? address + i : physical(address + i);
            if (!ram.contains(pas[i] & 0xFFFFFFFFL, 1)) {
                throw new Inaccessible(String.format("0x%08x: not RAM", address + i));
            }
        }
        for (int i = 0; i < bytes.length; i++) {
            ram.write8(pas[i], bytes[i]);
            ram.written(pas[i], 1);
        }
    }

    /** A code reader over virtual or physical memory for the disassembler (-1 where unreadable). */
    public CodeReader code(boolean phys) {
        return a -> {
            try {
                return read8(a, phys);
            } catch (Inaccessible e) {
                return -1;
            }
        };
    }

    /** A NUL-terminated string of at most {@code max} bytes, C-escaped. */
    public String string(int address, int max, boolean phys) throws Inaccessible {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < max; i++) {
            int b = read8(address + i, phys);
            if (b == 0) {
                break;
            }
            if (b == '\n') {
                s.append("\\n");
            } else if (b == '\t') {
                s.append("\\t");
            } else if (b == '"' || b == '\\') {
                s.append('\\').append((char) b);
            } else if (b < 0x20 || b >= 0x7F) {
                s.append(String.format("\\x%02x", b));
            } else {
                s.append((char) b);
            }
        }
        return s.toString();
    }

    public Ram ram() {
        return ram;
    }
}
