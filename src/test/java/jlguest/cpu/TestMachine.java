package jlguest.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import jlguest.cpu.EntryState;
import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;
import jlguest.bus.Ram;

/** A tiny machine for CPU tests: RAM, ports, a recording host, helpers to build tables. */
final class TestMachine {
    final Ram ram;
    final PhysicalBus bus;
    final IoPorts io = new IoPorts();
    final List<int[]> exceptions = new ArrayList<>();
    final Cpu cpu;
    int hypercalls;

    TestMachine() {
        this(16 << 20);
    }

    TestMachine(int ramSize) {
        ram = new Ram(ramSize);
        bus = new PhysicalBus(ram);
        cpu = new Cpu(bus, io, new CpuHost() {
            @Override
            public int acknowledgeInterrupt() {
                cpu().setIntrLine(false);   // an edge: the PIC drops INTR once acknowledged
                return 0x20;
            }

            @Override
            public int hypercall(Cpu c) {
                hypercalls++;
                return c.reg(0) + 1;
            }

            @Override
            public boolean readMsr(int index, long[] out) {
                return false;
            }

            @Override
            public boolean writeMsr(int index, long value) {
                return false;
            }

            @Override
            public long timeStampCounter() {
                return cpu().instructions();
            }

            @Override
            public void hypervisorCpuid(int leaf, int[] r) {
                java.util.Arrays.fill(r, 0);
                if (leaf == 0x40000000) {
                    r[0] = 0x40000001;
                    r[1] = 0x4b4d564b;
                }
            }

            @Override
            public void exceptionRaised(int vector, int errorCode, int eip) {
                exceptions.add(new int[] {vector, errorCode, eip});
            }
        });
    }

    private Cpu cpu() {
        return cpu;
    }

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h.replace(" ", ""));
    }

    static byte[] resource(String name) {
        try (InputStream in = TestMachine.class.getResourceAsStream("/cpu/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void load(int addr, byte[] code) {
        ram.load(addr, code, 0, code.length);
    }

    /** Flat 32-bit ring 0 at 0x1000 with ESP=0x80000; runs until HLT (at most 1M instructions). */
    static TestMachine flat(String hexCode) {
        TestMachine m = new TestMachine();
        m.load(0x1000, hex(hexCode));
        m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        return m;
    }

    Stop run() {
        return cpu.run(1_000_000);
    }

    int r(int n) {
        return cpu.reg(n);
    }

    int read32(int pa) {
        return ram.read32(pa);
    }

    // ---- descriptor helpers -------------------------------------------------------------------

    /** Writes GDT/LDT entry {@code index} at table base {@code table}. */
    void descriptor(int table, int index, int base, int limit, int access, int flagsNibble) {
        int lo = (limit & 0xFFFF) | (base << 16);
        int hi = ((base >>> 16) & 0xFF) | (access << 8) | (limit & 0xF0000) | (flagsNibble << 20) | (base & 0xFF000000);
        ram.write32(table + index * 8, lo);
        ram.write32(table + index * 8 + 4, hi);
    }

    /** A gate (type 0xE interrupt, 0xF trap, 0x5 task, 0xC call) with DPL. */
    void gate(int table, int index, int sel, int off, int type, int dpl) {
        ram.write32(table + index * 8, (off & 0xFFFF) | (sel << 16));
        ram.write32(table + index * 8 + 4, (off & 0xFFFF0000) | 0x8000 | (dpl << 13) | (type << 8));
    }

    static final int GDT = 0x500, IDT = 0x800;

    /**
     * The standard test GDT: 0x08 unused, 0x10 ring-0 code, 0x18 ring-0 data, 0x23 ring-3 code,
     * 0x2B ring-3 data, 0x30 TSS at 0x3000 (limit 0x2067, so a full I/O bitmap fits), 0x38 a
     * 64 KiB ring-0 data segment at 0x100000, 0x40 a second TSS at 0x5000 (for task gates).
     */
    void standardTables() {
        descriptor(GDT, 2, 0, 0xFFFFF, 0x9B, 0xC);
        descriptor(GDT, 3, 0, 0xFFFFF, 0x93, 0xC);
        descriptor(GDT, 4, 0, 0xFFFFF, 0xFB, 0xC);
        descriptor(GDT, 5, 0, 0xFFFFF, 0xF3, 0xC);
        descriptor(GDT, 6, 0x3000, 0x2067, 0x89, 0);
        descriptor(GDT, 7, 0x100000, 0xFFFF, 0x93, 0x4);
        descriptor(GDT, 8, 0x5000, 0x67, 0x89, 0);
        cpu.setGdtr(GDT, 9 * 8 - 1);
        cpu.setIdtr(IDT, 256 * 8 - 1);
        ram.write32(0x3000 + 4, 0x90000);   // TSS.ESP0
        ram.write32(0x3000 + 8, 0x18);      // TSS.SS0
        ram.write16(0x3000 + 0x66, 0x68);   // I/O bitmap right after the TSS: all ports allowed
    }
}
