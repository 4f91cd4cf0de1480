package jlguest.cpu.jit;

import static jlguest.cpu.jit.BlockCompiler.CLASS_NAME;
import static jlguest.cpu.jit.BlockCompiler.CPU;
import static jlguest.cpu.jit.BlockCompiler.HOT_CLASS_NAME;
import static jlguest.cpu.jit.BlockCompiler.INSN;
import static jlguest.cpu.jit.BlockCompiler.UNIT;
import static org.objectweb.asm.Opcodes.*;

import java.util.List;

import jlguest.cpu.GuestBlock;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;

/**
 * The hidden class around a unit's {@code run} method (which {@link BlockCompiler} writes): its
 * name, a first-tier {@code CompiledBlock} or a {@code HotRegion} (tour:jit:055), its constructor,
 * and its constants from the class data: the CPU's registers (tour:jit:024) and the instructions
 * it hands to the interpreter (tour:jit:016).
 */
final class UnitClass {
    private UnitClass() {
    }

    /**
     * The class file, how many of the entry block's instructions it covers, its blocks, its bytes
     * of bytecode, and the interpreter's forms of the instructions it hands over (tour:jit:016),
     * for its class data.
     */
    public record Unit(byte[] bytes, int length, int blocks, int codeSize, Object[] callOuts) {
    }

    /**
     * The class file for a region (see {@link RegionPlan}): the first block, then the others; or,
     * {@code single}, one block or the translatable prefix of one, without jumps inside it.
     */
    static Unit make(List<GuestBlock> blocks, boolean single, int entryCount, boolean hot) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS) {
            @Override
            protected String getCommonSuperClass(String a, String b) {
                return "java/lang/Object";     // never needed: every local keeps one type
            }
        };
        String name = hot ? HOT_CLASS_NAME : CLASS_NAME;
        cw.visit(V17, ACC_PUBLIC | ACC_FINAL | ACC_SUPER, name, null, UNIT, null);
        boolean memRegs = !hot && REGISTERS_IN_ARRAY;
        MethodVisitor init = cw.visitMethod(ACC_PUBLIC, "<init>", "(III)V", null, null);
        init.visitCode();
        init.visitVarInsn(ALOAD, 0);
        init.visitVarInsn(ILOAD, 1);
        init.visitVarInsn(ILOAD, 2);
        init.visitVarInsn(ILOAD, 3);
        init.visitMethodInsn(INVOKESPECIAL, UNIT, "<init>", "(III)V", false);
        init.visitInsn(RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        MethodVisitor mv = cw.visitMethod(ACC_PUBLIC, "run", "(L" + CPU + ";)I", null, null);
        BlockCompiler.Body body = new BlockCompiler.Body(mv, name, blocks, single, entryCount, memRegs);
        body.emit();
        classData(cw, name, memRegs, !body.callOuts.isEmpty());
        cw.visitEnd();
        return new Unit(cw.toByteArray(), blocks.get(0).insns().length, blocks.size(), body.codeSize(),
                body.callOuts.toArray());
    }

    /**
     * tour:jit:024 Where a first-tier unit keeps the guest's registers. A hot unit loads them into
     * JVM locals at its entry and stores them back at its exits, and C2, which inlines the memory
     * and flag helpers, keeps them in host registers. C1 does not inline those helpers, and every
     * host register is the callee's to clobber in HotSpot's convention: around each call (one
     * or two per guest instruction) C1 saves the live locals to the stack and loads them back, and
     * each of the unit's exits (a branch out, the test after each memory write, a fault) moves
     * all eight into place for the one exit block that stores them. Such moves were most of a
     * first-tier unit's machine code: 10 KB a unit on the userland benchmark (1,800 of a 2,500
     * instruction unit's instructions were MOVs), 2.2 ms of C1 each. So a first-tier unit reads
     * and writes the registers in {@code cpu.r} itself, as the interpreter does: nothing to move
     * at a call or an exit, nothing to store back on a fault. The array is the class's constant
     * (class data handed to {@code defineHiddenClassWithClassData}, read by its static
     * initialiser into a static final field, which HotSpot treats as a constant): C1 knows its
     * length and drops the bounds checks, and a register is one load or store at a fixed address.
     * Units of a CPU belong to that CPU's blocks, so the array is always the right one. Measured:
     * 5 KB and 1.4 ms a unit; the C1 code runs as fast as before (QuickMips, C1 only).
     * {@code -Djlguest.jit.memregs=false}: locals in both tiers, for comparisons.
     */
    static final boolean REGISTERS_IN_ARRAY = !"false".equals(System.getProperty("jlguest.jit.memregs"));

    /**
     * The class's constants from its class data (a list: the CPU's register array, the
     * instructions handed to the interpreter), read by its static initialiser into static final
     * fields: R, a first-tier unit's registers (tour:jit:024), and X, the call-outs (tour:jit:016).
     */
    private static void classData(ClassWriter cw, String name, boolean registers, boolean callOuts) {
        if (!registers && !callOuts) {
            return;
        }
        MethodVisitor clinit = cw.visitMethod(ACC_STATIC, "<clinit>", "()V", null, null);
        clinit.visitCode();
        if (registers) {
            constant(cw, clinit, name, "R", "[I", 0);
        }
        if (callOuts) {
            constant(cw, clinit, name, "X", "[L" + INSN + ";", 1);
        }
        clinit.visitInsn(RETURN);
        clinit.visitMaxs(0, 0);
        clinit.visitEnd();
    }

    /** A static final field set from element {@code index} of the class data. */
    private static void constant(ClassWriter cw, MethodVisitor clinit, String name, String field, String type, int index) {
        cw.visitField(ACC_STATIC | ACC_FINAL | ACC_PRIVATE, field, type, null, null).visitEnd();
        clinit.visitLdcInsn(new ConstantDynamic("_", type, new Handle(H_INVOKESTATIC, "java/lang/invoke/MethodHandles",
                "classDataAt", "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;I)Ljava/lang/Object;",
                false), index));
        clinit.visitFieldInsn(PUTSTATIC, name, field, type);
    }
}
