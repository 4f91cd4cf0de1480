package jlguest.cpu.diff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;
import jlguest.bus.Ram;
import jlguest.cpu.Cpu;
import jlguest.cpu.CpuHost;
import jlguest.cpu.Stop;

/**
 * A tiny protected-mode "kernel" inside jlguest that runs one case the way Linux runs the harness.
 *
 * <p>tour:difftest:130 To compare like with like, the emulator must see what the host CPU saw: a
 * ring-3 process with flat selectors 0x23/0x2B, paging with the code page and two data pages at
 * the harness's addresses, and nothing else mapped in user space. So this class builds a GDT, an
 * IDT whose every gate leads to a one-byte handler (HLT) at its own address, a TSS with a ring-0
 * stack, and page tables. For each case it resets the CPU, runs a three-instruction ring-0 stub
 * (LTR, LLDT 0, IRETD into the case) and lets the CPU go until a handler halts it. The vector is
 * the handler's address, and the user-mode state is where a kernel would find it: general registers
 * untouched, EIP, CS, EFLAGS, ESP and SS in the interrupt frame on the ring-0 stack, the error code
 * below them. From there the result is classified exactly as harness.c does.
 *
 * <pre>
 * physical   linear                 what
 * 0x01000    0xC0001000             GDT: 0x08 kernel code, 0x10 kernel data, 0x23 user code,
 *                                   0x2B user data, 0x30 TSS
 * 0x02000    0xC0002000             IDT: 256 interrupt gates, DPL 0 except #BP and #OF (DPL 3)
 * 0x03000    0xC0003000             TSS (SS0:ESP0 = 0x10:0xC000B000, no I/O bitmap)
 * 0x04000                           page directory; 0x05000..0x07000 page tables
 * 0x08000    0xC0008000 + vector    the handlers: HLT
 * 0x08200    0xC0008200             the stub: LTR [0xC0008300]; LLDT [0xC0008302]; IRETD
 * 0x09000    0xC0009000..B000       ring-0 stack
 * 0x10000    0x10000000             code page (user)
 * 0x11000    0x20000000, 0x20001000 data pages (user)
 * </pre>
 */
final class GuestRig {
    private static final int K = 0xC000_0000;
    private static final int GDT = 0x1000, IDT = 0x2000, TSS = 0x3000, PD = 0x4000;
    private static final int PT_CODE = 0x5000, PT_DATA = 0x6000, PT_KERNEL = 0x7000;
    private static final int HANDLERS = 0x8000, STUB = 0x8200, STUB_DATA = 0x8300;
    private static final int KSTACK_TOP = 0xB000;
    private static final int CODE_PHYS = 0x10000, DATA_PHYS = 0x11000;
    private static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
    /** CR0: PE, ET, NE, WP, PG (as Linux runs). */
    private static final int CR0 = 0x8001_0031;

    private final Ram ram = new Ram(0x20000);
    private final Cpu cpu = new Cpu(new PhysicalBus(ram), new IoPorts(), CpuHost.NONE);
    private final byte[] codePage = new byte[0x1000];

