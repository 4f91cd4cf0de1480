package jlguest.cpu.jit;

import java.util.List;

import jlguest.cpu.GuestBlock;
import jlguest.cpu.GuestInsn;
import static jlguest.cpu.CompiledUnit.SEG_FAST_R;
import static jlguest.cpu.CompiledUnit.SEG_FAST_W;
import static jlguest.cpu.jit.Translatable.endsBlock;
import static jlguest.cpu.jit.Translatable.onlyReads;
import static jlguest.cpu.jit.Translatable.touchesMemory;
import static org.objectweb.asm.Opcodes.*;

import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Translates decoded guest blocks (one, or a region of them, see {@link RegionPlan}) into the bytes
 * of one class: a subclass of jlguest.cpu.CompiledUnit whose {@code run(Cpu)} does what the
 * interpreter would do for the blocks' instructions, with the dispatch gone, the operands constant
 * and the guest registers in JVM locals (a hot unit) or in the CPU's own array (a first-tier one)
 * (tour:jit:024).
 *
 * <p>tour:jit:010 How a block becomes bytecode. When a block has run often enough (see
 * {@link CompilerService}), its decoded instructions are copied and handed to this class, with
 * those of the blocks it reaches on its page (tour:jit:011). It takes the longest prefix of the hot
 * block it understands (MOV, ALU, TEST, XCHG and shifts of 8, 16 or 32 bits, INC/DEC, LEA,
 * PUSH/POP, MUL/IMUL, MOVZX/MOVSX, SETcc, CMOVcc, LEAVE, Jcc, JMP, CALL, RET..., all with 32-bit
 * addresses: 16-bit code is never compiled), hands string moves, bit tests, the x87 and SIMD to
 * the interpreter in place (tour:jit:016), and writes one method: load the
 * eight registers from {@code cpu.r} into locals (a hot unit's), then each instruction in turn as
 * straight-line bytecode, block after block, then store back the registers the unit wrote and set
 * EIP. Guest EIP is
 * not a constant (one physical page can be mapped at several addresses), so targets are the entry
 * EIP plus an offset. The generated code lives in the CPU's own package and calls the very methods
 * the interpreter uses for memory ({@code rd32}, {@code wr32}, {@code rdw}..., with segments
 * checked once at the unit's entry (tour:jit:022)) and for flags
 * ({@code sub32}, {@code alu}, {@code shift}, {@code cond}...): they are small, C2 inlines them, and
 * so the TLB probe sits inline in the compiled block with page walks and MMIO as out-of-line calls,
 * and every flag and fault is the interpreter's by construction.
 *
 * <p>tour:jit:020 Lazy flags stay lazy: an instruction records what the interpreter records
 * (lfOp, lfA, lfB, lfRes) in the CPU's fields, so any exit or fault leaves them exact. What the
 * compiler adds is knowledge of where the flags came from: after a 32-bit CMP/SUB whose operands
 * sit in locals, a Jcc, SETcc or CMOVcc compares those locals directly (one JVM compare), and after
 * TEST/AND/OR/XOR it tests the result; only other producers go through {@code cond()}.
 */
public final class BlockCompiler {
    private BlockCompiler() {
    }

    static final String CPU = "jlguest/cpu/Cpu";
    static final String UNIT = "jlguest/cpu/CompiledUnit";
    static final String FAULT = "jlguest/cpu/GuestFault";
    static final String INSN = "jlguest/cpu/Insn";
    /**
     * The hidden class is defined in the CPU's package, so it may use its package-private members.
     * Its name says the tier (see {@link JvmTiers}): a first compile is a {@code CompiledBlock}, which
     * HotSpot compiles with C1 only; a unit compiled again once it proved hot is a {@code HotRegion},
     * which C2 may take.
     */
    public static final String CLASS_NAME = "jlguest/cpu/CompiledBlock";
    public static final String HOT_CLASS_NAME = "jlguest/cpu/HotRegion";

    private static final int EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5;
    private static final int DF = jlguest.cpu.OpcodeTable.DF;
    private static final int CS = 1, SS = 2;

    // Locals of run(Cpu): registers 2..9 (a hot unit's; a first-tier unit's are in cpu.r, and L_RT
    // is the value on its way there), then the entry EIP, fault bookkeeping and temporaries.
    private static final int L_CPU = 1, L_REG = 2, L_BASE = 10, L_FK = 11, L_T1 = 12, L_T2 = 13, L_T3 = 14,
            L_CA = 15, L_CB = 16, L_CR = 17, L_EXIT_EIP = 18, L_EXIT_RET = 19, L_ARR = 20, L_EXC = 21,
            L_LONG = 22, L_DONE = 24, L_SEG = 25, L_RT = 31, L_CALLOUT = 32;

    /**
     * L_FK, set before each instruction that may fault: its index in its block (bits 25-29), its
     * length (21-24) and its offset from the unit's entry plus 0x100000 (0-20).
     */
    private static final int FK_INDEX = 25, FK_LENGTH = 21;

    /** Where the current flags came from, as far as the compiler knows. */
    private static final int F_UNKNOWN = 0, F_SUB32 = 1, F_LOGIC32 = 2;

    // ---- the method body -----------------------------------------------------------------------

    static final class Body {
        private final MethodVisitor mv;
        /** The class's name (for its constants), and the instructions handed to the interpreter so far. */
        private final String name;
        final List<Object> callOuts = new java.util.ArrayList<>();
        private final List<GuestBlock> blocks;
        /**
         * A unit of one block (or of the prefix of one) that never jumps within itself: it ends by
         * returning the count of instructions it ran, and the loop runs the rest of the block, if any.
         */
        private final boolean single;
        /**
         * The entry block is a prefix of the guest's block: where it ends the unit returns its
         * count, and the instructions done before in other blocks in {@code cpu.jitRetired}, and
         * the loop interprets the rest of the block.
         */
        private final boolean entryPrefix;
        /** Instructions in the guest's entry block (more than the unit translates when a prefix). */
        private final int entryCount;
        private final Label[] starts;
        private final Label exit = new Label();
        private final Label handler = new Label();
        private final Label codeEnd = new Label();
        private final Label abortExit = new Label();
        private boolean abortUsed;
        /** Segments the unit reads through, and writes through (bit = segment number); see linear(). */
        private int segReads, segWrites;
        private final Label segGuard = new Label();
        private final Label segChecked = new Label();
        /** The physical page of the block being translated (-1: a unit on one page, no matter which). */
        private int page = -1;
        /** Registers this unit writes (stored back at every exit and on a fault). */
        private int written;
        private int flags = F_UNKNOWN;
        /** The block being translated, its instructions' offsets from the entry, the instruction. */
        private GuestInsn[] insns;
        private int[] off;
        private int k;
        private GuestInsn i;

        /** The registers live in cpu.r, not in locals (tour:jit:024). */
        private final boolean memRegs;

        Body(MethodVisitor mv, String name, List<GuestBlock> blocks, boolean single, int entryCount, boolean memRegs) {
            this.name = name;
            this.memRegs = memRegs;
            this.mv = mv;
            this.blocks = blocks;
            this.single = single;
            this.entryCount = entryCount;
            this.entryPrefix = entryCount > blocks.get(0).insns().length;
            this.starts = new Label[blocks.size()];
            for (int n = 0; n < starts.length; n++) {
                starts[n] = new Label();
            }
        }

        /**
         * tour:jit:018 A RET whose return address (in L_T2) is the instruction after a CALL of this
         * region goes on there inside the region: the call and the return of a small function on
         * the loop's page then stay in one method. One compare per such return point; any other
         * address leaves the unit as before.
         */
        private void returnIntoRegion(int n) {
            if (single) {
                return;
            }
            for (GuestBlock g : blocks) {
                GuestInsn[] body = g.insns();
                if (body[body.length - 1].op() != 0xE8 || blockAt(g.end()) < 0) {
                    continue;
                }
                Label other = new Label();
                load(L_T2);
                load(L_BASE);
                mv.visitInsn(ISUB);
                iconst(g.end());
                mv.visitJumpInsn(IF_ICMPNE, other);
                branch(g.end(), n);
                mv.visitLabel(other);
            }
        }

        /** Bytes of bytecode in run() (after emit). */
        int codeSize() {
            return codeEnd.getOffset();
        }

        /** The region's block starting at {@code offset} from the entry, or -1. */
        private int blockAt(int offset) {
            if (single) {
                return -1;      // it ends by returning a count: nothing may loop back into it
            }
            for (int n = 0; n < blocks.size(); n++) {
                if (blocks.get(n).start() == offset) {
                    return n;
                }
            }
            return -1;
        }

        void emit() {
            mv.visitCode();
            Label start = new Label();
            Label end = new Label();
            mv.visitTryCatchBlock(start, end, handler, FAULT);
            // Entry: a hot unit's registers into locals (tour:jit:024), EIP, zeroed temporaries
            // (the verifier wants them set).
            if (!memRegs) {
                mv.visitVarInsn(ALOAD, L_CPU);
                mv.visitFieldInsn(GETFIELD, CPU, "r", "[I");
                mv.visitVarInsn(ASTORE, L_ARR);
                for (int n = 0; n < 8; n++) {
                    mv.visitVarInsn(ALOAD, L_ARR);
                    iconst(n);
                    mv.visitInsn(IALOAD);
                    mv.visitVarInsn(ISTORE, L_REG + n);
                }
            }
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitFieldInsn(GETFIELD, CPU, "eip", "I");
            mv.visitVarInsn(ISTORE, L_BASE);
            for (int l : new int[] {L_FK, L_T1, L_T2, L_T3, L_CA, L_CB, L_CR, L_EXIT_EIP, L_EXIT_RET, L_DONE, L_CALLOUT}) {
                mv.visitInsn(ICONST_0);
                mv.visitVarInsn(ISTORE, l);
            }
            mv.visitInsn(LCONST_0);
            mv.visitVarInsn(LSTORE, L_LONG);
            mv.visitJumpInsn(GOTO, segGuard);      // written last, when the segments used are known
            mv.visitLabel(segChecked);
            if (usesStack()) {
                // The unit assumes a 32-bit stack (SS.B=1); with a 16-bit one it declines.
                Label ok = new Label();
                mv.visitVarInsn(ALOAD, L_CPU);
                mv.visitFieldInsn(GETFIELD, CPU, "stack32", "Z");
                mv.visitJumpInsn(IFNE, ok);
                mv.visitInsn(ICONST_0);
                mv.visitInsn(IRETURN);
                mv.visitLabel(ok);
            }
            if (blocks.size() > 1) {
                // The loop checks each block against the CS limit when it looks it up; a region
                // checks all of its blocks at once, and declines if one is beyond the limit.
                int low = 0;
                int high = 0;
                for (GuestBlock g : blocks) {
                    low = Math.min(low, g.start());
                    high = Math.max(high, g.end());
                }
                // A flat CS (the usual case) holds every address, as the loop's lookup finds (EIP
                // wraps around 4 GiB there as it does here): only another CS costs the call.
                Label fits = new Label();
                segFast(CS, SEG_FAST_R);
                mv.visitJumpInsn(IFNE, fits);
                cpu();
                iconst(low);
                iconst(high);
                call("regionWithinLimit", "(II)Z");
                mv.visitJumpInsn(IFNE, fits);
                mv.visitInsn(ICONST_0);
                mv.visitInsn(IRETURN);
                mv.visitLabel(fits);
            }
            mv.visitLabel(start);
            for (int b = 0; b < blocks.size(); b++) {
                block(b);
            }
            mv.visitLabel(end);

            // tour:jit:030 Every exit goes through here: the registers the unit wrote go back to
            // cpu.r, EIP is set, and the loop learns how many instructions retired (in a region:
            // in all its blocks, L_DONE counting those of the blocks it left behind).
            mv.visitLabel(exit);
            writeBack();
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitVarInsn(ILOAD, L_EXIT_EIP);
            mv.visitFieldInsn(PUTFIELD, CPU, "eip", "I");
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitInsn(ICONST_0);
            mv.visitFieldInsn(PUTFIELD, CPU, "abortBlock", "Z");
            mv.visitVarInsn(ILOAD, L_EXIT_RET);
            mv.visitInsn(IRETURN);

            // tour:jit:040 How a fault inside compiled code unwinds to a precise state. Before each
            // instruction that can fault (it touches memory), one int store records its index in
            // its block, its length and its offset from the unit's entry (L_FK: the index in the
            // top bits; a region's blocks may lie before the entry, up to a megabyte away, so the
            // offset is kept plus 0x100000 in the low 21). Every instruction reads and writes
            // memory before it changes a register, and flags are kept in the CPU's fields in program order, so when
            // a GuestFault (a #PF from a page walk, a #GP/#SS from a segment check, or a device's
            // stop) comes out of a memory access, the register locals still hold exactly the state
            // before the faulting instruction. This one handler stores them back, sets curEip to
            // that instruction and jitRetired to the number completed before it (its index plus
            // L_DONE, the instructions of the region's blocks that ran before this one), and rethrows:
            // the run loop then does what it does for an interpreted fault (EIP = curEip, count
            // the retired instructions, deliver the exception).
            mv.visitLabel(handler);
            mv.visitVarInsn(ASTORE, L_EXC);
            if (memRegs || callOuts.isEmpty()) {
                writeBack();
            } else {
                // A fault inside a call-out (tour:jit:016): cpu.r holds the registers as the
                // interpreter left them (a REP MOVS stopped half-way has moved ECX, ESI, EDI).
                Label inCallOut = new Label();
                mv.visitVarInsn(ILOAD, L_CALLOUT);
                mv.visitJumpInsn(IFNE, inCallOut);
                writeBack();
                mv.visitLabel(inCallOut);
            }
            cpu();
            fkEip();
            mv.visitFieldInsn(PUTFIELD, CPU, "curEip", "I");
            cpu();
            fkDone();
            mv.visitFieldInsn(PUTFIELD, CPU, "jitRetired", "I");
            mv.visitVarInsn(ALOAD, L_EXC);
            mv.visitInsn(ATHROW);
            if (abortUsed) {
                // The one way out after a write to the running code page (see abortCheck): L_FK
                // still names the instruction that wrote, so EIP is the one after it (its address
                // plus its length) and it counts as done.
                mv.visitLabel(abortExit);
                fkEip();
                load(L_FK);
                iconst(FK_LENGTH);
                mv.visitInsn(IUSHR);
                iconst(15);
                mv.visitInsn(IAND);
                mv.visitInsn(IADD);
                store(L_EXIT_EIP);
                fkDone();
                iconst(1);
                mv.visitInsn(IADD);
                iconst(-1);
                mv.visitInsn(IXOR);      // ~(instructions done): the block is over
                store(L_EXIT_RET);
                mv.visitJumpInsn(GOTO, exit);
            }
            segmentGuard();
            mv.visitLabel(codeEnd);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }

        private boolean usesStack() {
            for (GuestBlock g : blocks) {
                for (GuestInsn n : g.insns()) {
                    int op = n.op();
                    if (op >= 0x50 && op <= 0x5F || op == 0x68 || op == 0x6A || op == 0xC2 || op == 0xC3
                            || op == 0xC9 || op == 0xE8 || op == 0xFF && n.reg() >= 2) {
                        return true;
                    }
                }
            }
            return false;
        }

        /**
         * tour:jit:015 One block of a region. It starts at its label (a jump from another block of
         * the region lands here), knows nothing of the flags' origin (it has several ways in), and
         * ends where the guest's block ends: on to the next block if that is in the region, out to
         * the loop if not, or through its last instruction's own jump.
         */
        private void block(int b) {
            GuestBlock g = blocks.get(b);
            insns = g.insns();
            int count = insns.length;
            off = new int[count + 1];
            off[0] = g.start();
            for (int n = 0; n < count; n++) {
                off[n + 1] = off[n] + insns[n].len();
            }
            mv.visitLabel(starts[b]);
            page = g.page();
            flags = F_UNKNOWN;
            for (k = 0; k < count; k++) {
                i = insns[k];
                instruction();
            }
            if (single || b == 0 && entryPrefix) {
                // The loop interprets the rest of the guest's block, if any, from instruction `count`.
                exitToOffset(off[count]);
                if (!single) {
                    cpu();
                    load(L_DONE);
                    mv.visitFieldInsn(PUTFIELD, CPU, "jitRetired", "I");
                }
                iconst(count);
                store(L_EXIT_RET);
                mv.visitJumpInsn(GOTO, exit);
            } else if (!endsBlock(insns[count - 1])) {
                k = count - 1;
                branch(off[count], count);
            }
        }

        private void writeBack() {
            if (memRegs) {
                return;     // the registers are in cpu.r already (tour:jit:024)
            }
            for (int n = 0; n < 8; n++) {
                if ((written & (1 << n)) != 0) {
                    mv.visitVarInsn(ALOAD, L_ARR);
                    iconst(n);
                    mv.visitVarInsn(ILOAD, L_REG + n);
                    mv.visitInsn(IASTORE);
                }
            }
        }

        // ---- small emitters ------------------------------------------------------------------

        private void iconst(int v) {
            if (v >= -1 && v <= 5) {
                mv.visitInsn(ICONST_0 + v);
            } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
                mv.visitIntInsn(BIPUSH, v);
            } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
                mv.visitIntInsn(SIPUSH, v);
            } else {
                mv.visitLdcInsn(v);
            }
        }

        /** Local {@code local} onto the stack; a register's from cpu.r in a first-tier unit (tour:jit:024). */
        private void load(int local) {
            if (memRegs && local >= L_REG && local < L_REG + 8) {
                mv.visitFieldInsn(GETSTATIC, CLASS_NAME, "R", "[I");
                iconst(local - L_REG);
                mv.visitInsn(IALOAD);
                return;
            }
            mv.visitVarInsn(ILOAD, local);
        }

        /** The value on the stack into local {@code local}, or into cpu.r for a register (tour:jit:024). */
        private void store(int local) {
            if (memRegs && local >= L_REG && local < L_REG + 8) {
                mv.visitVarInsn(ISTORE, L_RT);
                mv.visitFieldInsn(GETSTATIC, CLASS_NAME, "R", "[I");
                iconst(local - L_REG);
                mv.visitVarInsn(ILOAD, L_RT);
                mv.visitInsn(IASTORE);
                return;
            }
            mv.visitVarInsn(ISTORE, local);
        }

        private void cpu() {
            mv.visitVarInsn(ALOAD, L_CPU);
        }

        private void call(String name, String desc) {
            mv.visitMethodInsn(INVOKEVIRTUAL, CPU, name, desc, false);
        }

        /** EIP = entry + offset, into L_EXIT_EIP. */
        private void exitToOffset(int offset) {
            load(L_BASE);
            if (offset != 0) {
                iconst(offset);
                mv.visitInsn(IADD);
            }
            store(L_EXIT_EIP);
        }

        /** The loop gets ~(instructions done in earlier blocks + n): the block that ran is over. */
        private void returnOver(int n) {
            load(L_DONE);
            if (n != 0) {
                iconst(n);
                mv.visitInsn(IADD);
            }
            iconst(-1);
            mv.visitInsn(IXOR);
            store(L_EXIT_RET);
            mv.visitJumpInsn(GOTO, exit);
        }

        /** Leaves the unit after {@code n} instructions of this block, with EIP = entry + offset. */
        private void exitOver(int offset, int n) {
            exitToOffset(offset);
            returnOver(n);
        }

        /** Leaves the unit after {@code n} instructions of this block, with the EIP on the stack. */
        private void exitDynamic(int n) {
            store(L_EXIT_EIP);
            returnOver(n);
        }

        /**
         * tour:jit:017 The current block is over after its first {@code n} instructions and the
         * guest goes on at entry + {@code target}. If a block of the region starts there, this is
         * a JVM jump to it, after the check the run loop would make between the two blocks
         * (tour:jit:060); otherwise the unit returns to the loop.
         */
        private void branch(int target, int n) {
            int b = blockAt(target);
            if (b < 0) {
                exitOver(target, n);
                return;
            }
            mv.visitIincInsn(L_DONE, n);
            cpu();
            load(L_DONE);
            iconst(b == 0 ? entryCount : blocks.get(b).insns().length);     // the loop runs a prefix's rest
            mv.visitInsn(IADD);
            call("regionMayGoOn", "(I)Z");
            GuestBlock to = blocks.get(b);
            if (to.page() == page) {
                mv.visitJumpInsn(IFNE, starts[b]);
            } else {
                // Into another page of the region: only while it is still mapped there, unwritten.
                Label out = new Label();
                mv.visitJumpInsn(IFEQ, out);
                cpu();
                load(L_BASE);
                iconst(target);
                mv.visitInsn(IADD);
                iconst(to.page());
                iconst(to.gen());
                call("enterCodePage", "(III)Z");
                mv.visitJumpInsn(IFNE, starts[b]);
                mv.visitLabel(out);
            }
            exitToOffset(target);
            returnOver(0);
        }

        /** EIP of the instruction L_FK names, on the stack. */
        private void fkEip() {
            load(L_BASE);
            load(L_FK);
            iconst(0x1FFFFF);
            mv.visitInsn(IAND);
            mv.visitInsn(IADD);
            iconst(0x100000);
            mv.visitInsn(ISUB);
        }

        /** Instructions the unit completed before the one L_FK names, on the stack. */
        private void fkDone() {
            load(L_DONE);
            load(L_FK);
            iconst(FK_INDEX);
            mv.visitInsn(IUSHR);
            mv.visitInsn(IADD);
        }

        /** The current instruction may fault: remember which it is. */
        private void mayFault() {
            // offsets from the entry: within +-1 MiB (RegionFinder); blocks: at most 32 instructions
            iconst((k << FK_INDEX) | (i.len() << FK_LENGTH) | (off[k] + 0x100000));
            store(L_FK);
        }

        /**
         * tour:jit:045 How self-modifying code is caught. A page that holds decoded code is watched
         * (tour:cpu:050): the TLB never grants fast writes to it, so a write from compiled code takes
         * the slow path like any other, and Cpu.codeWritten bumps the page's generation. Every block
         * of that page is then stale: the next lookup decodes it again, which bumps the block's
         * version, and a unit of the old version never runs again (a late one from the compiler
         * thread neither). That version check, at the unit's entry, covers the entry's page; a
         * region that goes on into another page checks that page's generation each time it
         * crosses into it (tour:jit:046), and makes it the running page. If the write hit the
         * page that is running, codeWritten also sets abortBlock; after each instruction that
         * wrote memory the unit tests it and leaves at once with EIP at the next instruction,
         * which then runs from freshly decoded bytes, exactly where the interpreter would stop.
         * The test is one field load and a branch to the unit's one abort exit, which finds the
         * next instruction from L_FK (tour:jit:040). (Each test had its own exit once: 23 bytes of
         * bytecode, more than half of a typical memory instruction's. C1's machine code shrank far
         * less than the bytecode: it still moved the registers into place on each edge out, until
         * first-tier units kept them in cpu.r (tour:jit:024).) An instruction that only reads is not
         * tested: a read sets abortBlock only when it meets a debugger's data watchpoint, and no
         * unit runs while watchpoints are set (the run loop interprets: Cpu.loop).
         */
        private void abortCheck() {
            cpu();
            mv.visitFieldInsn(GETFIELD, CPU, "abortBlock", "Z");
            mv.visitJumpInsn(IFNE, abortExit);      // one exit for all, from L_FK: 7 bytes a check
            abortUsed = true;
        }

        /** EIP of the next instruction, on the stack. */
        private void nextEip() {
            load(L_BASE);
            iconst(off[k + 1]);
            mv.visitInsn(IADD);
        }

        // ---- registers -----------------------------------------------------------------------

        private void reg(int n, int sz) {
            if (sz == 2) {
                load(L_REG + n);
            } else if (sz == 1) {
                load(L_REG + n);
                iconst(0xFFFF);
                mv.visitInsn(IAND);
            } else if (n < 4) {
                load(L_REG + n);
                iconst(0xFF);
                mv.visitInsn(IAND);
            } else {
                load(L_REG + n - 4);
                iconst(8);
                mv.visitInsn(IUSHR);
                iconst(0xFF);
                mv.visitInsn(IAND);
            }
        }

        /** Stores the value on the stack into register n (dword, word or byte register). */
        private void setReg(int n, int sz) {
            if (sz == 2) {
                store(L_REG + n);
                written |= 1 << n;
                return;
            }
            if (sz == 1) {
                iconst(0xFFFF);
                mv.visitInsn(IAND);
                load(L_REG + n);
                iconst(0xFFFF0000);
                mv.visitInsn(IAND);
                mv.visitInsn(IOR);
                store(L_REG + n);
                written |= 1 << n;
                return;
            }
            int r = n < 4 ? n : n - 4;
            int shift = n < 4 ? 0 : 8;
            iconst(0xFF);
            mv.visitInsn(IAND);
            if (shift != 0) {
                iconst(shift);
                mv.visitInsn(ISHL);
            }
            load(L_REG + r);
            iconst(~(0xFF << shift));
            mv.visitInsn(IAND);
            mv.visitInsn(IOR);
            store(L_REG + r);
            written |= 1 << r;
        }

        // ---- memory operands -----------------------------------------------------------------

        /** The effective address (offset in the segment), on the stack. */
        private void ea() {
            iconst(i.disp());
            if (i.base() >= 0) {
                load(L_REG + i.base());
                mv.visitInsn(IADD);
            }
            if (i.index() >= 0) {
                load(L_REG + i.index());
                if (i.scale() != 0) {
                    iconst(i.scale());
                    mv.visitInsn(ISHL);
                }
                mv.visitInsn(IADD);
            }
        }

        private static String rdName(int sz) {
            return sz == 2 ? "rd32" : sz == 1 ? "rd16" : "rd8";
        }

        private static String wrName(int sz) {
            return sz == 2 ? "wr32" : sz == 1 ? "wr16" : "wr8";
        }

        /**
         * tour:jit:022 Segments are checked once, at the unit's entry. Every memory operand is an
         * offset in a segment, and the interpreter's {@code rdS32} checks the segment's limit and
         * rights before it adds its base; but within one run of a unit no segment register can
         * change (no compiled instruction loads one, and interrupts wait for the unit's end). So
         * a unit checks at its entry that each segment it uses is flat for its use (no limit, the
         * rights it needs: {@code segFast}; otherwise it declines and the loop interprets), keeps
         * each one's base in a local, and forms linear addresses itself: the offset on the stack
         * becomes base + offset, for {@code rd32}, {@code wr32} and the rest (the TLB probe).
         */
        private void linear(int seg, boolean write) {
            if (write) {
                segWrites |= 1 << seg;
            } else {
                segReads |= 1 << seg;
            }
            load(L_SEG + seg);
            mv.visitInsn(IADD);
        }

        /** {@code cpu.segFast[seg] & bits} on the stack. */
        private void segFast(int seg, int bits) {
            cpu();
            mv.visitFieldInsn(GETFIELD, CPU, "segFast", "[I");
            iconst(seg);
            mv.visitInsn(IALOAD);
            iconst(bits);
            mv.visitInsn(IAND);
        }

        /** The entry's check of the segments used (tour:jit:022), then on to the unit's body. */
        private void segmentGuard() {
            mv.visitLabel(segGuard);
            Label decline = new Label();
            for (int seg = 0; seg < 6; seg++) {
                int need = ((segReads >>> seg & 1) != 0 ? SEG_FAST_R : 0)
                        | ((segWrites >>> seg & 1) != 0 ? SEG_FAST_W : 0);
                if (need == 0) {
                    continue;
                }
                segFast(seg, need);
                iconst(need);
                mv.visitJumpInsn(IF_ICMPNE, decline);
                cpu();
                mv.visitFieldInsn(GETFIELD, CPU, "segBase", "[I");
                iconst(seg);
                mv.visitInsn(IALOAD);
                store(L_SEG + seg);
            }
            mv.visitJumpInsn(GOTO, segChecked);
            mv.visitLabel(decline);
            mv.visitInsn(ICONST_0);
            mv.visitInsn(IRETURN);
        }

        /** The r/m operand's value (register or memory), on the stack. */
        private void readE(int sz) {
            if (i.mod() == 3) {
                reg(i.rm(), sz);
            } else {
                cpu();
                ea();
                linear(i.seg(), false);
                call(rdName(sz), "(I)I");
            }
        }

        /** Writes local {@code v} to the r/m operand. */
        private void writeE(int sz, int v) {
            if (i.mod() == 3) {
                load(v);
                setReg(i.rm(), sz);
            } else {
                cpu();
                ea();
                linear(i.seg(), true);
                load(v);
                call(wrName(sz), "(II)V");
            }
        }

        /** Read-modify-write, first half: linear address into L_T1, old value on the stack. */
        private void rmwRead(int sz) {
            ea();
            linear(i.seg(), true);
            store(L_T1);
            cpu();
            load(L_T1);
            iconst(1 << sz);
            call("rdw", "(II)I");
        }

        /** Read-modify-write, second half: the value on the stack goes to the address in L_T1. */
        private void rmwWrite(int sz) {
            store(L_T2);
            cpu();
            load(L_T1);
            load(L_T2);
            call(wrName(sz), "(II)V");
        }

        // ---- flags and conditions ------------------------------------------------------------

        /**
         * ALU operation {@code op} (ADD OR ADC SBB AND SUB XOR CMP) on L_CA and L_CB with the
         * interpreter's lazy-flags record; the result on the stack.
         */
        private void alu(int op, int sz) {
            if (sz == 2 && (op == 5 || op == 7)) {
                cpu();
                load(L_CA);
                load(L_CB);
                call("sub32", "(II)I");
                flags = F_SUB32;
            } else if (sz == 2 && op == 0) {
                cpu();
                load(L_CA);
                load(L_CB);
                call("add32", "(II)I");
                flags = F_UNKNOWN;
            } else if (sz == 2 && (op == 1 || op == 4 || op == 6)) {
                load(L_CA);
                load(L_CB);
                mv.visitInsn(op == 1 ? IOR : op == 4 ? IAND : IXOR);
                logic32();
            } else {
                cpu();
                iconst(op);
                load(L_CA);
                load(L_CB);
                iconst(sz);
                call("alu", "(IIII)I");
                flags = F_UNKNOWN;
            }
        }

        /** TEST/AND/OR/XOR result on the stack: records it as the interpreter does, leaves it there. */
        private void logic32() {
            store(L_CR);
            cpu();
            load(L_CR);
            iconst(2);
            call("logic", "(II)I");
            flags = F_LOGIC32;
        }

        /** Jumps to {@code yes} when condition cc (Jcc's low nibble) holds. */
        private void jumpIf(int cc, Label yes) {
            if (flags == F_SUB32) {
                int signedOp = switch (cc) {
                    case 4 -> IF_ICMPEQ;
                    case 5 -> IF_ICMPNE;
                    case 2, 12 -> IF_ICMPLT;
                    case 3, 13 -> IF_ICMPGE;
                    case 6, 14 -> IF_ICMPLE;
                    case 7, 15 -> IF_ICMPGT;
                    default -> -1;
                };
                if (signedOp != -1) {
                    boolean unsigned = cc >= 2 && cc <= 7 && cc != 4 && cc != 5;
                    load(L_CA);
                    if (unsigned) {
                        iconst(Integer.MIN_VALUE);
                        mv.visitInsn(IXOR);
                    }
                    load(L_CB);
                    if (unsigned) {
                        iconst(Integer.MIN_VALUE);
                        mv.visitInsn(IXOR);
                    }
                    mv.visitJumpInsn(signedOp, yes);
                    return;
                }
            } else if (flags == F_LOGIC32 && cc != 10 && cc != 11) {
                // CF = OF = 0 after a logical operation: B and O never hold, AE and NO always do.
                switch (cc) {
                    case 0, 2 -> { }
                    case 1, 3 -> mv.visitJumpInsn(GOTO, yes);
                    default -> {
                        load(L_CR);
                        int zeroOp = switch (cc) {
                            case 4, 6 -> IFEQ;
                            case 5, 7 -> IFNE;
                            case 8, 12 -> IFLT;
                            case 9, 13 -> IFGE;
                            case 14 -> IFLE;
                            default -> IFGT;     // 15
                        };
                        mv.visitJumpInsn(zeroOp, yes);
                    }
                }
                return;
            }
            cpu();
            iconst(cc);
            call("cond", "(I)Z");
            mv.visitJumpInsn(IFNE, yes);
        }

        /** 1 or 0 for condition cc, into local {@code dst}. */
        private void condValue(int cc, int dst) {
            Label yes = new Label();
            Label done = new Label();
            jumpIf(cc, yes);
            iconst(0);
            store(dst);
            mv.visitJumpInsn(GOTO, done);
            mv.visitLabel(yes);
            iconst(1);
            store(dst);
            mv.visitLabel(done);
        }

        // ---- the stack -----------------------------------------------------------------------

        /** Pushes local {@code v} (32-bit stack, checked at entry). */
        private void push(int v) {
            load(L_REG + ESP);
            iconst(4);
            mv.visitInsn(ISUB);
            store(L_T3);
            cpu();
            load(L_T3);
            linear(SS, true);
            load(v);
            call("wr32", "(II)V");
            load(L_T3);
            setReg(ESP, 2);
        }

        /** Reads the dword at ESP + 0 onto the stack (no ESP change). */
        private void peek() {
            cpu();
            load(L_REG + ESP);
            linear(SS, false);
            call("rd32", "(I)I");
        }

        private void addEsp(int n) {
            load(L_REG + ESP);
            iconst(n);
            mv.visitInsn(IADD);
            setReg(ESP, 2);
        }

        // ---- instructions --------------------------------------------------------------------

        private void instruction() {
            if (Translatable.callOut(i)) {
                callOut();
                return;
            }
            int op = i.op();
            int sz = i.sz();
            boolean mem = i.mod() != 3;
            boolean touches = touchesMemory(i);
            if (touches) {
                mayFault();
            }
            if (op < 0x40) {
                aluForm(op, sz);
            } else if (op <= 0x47) {
                reg(op & 7, 2);
                incDec(false, 2);
                setReg(op & 7, 2);
            } else if (op <= 0x4F) {
                reg(op & 7, 2);
                incDec(true, 2);
                setReg(op & 7, 2);
            } else if (op <= 0x57) {
                reg(op & 7, 2);
                store(L_T2);
                push(L_T2);
            } else if (op <= 0x5F) {
                peek();
                store(L_T2);
                addEsp(4);
                load(L_T2);
                setReg(op & 7, 2);
            } else if (op >= 0x70 && op <= 0x7F || op >= 0x180 && op <= 0x18F) {
                jcc(op & 15);
            } else if (op >= 0x91 && op <= 0x97) {
                reg(op & 7, 2);
                store(L_T2);
                reg(EAX, 2);
                setReg(op & 7, 2);
                load(L_T2);
                setReg(EAX, 2);
            } else if (op >= 0xB0 && op <= 0xB7) {
                iconst(i.imm());
                setReg(op & 7, 0);
            } else if (op >= 0xB8 && op <= 0xBF) {
                iconst(i.imm());
                setReg(op & 7, 2);
            } else if (op >= 0x140 && op <= 0x14F) {
                readE(2);
                store(L_T2);
                Label skip = new Label();
                jumpIf((op & 15) ^ 1, skip);
                load(L_T2);
                setReg(i.reg(), 2);
                mv.visitLabel(skip);
            } else if (op >= 0x190 && op <= 0x19F) {
                condValue(op & 15, L_T2);
                writeE(0, L_T2);
            } else if (op >= 0x1C8 && op <= 0x1CF) {
                load(L_REG + (op & 7));
                mv.visitMethodInsn(INVOKESTATIC, "java/lang/Integer", "reverseBytes", "(I)I", false);
                setReg(op & 7, 2);
            } else {
                other(op, sz, mem);
            }
            if (touches && !endsBlock(i) && !onlyReads(i)) {
                abortCheck();
            }
        }

        /**
         * tour:jit:016 An instruction the compiler does not translate, handed to the interpreter
         * in place. Before this, a block holding one (a REP MOVSD of memcpy, perl's x87
         * arithmetic, a BT) was compiled only up to it, or not at all when it came first: the unit
         * returned there, the run loop interpreted the rest of the block and found the next unit,
         * and in the userland benchmark's steady state a third of what was still interpreted
         * (some 25 M instructions a run) came from such blocks. Now the unit sets EIP to the
         * instruction and calls {@code Cpu.callOut} with the interpreter's own decoded form (the
         * class's constant X), which runs it as the run loop would: with the registers in
         * {@code cpu.r} (a hot unit stores its locals there first and loads them again after) and
         * the flags in the CPU's fields, where the unit keeps them anyway. A fault inside it
         * unwinds through the unit's handler like any other, L_FK naming the instruction. Only
         * instructions that cannot change control flow, segments, modes or the interrupt flag
         * are handed over (Translatable.callOut); when one did not simply complete (a REP that
         * paused to let interrupts in restarts itself; a write to the running code page) the unit
         * leaves after it, EIP where the interpreter put it.
         */
        private void callOut() {
            int x = callOuts.size();
            callOuts.add(i.source());
            mayFault();
            if (!memRegs) {
                // All eight, not only those written so far in the code: a loop in the region may
                // have written one further down, and the registers are loaded back after the call.
                for (int n = 0; n < 8; n++) {
                    mv.visitVarInsn(ALOAD, L_ARR);
                    iconst(n);
                    mv.visitVarInsn(ILOAD, L_REG + n);
                    mv.visitInsn(IASTORE);
                }
                iconst(1);
                mv.visitVarInsn(ISTORE, L_CALLOUT);
            }
            cpu();
            load(L_BASE);
            iconst(off[k]);
            mv.visitInsn(IADD);
            mv.visitFieldInsn(PUTFIELD, CPU, "eip", "I");
            cpu();
            mv.visitFieldInsn(GETSTATIC, name, "X", "[L" + INSN + ";");
            iconst(x);
            mv.visitInsn(AALOAD);
            call("callOut", "(L" + INSN + ";)Z");
            Label goOn = new Label();
            if (!memRegs) {
                for (int n = 0; n < 8; n++) {
                    mv.visitVarInsn(ALOAD, L_ARR);
                    iconst(n);
                    mv.visitInsn(IALOAD);
                    mv.visitVarInsn(ISTORE, L_REG + n);
                }
                iconst(0);
                mv.visitVarInsn(ISTORE, L_CALLOUT);
            }
            mv.visitJumpInsn(IFNE, goOn);
            cpu();
            mv.visitFieldInsn(GETFIELD, CPU, "eip", "I");
            store(L_EXIT_EIP);
            returnOver(k + 1);
            mv.visitLabel(goOn);
            flags = F_UNKNOWN;
        }

        /** Opcodes 00..3F, forms E,G / G,E / acc,imm. */
        private void aluForm(int code, int sz) {
            int op = (code >>> 3) & 7;
            switch (code & 7) {
                case 0, 1 -> {
                    if (i.mod() == 3) {
                        reg(i.rm(), sz);
                        store(L_CA);
                        reg(i.reg(), sz);
                        store(L_CB);
                        alu(op, sz);
                        aluResult(op, i.rm(), sz);
                    } else if (op == 7) {
                        readE(sz);
                        store(L_CA);
                        reg(i.reg(), sz);
                        store(L_CB);
                        alu(op, sz);
                        mv.visitInsn(POP);
                    } else {
                        reg(i.reg(), sz);
                        store(L_CB);
                        rmwRead(sz);
                        store(L_CA);
                        alu(op, sz);
                        rmwWrite(sz);
                    }
                }
                case 2, 3 -> {
                    reg(i.reg(), sz);
                    store(L_T2);
                    readE(sz);
                    store(L_CB);
                    load(L_T2);
                    store(L_CA);
                    alu(op, sz);
                    aluResult(op, i.reg(), sz);
                }
                default -> {
                    reg(EAX, sz);
                    store(L_CA);
                    iconst(i.imm());
                    store(L_CB);
                    alu(op, sz);
                    aluResult(op, EAX, sz);
                }
            }
        }

        /** The ALU result on the stack goes to register n, unless the operation was CMP. */
        private void aluResult(int op, int n, int sz) {
            if (op == 7) {
                mv.visitInsn(POP);
            } else {
                setReg(n, sz);
            }
        }

        /** Group 1 (80..83): ALU op from the reg field, immediate source. */
        private void group1(int sz) {
            int op = i.reg();
            if (i.mod() == 3) {
                reg(i.rm(), sz);
                store(L_CA);
                iconst(i.imm());
                store(L_CB);
                alu(op, sz);
                aluResult(op, i.rm(), sz);
            } else if (op == 7) {
                readE(sz);
                store(L_CA);
                iconst(i.imm());
                store(L_CB);
                alu(op, sz);
                mv.visitInsn(POP);
            } else {
                iconst(i.imm());
                store(L_CB);
                rmwRead(sz);
                store(L_CA);
                alu(op, sz);
                rmwWrite(sz);
            }
        }

        /** INC/DEC of the value on the stack (the interpreter's inc/dec, which keep CF). */
        private void incDec(boolean dec, int sz) {
            store(L_T2);
            cpu();
            load(L_T2);
            iconst(sz);
            call(dec ? "dec" : "inc", "(II)I");
            flags = F_UNKNOWN;
        }

        /** Applies {@code body} (value on the stack -> new value on the stack) to the r/m operand. */
        private void modifyE(int sz, Runnable body) {
            if (i.mod() == 3) {
                reg(i.rm(), sz);
                body.run();
                setReg(i.rm(), sz);
            } else {
                rmwRead(sz);
                body.run();
                rmwWrite(sz);
            }
        }

        private void shift(int sz, int countKind) {
            int c = countKind == 0 ? i.imm() & 31 : countKind == 1 ? 1 : -1;
            int op = i.reg();
            if (sz == 2 && c > 0 && (op == 4 || op == 5 || op == 6 || op == 7)) {
                // SHL/SHR/SAR by a constant: inline, with the interpreter's eager flags record.
                modifyE(sz, () -> {
                    store(L_T2);
                    cpu();
                    iconst(2);
                    load(L_T2);
                    iconst(c);
                    mv.visitInsn(op == 5 ? IUSHR : op == 7 ? ISHR : ISHL);
                    load(L_T2);
                    iconst(c);
                    mv.visitMethodInsn(INVOKESTATIC, "jlguest/cpu/jit/Ops",
                            op == 5 ? "shrFlags" : op == 7 ? "sarFlags" : "shlFlags", "(II)I", false);
                    call("eager", "(III)V");
                    load(L_T2);
                    iconst(c);
                    mv.visitInsn(op == 5 ? IUSHR : op == 7 ? ISHR : ISHL);
                    flags = F_UNKNOWN;
                });
                return;
            }
            modifyE(sz, () -> {
                store(L_T2);
                cpu();
                iconst(i.reg());
                load(L_T2);
                if (countKind == 0) {
                    iconst(i.imm());
                } else if (countKind == 1) {
                    iconst(1);
                } else {
                    load(L_REG + ECX);
                }
                iconst(sz);
                call("shift", "(IIII)I");
                flags = F_UNKNOWN;
            });
        }

        private void jcc(int cc) {
            if (i.imm() == 0) {
                return;     // taken or not, the next instruction is the same and the block goes on
            }
            Label notTaken = new Label();
            jumpIf(cc ^ 1, notTaken);
            branch(off[k + 1] + i.imm(), k + 1);
            mv.visitLabel(notTaken);
        }

        private void other(int op, int sz, boolean mem) {
            switch (op) {
                case 0x80, 0x81, 0x82, 0x83 -> group1(sz);
                case 0x84, 0x85 -> {
                    readE(sz);
                    reg(i.reg(), sz);
                    mv.visitInsn(IAND);
                    test(sz);
                }
                case 0xA8, 0xA9 -> {
                    reg(EAX, sz);
                    iconst(i.imm());
                    mv.visitInsn(IAND);
                    test(sz);
                }
                case 0x86, 0x87 -> {
                    if (i.mod() == 3) {
                        reg(i.reg(), sz);
                        store(L_T2);
                        reg(i.rm(), sz);
                        store(L_T3);
                        load(L_T3);
                        setReg(i.reg(), sz);
                        load(L_T2);
                        setReg(i.rm(), sz);
                    } else {
                        rmwRead(sz);
                        store(L_T3);
                        reg(i.reg(), sz);
                        rmwWrite(sz);
                        load(L_T3);
                        setReg(i.reg(), sz);
                    }
                }
                case 0x88, 0x89 -> {
                    reg(i.reg(), sz);
                    store(L_T2);
                    writeE(sz, L_T2);
                }
                case 0x8A, 0x8B -> {
                    readE(sz);
                    setReg(i.reg(), sz);
                }
                case 0x8D -> {
                    ea();
                    setReg(i.reg(), 2);
                }
                case 0xA0, 0xA1 -> {
                    readE(sz);
                    setReg(EAX, sz);
                }
                case 0xA2, 0xA3 -> {
                    reg(EAX, sz);
                    store(L_T2);
                    writeE(sz, L_T2);
                }
                case 0xC6, 0xC7 -> {
                    iconst(i.imm());
                    store(L_T2);
                    writeE(sz, L_T2);
                }
                case 0x68, 0x6A -> {
                    iconst(i.imm());
                    store(L_T2);
                    push(L_T2);
                }
                case 0x69, 0x6B, 0x1AF -> {
                    if (op == 0x1AF) {
                        reg(i.reg(), 2);
                        store(L_T2);
                        readE(2);
                        store(L_T3);
                    } else {
                        readE(2);
                        store(L_T2);
                        iconst(i.imm());
                        store(L_T3);
                    }
                    cpu();
                    load(L_T2);
                    load(L_T3);
                    iconst(2);
                    call("imul", "(III)I");
                    flags = F_UNKNOWN;
                    setReg(i.reg(), 2);
                }
                case 0x90, 0x1AE -> { }
                case 0x1A4, 0x1A5, 0x1AC, 0x1AD -> modifyE(sz, () -> {
                    // SHLD / SHRD by imm8 or CL: the interpreter's own Alu.shiftDouble, flags and all
                    store(L_T2);
                    cpu();
                    iconst(op <= 0x1A5 ? 1 : 0);
                    load(L_T2);
                    reg(i.reg(), sz);
                    if (op == 0x1A4 || op == 0x1AC) {
                        iconst(i.imm());
                    } else {
                        reg(ECX, 2);
                    }
                    iconst(sz);
                    call("shiftDouble", "(ZIIII)I");
                    flags = F_UNKNOWN;
                });
                case 0xFC, 0xFD -> {      // DF lives in the CPU's flags word, which nothing here keeps a copy of
                    cpu();
                    mv.visitInsn(DUP);
                    mv.visitFieldInsn(GETFIELD, CPU, "flags", "I");
                    if (op == 0xFC) {
                        iconst(~DF);
                        mv.visitInsn(IAND);
                    } else {
                        iconst(DF);
                        mv.visitInsn(IOR);
                    }
                    mv.visitFieldInsn(PUTFIELD, CPU, "flags", "I");
                }
                case 0x98 -> {
                    load(L_REG + EAX);
                    mv.visitInsn(I2S);
                    setReg(EAX, 2);
                }
                case 0x99 -> {
                    load(L_REG + EAX);
                    iconst(31);
                    mv.visitInsn(ISHR);
                    setReg(EDX, 2);
                }
                case 0xC0, 0xC1 -> shift(sz, 0);
                case 0xD0, 0xD1 -> shift(sz, 1);
                case 0xD2, 0xD3 -> shift(sz, 2);
                case 0xC2, 0xC3 -> {
                    peek();
                    store(L_T2);
                    addEsp(4 + (op == 0xC2 ? i.imm() & 0xFFFF : 0));
                    returnIntoRegion(k + 1);
                    load(L_T2);
                    exitDynamic(k + 1);
                }
                case 0xC9 -> {
                    cpu();
                    load(L_REG + EBP);
                    linear(SS, false);
                    call("rd32", "(I)I");
                    store(L_T2);
                    load(L_REG + EBP);
                    iconst(4);
                    mv.visitInsn(IADD);
                    setReg(ESP, 2);
                    load(L_T2);
                    setReg(EBP, 2);
                }
                case 0xE8 -> {
                    nextEip();
                    store(L_T2);
                    push(L_T2);
                    branch(off[k + 1] + i.imm(), k + 1);
                }
                case 0xE9, 0xEB -> branch(off[k + 1] + i.imm(), k + 1);
                case 0x1B6, 0x1B7, 0x1BE, 0x1BF -> {
                    readE(op == 0x1B6 || op == 0x1BE ? 0 : 1);
                    if (op == 0x1BE) {
                        mv.visitInsn(I2B);
                    } else if (op == 0x1BF) {
                        mv.visitInsn(I2S);
                    }
                    setReg(i.reg(), 2);
                }
                case 0xF6, 0xF7 -> group3(sz);
                case 0xFE -> modifyE(0, () -> incDec(i.reg() == 1, 0));
                case 0xFF -> group5();
                default -> throw new IllegalStateException("not translatable: " + Integer.toHexString(op));
            }
        }

        /** The TEST result on the stack: recorded, then dropped. */
        private void test(int sz) {
            if (sz == 2) {
                logic32();
            } else {
                store(L_T2);
                cpu();
                load(L_T2);
                iconst(sz);
                call("logic", "(II)I");
                flags = F_UNKNOWN;
            }
            mv.visitInsn(POP);
        }

        private void group3(int sz) {
            switch (i.reg()) {
                case 0, 1 -> {
                    readE(sz);
                    iconst(i.imm());
                    mv.visitInsn(IAND);
                    test(sz);
                }
                case 2 -> modifyE(sz, () -> {
                    iconst(-1);
                    mv.visitInsn(IXOR);
                });
                case 3 -> modifyE(sz, () -> {
                    store(L_T2);
                    cpu();
                    load(L_T2);
                    iconst(sz);
                    call("neg", "(II)I");
                    flags = F_UNKNOWN;
                });
                case 6, 7 -> {
                    // DIV / IDIV: EAX, EDX = EDX:EAX / r/m32 and the remainder; #DE comes out of
                    // Alu.div32 with the registers untouched, a precise fault like a memory one's.
                    readE(2);
                    store(L_T2);
                    if (i.mod() == 3) {
                        mayFault();
                    }
                    cpu();
                    load(L_REG + EDX);
                    load(L_REG + EAX);
                    load(L_T2);
                    iconst(i.reg() == 7 ? 1 : 0);
                    call("div32", "(IIIZ)J");
                    edxEaxFromLong();
                }
                default -> {
                    // MUL / IMUL EDX:EAX = EAX * r/m32
                    boolean signed = i.reg() == 5;
                    readE(2);
                    store(L_T2);
                    load(L_REG + EAX);
                    mv.visitInsn(I2L);
                    if (!signed) {
                        mv.visitLdcInsn(0xFFFFFFFFL);
                        mv.visitInsn(LAND);
                    }
                    load(L_T2);
                    mv.visitInsn(I2L);
                    if (!signed) {
                        mv.visitLdcInsn(0xFFFFFFFFL);
                        mv.visitInsn(LAND);
                    }
                    mv.visitInsn(LMUL);
                    edxEaxFromLong();
                    cpu();
                    iconst(2);
                    load(L_REG + EAX);
                    mv.visitVarInsn(LLOAD, L_LONG);
                    mv.visitMethodInsn(INVOKESTATIC, "jlguest/cpu/jit/Ops", signed ? "imulFlags" : "mulFlags",
                            "(J)I", false);
                    call("eager", "(III)V");
                    flags = F_UNKNOWN;
                }
            }
        }

        /** The long on the stack into L_LONG, and its low half into EAX, its high half into EDX. */
        private void edxEaxFromLong() {
            mv.visitVarInsn(LSTORE, L_LONG);
            mv.visitVarInsn(LLOAD, L_LONG);
            mv.visitInsn(L2I);
            setReg(EAX, 2);
            mv.visitVarInsn(LLOAD, L_LONG);
            iconst(32);
            mv.visitInsn(LUSHR);
            mv.visitInsn(L2I);
            setReg(EDX, 2);
        }

        private void group5() {
            switch (i.reg()) {
                case 0, 1 -> modifyE(2, () -> incDec(i.reg() == 1, 2));
                case 2 -> {
                    readE(2);
                    store(L_T2);
                    nextEip();
                    store(L_T1);
                    push(L_T1);
                    load(L_T2);
                    exitDynamic(k + 1);
                }
                case 4 -> {
                    readE(2);
                    exitDynamic(k + 1);
                }
                default -> {
                    readE(2);
                    store(L_T2);
                    push(L_T2);
                }
            }
        }
    }
}
