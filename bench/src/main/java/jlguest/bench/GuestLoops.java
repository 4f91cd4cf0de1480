package jlguest.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import jlguest.cpu.EntryState;
import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;
import jlguest.bus.Ram;
import jlguest.cpu.Cpu;
import jlguest.cpu.CpuHost;

/**
 * The guest programs the benchmarks run (asm/*.asm, assembled with nasm into the committed .bin
 * files), each in a machine built from the CPU's public API only: RAM, a physical bus, a Cpu in
 * flat 32-bit ring 0 with paging on, as in a kernel. Shared by the JMH benchmarks and
 * {@link QuickMips}.
 */
public enum GuestLoops {
    /** Arithmetic, memory, branches, calls and a REP MOVSD every 16 iterations (asm/intloop.asm). */
    INT("intloop.bin", 32 << 20),
    /** Every access in a different 4 KiB page, CR3 reloaded each round (asm/tlbloop.asm). */
    TLB("tlbloop.bin", 64 << 20),
    /** mpihelp_addmul_1's multiply-accumulate: MUL, ADC, loads and stores (asm/mpiloop.asm). */
    MPI("mpiloop.bin", 32 << 20),
    /** An LZMA-style range decoder's bit loop: MOVZX, shifts, IMUL, SETcc, CMOVcc, tables (asm/lzloop.asm). */
    LZ("lzloop.bin", 32 << 20),
    /** REP MOVSD / REP STOSD over 16 KiB, and 64-byte memcpy calls (asm/memloop.asm). */
    MEM("memloop.bin", 32 << 20),
    /** An x87 double-precision loop (asm/fploop.asm). */
    FPU("fploop.bin", 32 << 20),
    /** SSE2: 9 of every 13 instructions scalar double, packed single and integer (asm/sseloop.asm). */
    SSE("sseloop.bin", 32 << 20),
    /** A loop calling small functions on two other pages, and their returns (asm/callloop.asm). */
    CALL("callloop.bin", 32 << 20),
    /** An interpreter's dispatch: an indirect jump per opcode to handlers on other pages (asm/dispatchloop.asm). */
    DISPATCH("dispatchloop.bin", 32 << 20);

    static {
        // The loops measure the interpreter unless told otherwise (-Djlguest.jit=on: compiled, from
        // the first slice on with -Djlguest.jit.warmup=0), though the machine's default is on.
        if (System.getProperty("jlguest.jit") == null) {
            System.setProperty("jlguest.jit", "off");
        }
        // As the machine does: the CPU may use the block compiler (-Djlguest.jit=on|all) only once
        // someone above it hands it over. A build from before the compiler (JLGUEST_CLASSES pointing
        // at an older baseline) has neither: it runs interpreted.
        try {
            Cpu.useBlockCompiler(jlguest.cpu.jit.CompilerService.BACKEND);
        } catch (LinkageError olderBuild) {
            System.err.println("GuestLoops: no block compiler in this build (" + olderBuild + ")");
        }
    }

    private final String image;
    private final int ramBytes;

    GuestLoops(String image, int ramBytes) {
        this.image = image;
        this.ramBytes = ramBytes;
    }

    /** A fresh machine about to run this loop from its first instruction. */
    public Cpu machine() {
        Ram ram = new Ram(ramBytes);
        byte[] code = resource(image);
        ram.load(0x1000, code, 0, code.length);
        Cpu cpu = new Cpu(new PhysicalBus(ram), new IoPorts(), CpuHost.NONE);
        cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        if (this == SSE) {
            cpu.setCr(0, cpu.cr(0) & ~0xC);   // no EM, no TS
            cpu.setCr(4, 0x600);              // OSFXSR, OSXMMEXCPT
        }
        if (this == TLB) {
            tlbMapping(ram, cpu);
        } else {
            identity(ram, cpu, 0x400000, 0x401000, 8);
        }
        return cpu;
    }

    static byte[] resource(String name) {
        try (InputStream in = GuestLoops.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing benchmark image " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Identity map of the first {@code mb4} * 4 MiB with 4 KiB pages; page tables at pt. */
    private static void identity(Ram ram, Cpu cpu, int pd, int pt, int mb4) {
        for (int t = 0; t < mb4; t++) {
            for (int i = 0; i < 1024; i++) {
                ram.write32(pt + t * 4096 + 4 * i, (t << 22) | (i << 12) | 3);
            }
            ram.write32(pd + 4 * t, (pt + t * 4096) | 3);
        }
        cpu.setCr(3, pd);
        cpu.setCr(0, cpu.cr(0) | 0x80000000);
    }

    /** The TLB loop's mapping: 4 MiB identity, and 64 MiB at 0x40000000 onto 16 MiB of RAM. */
    private static void tlbMapping(Ram ram, Cpu cpu) {
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
    }
}