    GuestRig() {
        // GDT
        ram.write64(GDT + 0x08, descriptor(0, 0xFFFFF, 0x9A, 0xC));
        ram.write64(GDT + 0x10, descriptor(0, 0xFFFFF, 0x92, 0xC));
        ram.write64(GDT + 0x20, descriptor(0, 0xFFFFF, 0xFA, 0xC));
        ram.write64(GDT + 0x28, descriptor(0, 0xFFFFF, 0xF2, 0xC));
        // IDT: gate v -> HLT at K + HANDLERS + v
        for (int v = 0; v < 256; v++) {
            int off = K + HANDLERS + v;
            int dpl = v == 3 || v == 4 ? 3 : 0;
            ram.write32(IDT + 8 * v, (off & 0xFFFF) | 0x08 << 16);
            ram.write32(IDT + 8 * v + 4, (off & 0xFFFF_0000) | 0x8000 | dpl << 13 | 0x0E00);
            ram.write8(HANDLERS + v, 0xF4);
        }
        // TSS: ESP0, SS0; I/O map base beyond the limit (no bitmap).
        ram.write32(TSS + 4, K + KSTACK_TOP);
        ram.write32(TSS + 8, 0x10);
        ram.write16(TSS + 0x66, 0x68);
        // Page tables
        ram.write32(PD + 4 * (Layout.CODE_PAGE >>> 22), PT_CODE | 7);
        ram.write32(PD + 4 * (Layout.DATA_BASE >>> 22), PT_DATA | 7);
        ram.write32(PD + 4 * (K >>> 22), PT_KERNEL | 3);
        ram.write32(PT_CODE + 4 * ((Layout.CODE_PAGE >>> 12) & 0x3FF), CODE_PHYS | 7);
        ram.write32(PT_DATA + 4 * ((Layout.DATA_BASE >>> 12) & 0x3FF), DATA_PHYS | 7);
        ram.write32(PT_DATA + 4 * (((Layout.DATA_BASE >>> 12) + 1) & 0x3FF), DATA_PHYS + 0x1000 | 7);
        for (int p = 0; p < 16; p++) {
            ram.write32(PT_KERNEL + 4 * p, p << 12 | 3);
        }
        // The stub: LTR [K+STUB_DATA]; LLDT [K+STUB_DATA+2]; IRETD
        byte[] stub = {0x0F, 0x00, 0x1D, 0, 0, 0, 0, 0x0F, 0x00, 0x15, 0, 0, 0, 0, (byte) 0xCF};
        ram.load(STUB, stub, 0, stub.length);
        ram.write32(STUB + 3, K + STUB_DATA);
        ram.write32(STUB + 10, K + STUB_DATA + 2);
        ram.write16(STUB_DATA, 0x30);
        ram.write16(STUB_DATA + 2, 0);
        Arrays.fill(codePage, (byte) 0xCC);
    }

    /** A segment descriptor: base, 20-bit limit, access byte, flags nibble (G, D/B). */
    private static long descriptor(int base, int limit, int access, int flags) {
        long lo = (limit & 0xFFFFL) | (base & 0xFFFFL) << 16;
        long hi = (base >>> 16 & 0xFF) | access << 8 | (limit >>> 16 & 0xF) << 16 | flags << 20
                | (long) (base >>> 24) << 24;
        return lo | hi << 32;
    }

    /** What jlguest did with case {@code c}, in the harness's terms; or a Stop that says it got lost. */
    record Run(DiffCase.Result result, Stop stop, String message) {
    }

