package jlguest.cpu;

/** Why {@link Cpu#run(long)} returned. */
public enum Stop {
    /** The instruction budget is used up. */
    BUDGET,
    /** HLT with IF=1: the machine should wait for an interrupt and call run() again. */
    HALT,
    /** HLT with IF=0: nothing can wake the CPU; the machine treats it as power-off. */
    HALT_FOREVER,
    /** An exception while delivering a double fault. The machine resets ({@link Cpu#reset()}). */
    TRIPLE_FAULT,
    /** The guest executed something we decode but do not implement; see {@link Cpu#stopMessage()}. */
    UNIMPLEMENTED,
    /** {@link Cpu#requestStop()} was called. */
    REQUESTED
}
