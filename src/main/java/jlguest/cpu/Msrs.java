package jlguest.cpu;

/**
 * The model-specific registers a P6-family CPU has and a stock kernel touches, beyond the TSC and
 * SYSENTER ones {@link SystemOps} keeps in its own state. Every MSR not named here (or answered by
 * the machine's hypervisor MSRs) raises #GP(0) on RDMSR and WRMSR, as on a real CPU.
 *
 * <p>tour:cpu:820 IA32_BIOS_SIGN_ID (0x8B) is how software asks for the microcode revision: write 0,
 * execute CPUID, read the revision from the high dword. Linux does exactly that at boot
 * (intel_get_microcode_revision) with unchecked WRMSR/RDMSR, so a CPU of our family must have it.
 * Ours has no microcode; it reports revision {@value #MICROCODE_REVISION}, as virtual CPUs do.
 * IA32_EFER (0xC0000080) exists because CPUID reports NX; only NXE can be set (no long mode, and
 * SYSCALL is not reported).
 */
final class Msrs {
    static final int BIOS_SIGN_ID = 0x8B;
    static final int EFER = 0xC0000080;
    static final int MICROCODE_REVISION = 1;

    private Msrs() {
    }

    static long biosSignId() {
        return (long) MICROCODE_REVISION << 32;
    }
}
