package jlguest.cpu;

/**
 * One decoded guest instruction as the compiler sees it: a copy of the decoder's fields, taken on
 * the CPU thread when a block turns hot, so the compiler thread never reads a block the CPU may be
 * rebuilding. Field meanings are the decoder's (see jlguest.cpu.Insn): {@code op} is 0x000..0x1FF
 * (0x100 | second byte for 0F xx), {@code sz} 0 byte / 1 word / 2 dword, {@code base}/{@code index}
 * register numbers or -1, {@code scale} a shift count. {@code source} is the interpreter's own
 * decoded form (a copy), for an instruction a compiled unit hands to the interpreter (tour:jit:016);
 * null where there is none.
 */
public record GuestInsn(int op, int len, int sz, boolean o32, boolean a32, int rep, int seg, int mod, int reg,
                        int rm, int base, int index, int scale, int disp, int imm, Object source) {
    /** Without an interpreter's form (tests: such an instruction is never handed over). */
    public GuestInsn(int op, int len, int sz, boolean o32, boolean a32, int rep, int seg, int mod, int reg,
                     int rm, int base, int index, int scale, int disp, int imm) {
        this(op, len, sz, o32, a32, rep, seg, mod, reg, rm, base, index, scale, disp, imm, null);
    }
}