    Run run(DiffCase c) {
        // Memory: code page of INT3 plus the instruction, data pages from seed and patches.
        System.arraycopy(codePage, 0, ram.bytes, CODE_PHYS, 0x1000);
        System.arraycopy(c.code(), 0, ram.bytes, CODE_PHYS + 0x800, c.code().length);
        ram.written(CODE_PHYS, 0x1000);
        byte[] initial = DataFill.initial(c);
        System.arraycopy(initial, 0, ram.bytes, DATA_PHYS, Layout.DATA_SIZE);
        ram.written(DATA_PHYS, Layout.DATA_SIZE);
        // The interrupt frame IRETD pops: EIP, CS, EFLAGS, ESP, SS.
        int frame = KSTACK_TOP - 20;
        ram.write32(frame, Layout.CODE_START);
        ram.write32(frame + 4, Layout.USER_CS);
        ram.write32(frame + 8, c.eflagsIn());
        ram.write32(frame + 12, c.regsIn()[4]);
        ram.write32(frame + 16, Layout.USER_DS);
        // A TSS descriptor that is not busy (the previous case's LTR marked it so).
        ram.write64(GDT + 0x30, descriptor(K + TSS, 0x67, 0x89, 0));

        cpu.reset();
        cpu.setGdtr(K + GDT, 0x37);
        cpu.setIdtr(K + IDT, 256 * 8 - 1);
        cpu.setCr(3, PD);
        cpu.setCr(0, CR0);
        cpu.loadSegment(CS, 0x08);
        cpu.loadSegment(SS, 0x10);
        for (int s : new int[] {DS, ES, FS, GS}) {
            cpu.loadSegment(s, Layout.USER_DS);
        }
        for (int i = 0; i < 8; i++) {
            cpu.setReg(i, c.regsIn()[i]);
        }
        cpu.setReg(4, K + frame);
        cpu.setEflags(0x2);
        cpu.setEip(K + STUB);

        Stop stop = cpu.run(10_000);
        int vector = cpu.eip() - (K + HANDLERS) - 1;
        if (stop != Stop.HALT_FOREVER || vector < 0 || vector > 255) {
            return new Run(null, stop, String.format("stopped with %s at EIP %08x%s", stop, cpu.eip(),
                    cpu.stopMessage() == null || cpu.stopMessage().isEmpty() ? "" : ": " + cpu.stopMessage()));
        }
        int ksp = cpu.reg(4) - K;
        boolean hasError = vector == 8 || vector >= 10 && vector <= 14 || vector == 17;
        int err = hasError ? ram.read32(ksp) : 0;
        int f = hasError ? ksp + 4 : ksp;
        int eip = ram.read32(f);
        int cs = ram.read32(f + 4) & 0xFFFF;
        int eflags = ram.read32(f + 8);
        boolean toRing0 = (cs & 3) != 0;
        int[] regs = new int[8];
        for (int i = 0; i < 8; i++) {
            regs[i] = cpu.reg(i);
        }
        int ss;
        if (toRing0) {
            regs[4] = ram.read32(f + 12);
            ss = ram.read32(f + 16) & 0xFFFF;
        } else {                          // an exception in the stub itself: a rig problem
            return new Run(null, stop, String.format("exception %d in ring 0 at %08x", vector, eip));
        }
        // The harness would have died had the instruction written to its code page; so must we notice.
        int codeDiff = Arrays.mismatch(codePage, 0, 0x800, ram.bytes, CODE_PHYS, CODE_PHYS + 0x800);
        int tail = CODE_PHYS + 0x800 + c.code().length;
        if (codeDiff < 0) {
            codeDiff = Arrays.mismatch(codePage, 0, CODE_PHYS + 0x1000 - tail, ram.bytes, tail, CODE_PHYS + 0x1000);
        }
        if (codeDiff >= 0) {
            return new Run(null, stop, "the instruction wrote to the code page");
        }
        int[] segs = {cpu.segSelector(ES), cs, ss, cpu.segSelector(DS)};
        int landed = eip - 1;
        boolean completed = vector == 3 && cs == Layout.USER_CS
                && Integer.compareUnsigned(landed - Layout.CODE_PAGE, 0x1000) < 0
                && (Integer.compareUnsigned(landed - Layout.CODE_START, c.code().length) >= 0);
        List<DiffCase.Run> memory = diff(initial);
        DiffCase.Result r = completed
                ? new DiffCase.Result(true, -1, landed, 0, 0, eflags, regs, segs, memory)
                : new DiffCase.Result(false, vector, eip, err, vector == 14 ? cpu.cr(2) : 0, eflags, regs,
                        segs, memory);
        return new Run(r, stop, "");
    }

    /** The data bytes that differ from {@code initial}, as runs (like harness.c writes them). */
    private List<DiffCase.Run> diff(byte[] initial) {
        List<DiffCase.Run> out = new ArrayList<>();
        byte[] m = ram.bytes;
        int i = Arrays.mismatch(initial, 0, initial.length, m, DATA_PHYS, DATA_PHYS + Layout.DATA_SIZE);
        while (i >= 0 && i < Layout.DATA_SIZE) {
            int j = i;
            while (j < Layout.DATA_SIZE && j - i < 255 && m[DATA_PHYS + j] != initial[j]) {
                j++;
            }
            out.add(new DiffCase.Run(i, Arrays.copyOfRange(m, DATA_PHYS + i, DATA_PHYS + j)));
            int next = Arrays.mismatch(initial, j, initial.length, m, DATA_PHYS + j, DATA_PHYS + Layout.DATA_SIZE);
            i = next < 0 ? -1 : j + next;
        }
        return out;
    }
}
