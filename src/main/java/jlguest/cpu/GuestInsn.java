package jlguest.cpu;

/**
 * One decoded guest instruction as the compiler sees it: a copy of the decoder's fields, taken on
 * the CPU thread when a block turns hot, so the compiler thread never reads a block the CPU may be
 * rebuilding. Field meanings are the decoder's (see jlguest.cpu.Insn): {@code op} is 0x000..0x1FF
 * (0x100 | second byte for 0F xx), {@code sz} 0 byte / 1 word / 2 dword, {@code base}/{@code index}
 * register numbers or -1, {@code scale} a shift count.
 */
public record GuestInsn(int op, int len, int sz, boolean o32, boolean a32, int rep, int seg, int mod, int reg,
                        int rm, int base, int index, int scale, int disp, int imm) {
}
