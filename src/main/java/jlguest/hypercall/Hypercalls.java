package jlguest.hypercall;

import jlguest.bus.Ram;
import jlguest.console.GuestText;
import jlguest.cpu.Cpu;

/**
 * Our own lguest-style hypercalls (docs/hypercalls.md): {@code vmcall} with the number in EAX.
 *
 * <p>tour:paravirt:020 lguest's guests asked the host for everything through hypercalls: "write
 * this to the console", "wake me in 10 ms", "I am done". Ours keep that spirit for small guests of
 * our own (a stock Linux never uses them). The CPU has already checked that the caller runs at
 * CPL 0 (a user program gets #UD); here we only decode the registers, check every guest address
 * against RAM, and ask the machine.
 */
public final class Hypercalls {
    public static final int CONSOLE_WRITE = 1;
    public static final int HALT = 2;
    public static final int SET_TIMER = 3;
    public static final int GET_TIME = 4;
    public static final int SHUTDOWN = 5;
    public static final int NOTIFY = 6;

    public static final int ENOSYS = -1000;
    static final int EFAULT = -14;
    static final int EINVAL = -22;
    private static final int EAX = 0;
    private static final int ECX = 1;
    private static final int EDX = 2;
    private static final int EBX = 3;
    private static final int MAX_MESSAGE = 1024;

    /** What the machine does for each call. Called on the CPU thread. */
    public interface Services {
        void consoleWrite(byte[] bytes, int offset, int length);

        /** Returns once an interrupt is pending (or the machine is stopping). */
        void haltUntilInterrupt();

        /** Raise IRQ 0 once, {@code delayNanos} from now; 0 cancels. */
        void setTimer(long delayNanos);

        long nanos();

        void shutdown(boolean reboot, String message, int status);

        /** False when there is no such device or queue. */
        boolean notifyQueue(int device, int queue);
    }

    private final Ram ram;
    private final Services services;
    private final long[] counts = new long[NOTIFY + 2];

    public Hypercalls(Ram ram, Services services) {
        this.ram = ram;
        this.services = services;
    }

    // exercise:01 Add a hypercall. PUTCHAR, number 7: EBX holds one character, the console gets that one
    // byte, the call returns 0. Hint: a constant next to NOTIFY, one case in the switch below
    // (services.consoleWrite takes an array, an offset and a length), a row in docs/hypercalls.md, and
    // grow `counts`. Test: ExercisesTest.exercise01PutcharHypercall.
    /** Performs the call the CPU's registers describe; the result goes to EAX. */
    public int call(Cpu cpu) {
        int nr = cpu.reg(EAX);
        counts[nr >= CONSOLE_WRITE && nr <= NOTIFY ? nr : 0]++;
        int ebx = cpu.reg(EBX);
        int ecx = cpu.reg(ECX);
        int edx = cpu.reg(EDX);
        switch (nr) {
            case CONSOLE_WRITE -> {
                long addr = ebx & 0xFFFFFFFFL;
                long len = ecx & 0xFFFFFFFFL;
                if (!ram.contains(addr, len)) {
                    return EFAULT;
                }
                services.consoleWrite(ram.bytes, (int) addr, (int) len);
                return ecx;
            }
            case HALT -> {
                services.haltUntilInterrupt();
                return 0;
            }
            case SET_TIMER -> {
                services.setTimer(((long) ebx << 32) | (ecx & 0xFFFFFFFFL));
                return 0;
            }
            case GET_TIME -> {
                long now = services.nanos();
                cpu.setReg(EDX, (int) (now >>> 32));
                return (int) now;
            }
            case SHUTDOWN -> {
                // The guest's words reach the host's stderr: no escape sequences, no forged lines.
                String message = ecx == 0 ? "" : GuestText.printable(ram.readCString(ecx, MAX_MESSAGE));
                services.shutdown(ebx == 1, message, edx);
                return 0;
            }
            case NOTIFY -> {
                return services.notifyQueue(ebx, ecx) ? 0 : EINVAL;
            }
            default -> {
                return ENOSYS;
            }
        }
    }

    /** How often each call was made (index = call number; index 0 counts unknown numbers). */
    public long count(int nr) {
        return nr >= 0 && nr < counts.length ? counts[nr] : 0;
    }
}
