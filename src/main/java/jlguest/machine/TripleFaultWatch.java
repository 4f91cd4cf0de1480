package jlguest.machine;

import java.util.ArrayList;
import java.util.List;
import jlguest.bus.Ram;
import jlguest.cpu.Cpu;

/**
 * Notices a guest that triple-faults the same way every time it starts, and says why instead of
 * rebooting it forever.
 *
 * <p>tour:launcher:050 A real PC resets on a triple fault, and so do we: Linux uses it as a last-resort
 * reboot. But a kernel built for a CPU we are not (one that needs SSE, or long mode) triple-faults at
 * the same instruction on every start, and a reboot loop tells the user nothing. The rule: when a
 * run ends in a triple fault that began with the same exception at the same EIP, with the same CR0 and
 * CR4, as the run before it, and the guest never reached user mode (CPL 3) in either, the next start
 * would end the same way, so the launcher stops with one line saying what faulted and what the guest
 * was probably asking for. A guest-requested reboot (keyboard controller, hypercall, monitor) or a run
 * that got to user mode resets the watch, so Linux's own reboot by triple fault (reboot=t) keeps
 * working.
 */
public final class TripleFaultWatch {
    private record Signature(int vector, int error, int eip, int cr0, int cr4) {
    }

    private Signature previous;

    /**
     * Call after each run that ended in a reboot: returns the line to stop with, or null to reboot.
     */
    public String afterReboot(Machine machine) {
        Cpu cpu = machine.cpu();
        int[] cause = cpu.tripleFaultCause();
        if (cause == null || cpu.reachedUserMode()) {
            previous = null;
            return null;
        }
        Signature now = new Signature(cause[0], cause[1], cause[2], cpu.cr(0), cpu.cr(4));
        if (!now.equals(previous)) {
            previous = now;
            return null;
        }
        return String.format("the guest triple-faults the same way on every start, stopping: %s at EIP %08x"
                + " (CR0=%08x CR4=%08x); %s", exception(now.vector, now.error), now.eip, now.cr0, now.cr4,
                likelyCause(cpu, machine.ram(), now));
    }

    private static final String[] NAMES = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF",
        "9", "#TS", "#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM"};

    static String exception(int vector, int error) {
        String n = vector < NAMES.length ? NAMES[vector] : "vector " + vector;
        return error >= 0 ? String.format("%s(0x%x)", n, error) : n;
    }

    /** CR4 bits by name, for a guest that tried to set one we refuse. */
    private static final String[][] CR4_BITS = {
        {"0", "VME (virtual-8086 extensions)"}, {"1", "PVI"}, {"5", "PAE"}, {"6", "MCE"},
        {"9", "OSFXSR: the kernel needs SSE (FXSAVE)"}, {"10", "OSXMMEXCPT: the kernel needs SSE"},
        {"11", "UMIP"}, {"12", "LA57"}, {"13", "VMXE"}, {"14", "SMXE"}, {"16", "FSGSBASE"},
        {"17", "PCIDE"}, {"18", "OSXSAVE: the kernel needs XSAVE/AVX"}, {"20", "SMEP"}, {"21", "SMAP"},
        {"22", "PKE"}};

    /** A guess at what the guest wanted, from the faulting instruction and the control registers. */
    static String likelyCause(Cpu cpu, Ram ram, Signature s) {
        int[] code = bytesAt(cpu, ram, s.eip, 4);
        if (code[0] == 0x0F && code[1] == 0x22 && ((code[2] >>> 3) & 7) == 4 && s.vector == 13) {
            int value = cpu.reg(code[2] & 7);
            List<String> wanted = new ArrayList<>();
            for (String[] b : CR4_BITS) {
                int bit = 1 << Integer.parseInt(b[0]);
                if ((value & bit) != 0 && (s.cr4 & bit) == 0) {
                    wanted.add(b[1]);
                }
            }
            return "MOV CR4 to " + String.format("%08x", value) + " was refused; it sets "
                    + (wanted.isEmpty() ? "bits this CPU lacks" : String.join(", ", wanted))
                    + " (the guest needs a CPU feature jlguest does not have)";
        }
        if (code[0] == 0x0F && code[1] == 0x30 && s.vector == 13 && cpu.reg(1) == 0xC0000080
                && (cpu.reg(0) & 0x100) != 0) {
            return "WRMSR to EFER setting LME (long mode) was refused: this is a 64-bit kernel, and jlguest is a"
                    + " 32-bit CPU";
        }
        if (code[0] == 0x0F && (code[1] == 0x30 || code[1] == 0x32) && s.vector == 13) {
            return String.format("%s of MSR 0x%x was refused: the guest needs a model-specific register this"
                    + " P6-family CPU does not have", code[1] == 0x30 ? "WRMSR" : "RDMSR", cpu.reg(1));
        }
        if (s.vector == 6) {
            StringBuilder b = new StringBuilder();
            for (int x : code) {
                b.append(x < 0 ? " ??" : String.format(" %02x", x));
            }
            return "the instruction (bytes" + b + ") is not implemented: the guest was likely built for a"
                    + " newer CPU (MMX/SSE, long mode; see docs/machine.md)";
        }
        if (s.vector == 14 && (s.cr4 & 0x20) == 0 && (s.cr0 & 0x80000000) != 0) {
            return "a page fault with 2-level paging: a kernel built for PAE would turn on CR4.PAE first;"
                    + " check that the kernel matches this CPU (docs/machine.md)";
        }
        return "the guest probably needs a CPU feature jlguest does not have (docs/machine.md lists them)";
    }

    /** Up to {@code n} bytes at CS:EIP, -1 where unreadable. */
    private static int[] bytesAt(Cpu cpu, Ram ram, int eip, int n) {
        int[] b = new int[n];
        for (int i = 0; i < n; i++) {
            int pa = cpu.translate(cpu.segBase(1) + eip + i, false, false);
            b[i] = pa != -1 && ram.contains(pa & 0xFFFFFFFFL, 1) ? ram.read8(pa) : -1;
        }
        return b;
    }
}
