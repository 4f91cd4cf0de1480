package jlguest.machine;

import jlguest.cpu.Cpu;
import jlguest.time.GuestClock;

/**
 * Guest time in deterministic mode: derived from the count of executed instructions.
 *
 * <p>tour:time:030 With {@code --deterministic}, time is no longer the host's: every retired
 * instruction is worth {@link #NANOS_PER_INSTRUCTION} ns, and an idle guest (HLT) skips straight
 * to its next timer deadline instead of waiting for it. Two runs of the same guest with the same
 * input then see the same timer interrupts at the same instructions, and print the same bytes.
 */
public final class InstructionClock implements GuestClock {
    /** A nominal 100 MIPS machine. */
    public static final long NANOS_PER_INSTRUCTION = 10;

    private final Cpu cpu;
    private long skipped;

    public InstructionClock(Cpu cpu) {
        this.cpu = cpu;
    }

    @Override
    public long nanos() {
        return cpu.instructions() * NANOS_PER_INSTRUCTION + skipped;
    }

    /** After the CPU's retired count was restored: the idle time skipped makes up the rest. */
    @Override
    public void resumeAt(long nanos) {
        skipped = nanos - cpu.instructions() * NANOS_PER_INSTRUCTION;
    }

    /** Moves time forward to {@code deadline} while the CPU idles (never backwards). */
    public void skipTo(long deadline) {
        long now = nanos();
        if (deadline > now) {
            skipped += deadline - now;
        }
    }

    /** Instructions that fit before {@code deadline}, at least 1. */
    public long instructionsUntil(long deadline) {
        long left = deadline - nanos();
        return Math.max(1, left / NANOS_PER_INSTRUCTION);
    }
}
