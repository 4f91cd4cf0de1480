package jlguest.launch;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import jlguest.boot.TestImages;
import jlguest.machine.MachineConfig;

/**
 * RebootHeapTest's child JVM: boots a guest that reaches user mode and triple-faults there, so it
 * reboots for ever (a run that got to CPL 3 made progress: the launcher's triple-fault watch lets it
 * go on). After {@code warm} reboots (classes loaded, caches grown) it counts the bytes the CPU thread
 * allocates over the next {@code measured}, prints "allocated N bytes per reboot" and exits.
 *
 * <p>Arguments: directory for the kernel file, guest RAM in MiB, warm-up reboots, measured reboots.
 */
public final class RebootLoop {
    private RebootLoop() {
    }

    /**
     * A kernel that loads a GDT with ring-3 segments and an IDT of limit 0, returns to CPL 3 by a far
     * return and executes UD2 there: #UD cannot be delivered, nor #GP, nor #DF, so it triple-faults.
     */
    static byte[] userModeTripleFault() {
        byte[] code = new byte[0x200];
        byte[] insns = {
            (byte) 0xBC, 0x00, 0x00, 0x18, 0x00,            // mov esp, 0x180000
            0x0F, 0x01, 0x15, (byte) 0xF0, 0x00, 0x10, 0x00, // lgdt [0x1000F0]
            0x0F, 0x01, 0x1D, (byte) 0xF8, 0x00, 0x10, 0x00, // lidt [0x1000F8] (limit 0)
            0x6A, 0x23,                                     // push 0x23 (user SS)
            0x68, 0x00, 0x00, 0x20, 0x00,                   // push 0x200000 (user ESP)
            0x6A, 0x1B,                                     // push 0x1B (user CS)
            0x68, 0x22, 0x00, 0x10, 0x00,                   // push 0x100022
            (byte) 0xCB,                                    // retf: to CPL 3
            0x0F, 0x0B,                                     // 0x100022: ud2
        };
        System.arraycopy(insns, 0, code, 0, insns.length);
        byte[] gdtr = {0x27, 0x00, 0x00, 0x01, 0x10, 0x00};   // limit 0x27, base 0x100100
        System.arraycopy(gdtr, 0, code, 0xF0, gdtr.length);
        long[] gdt = {0, 0x00CF9A000000FFFFL, 0x00CF92000000FFFFL, 0x00CFFA000000FFFFL, 0x00CFF2000000FFFFL};
        for (int i = 0; i < gdt.length; i++) {
            for (int b = 0; b < 8; b++) {
                code[0x100 + 8 * i + b] = (byte) (gdt[i] >>> (8 * b));
            }
        }
        return TestImages.elf32(0x100000, new TestImages.Seg(0x100000, code, code.length));
    }

    public static void main(String[] args) throws Exception {
        Path kernel = Path.of(args[0]).resolve("usertriple.elf");
        Files.write(kernel, userModeTripleFault());
        long ram = Long.parseLong(args[1]) << 20;
        int warm = Integer.parseInt(args[2]);
        int measured = Integer.parseInt(args[3]);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        PrintStream err = new PrintStream(OutputStream.nullOutputStream()) {
            private int reboots;
            private long start;

            @Override
            public void print(String s) {
                System.err.print(s);
                if (!s.contains("rebooting")) {
                    return;
                }
                reboots++;
                if (reboots == warm) {
                    start = threads.getCurrentThreadAllocatedBytes();
                } else if (reboots == warm + measured) {
                    long bytes = threads.getCurrentThreadAllocatedBytes() - start;
                    System.out.println("allocated " + bytes / measured + " bytes per reboot");
                    System.out.flush();
                    Runtime.getRuntime().halt(0);
                }
            }
        };
        MachineConfig config = new MachineConfig(ram, kernel, null, List.of(), List.of(), false, false, false, List.of());
        int status = Launcher.boot(config, err);
        System.out.println("the loop ended with status " + status + " after " + "fewer reboots than asked");
        System.exit(1);
    }
}
