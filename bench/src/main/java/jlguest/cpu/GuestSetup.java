package jlguest.cpu;

import java.io.IOException;
import java.io.InputStream;
import jlguest.cpu.EntryState;
import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;
import jlguest.bus.Ram;

/** Builds the machines the benchmarks run (shared by the JMH benchmarks and {@link QuickMips}). */
final class GuestSetup {
    private GuestSetup() {
    }

    static byte[] resource(String name) {
        try (InputStream in = GuestSetup.class.getResourceAsStream("/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Cpu cpu(Ram ram) {
        return new Cpu(new PhysicalBus(ram), new IoPorts(), CpuHost.NONE);
    }

    /** The integer loop, flat 32-bit ring 0, paging on (identity, 4 KiB pages) as in a kernel. */
    static Cpu intLoop() {
        Ram ram = new Ram(32 << 20);
        byte[] code = resource("intloop.bin");
        ram.load(0x1000, code, 0, code.length);
        Cpu cpu = cpu(ram);
        cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        identity(ram, cpu, 0x400000, 0x401000, 8);
        return cpu;
    }

    /** Identity map of the first {@code mb4} * 4 MiB with 4 KiB pages; page tables at pt. */
    static void identity(Ram ram, Cpu cpu, int pd, int pt, int mb4) {
        for (int t = 0; t < mb4; t++) {
            for (int i = 0; i < 1024; i++) {
                ram.write32(pt + t * 4096 + 4 * i, (t << 22) | (i << 12) | 3);
            }
            ram.write32(pd + 4 * t, (pt + t * 4096) | 3);
        }
        cpu.setCr(3, pd);
        cpu.setCr(0, cpu.cr(0) | 0x80000000);
    }

    /** The TLB loop: 64 MiB at 0x40000000 mapped onto 16 MiB of RAM with 4 KiB pages. */
    static Cpu tlbLoop() {
        Ram ram = new Ram(64 << 20);
        byte[] code = resource("tlbloop.bin");
        ram.load(0x1000, code, 0, code.length);
        Cpu cpu = cpu(ram);
        cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        int pd = 0x2000000, pt = 0x2001000;
        for (int i = 0; i < 1024; i++) {
            ram.write32(pt + 4 * i, (i << 12) | 3);
        }
        ram.write32(pd, pt | 3);
        for (int t = 0; t < 16; t++) {        // 16 page tables for 0x40000000..0x44000000
            int tab = 0x2100000 + t * 4096;
            for (int i = 0; i < 1024; i++) {
                ram.write32(tab + 4 * i, (0x1000000 + ((t * 1024 + i) & 0xFFF) * 4096) | 3);
            }
            ram.write32(pd + 4 * (0x100 + t), tab | 3);
        }
        cpu.setCr(3, pd);
        cpu.setCr(0, cpu.cr(0) | 0x80000000);
        return cpu;
    }
}
