package jlguest.cpu.jit;

/** Small static helpers that compiled code calls where bytecode alone would be long-winded. */
public final class Ops {
    private Ops() {
    }

    /** EFLAGS CF | OF, set by MUL when the high half is not zero (the interpreter's eager record). */
    private static final int CF_OF = 0x801;

    /** CF/OF of a 32-bit unsigned MUL. */
    public static int mulFlags(long product) {
        return (product >>> 32) != 0 ? CF_OF : 0;
    }

    /** CF/OF of a 32-bit one-operand IMUL. */
    public static int imulFlags(long product) {
        return product != (int) product ? CF_OF : 0;
    }
}
