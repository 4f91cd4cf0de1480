package jlguest.cpu;

/**
 * What the CPU needs from the machine around it. Called on the CPU thread only.
 *
 * <p>tour:cpu:030 The CPU knows nothing about PICs, clocks or hypercall numbers: whenever it needs
 * the outside world (an interrupt vector, a model-specific register, the time) it asks the host.
 */
public interface CpuHost {
    /** INTA cycle: the vector of the highest-priority pending interrupt. */
    int acknowledgeInterrupt();

    /** VMCALL at CPL 0 (call number in EAX, arguments in EBX, ECX, EDX, ESI); result goes to EAX. */
    int hypercall(Cpu cpu);

    /** RDMSR for MSRs the CPU does not implement itself; false raises #GP(0). */
    boolean readMsr(int index, long[] out);

    /** WRMSR for MSRs the CPU does not implement itself; false raises #GP(0). */
    boolean writeMsr(int index, long value);

    /** The time-stamp counter before the guest's own offset (WRMSR 0x10) is applied. */
    long timeStampCounter();

    /** CPUID leaves 0x40000000..0x400000FF; fill EAX, EBX, ECX, EDX (zeros if nothing). */
    void hypervisorCpuid(int leaf, int[] eaxEbxEcxEdx);

    /** Observer: an exception is being delivered (vector, error code or -1, EIP of the fault). */
    void exceptionRaised(int vector, int errorCode, int eip);

    /**
     * FERR#: an x87 instruction found an unmasked FPU error pending while CR0.NE is clear (the
     * PC/AT way, before #MF). A PC raises IRQ 13; the guest's handler then writes port 0xF0.
     * The instruction goes on (as with IGNNE# asserted). Default: nothing.
     */
    default void fpuError() {
    }

    /**
     * A host that does nothing: no interrupts, no MSRs, TSC from System.nanoTime(). For a CPU alone,
     * without a machine: the benchmarks (jlguest.bench, through this public API) and the tests.
     */
    CpuHost NONE = new CpuHost() {
        @Override
        public int acknowledgeInterrupt() {
            return 0x20;
        }

        @Override
        public int hypercall(Cpu cpu) {
            return -1000;
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
            return System.nanoTime();
        }

        @Override
        public void hypervisorCpuid(int leaf, int[] r) {
            java.util.Arrays.fill(r, 0);
        }

        @Override
        public void exceptionRaised(int vector, int errorCode, int eip) {
        }
    };
}
