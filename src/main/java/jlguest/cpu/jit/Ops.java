package jlguest.cpu.jit;

/** Small static helpers that compiled code calls where bytecode alone would be long-winded. */
public final class Ops {
    private Ops() {
    }

    /** EFLAGS CF | OF, set by MUL when the high half is not zero (the interpreter's eager record). */
    private static final int CF_OF = 0x801;

    private static final int CF = 1, OF = 0x800;

    /**
     * The eager CF/OF record of a 32-bit SHL/SHR/SAR of {@code v} by {@code c} (1..31), as
     * jlguest.cpu.Alu.shift leaves it (OF from the last bit shifted, for every count).
     */
    public static int shlFlags(int v, int c) {
        int res = v << c;
        int cf = (v >>> (32 - c)) & 1;
        return cf | ((res >>> 31) != cf ? OF : 0);
    }

    public static int shrFlags(int v, int c) {
        return ((v >>> (c - 1)) & 1) | (c == 1 && v < 0 ? OF : 0);
    }

    public static int sarFlags(int v, int c) {
        return (v >> (c - 1)) & 1;
    }

    /** CF/OF of a 32-bit unsigned MUL. */
    public static int mulFlags(long product) {
        return (product >>> 32) != 0 ? CF_OF : 0;
    }

    /** CF/OF of a 32-bit one-operand IMUL. */
    public static int imulFlags(long product) {
        return product != (int) product ? CF_OF : 0;
    }
}
