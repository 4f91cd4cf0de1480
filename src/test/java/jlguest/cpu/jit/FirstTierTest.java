package jlguest.cpu.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.objectweb.asm.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import jlguest.cpu.GuestBlock;
import jlguest.cpu.GuestInsn;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.MethodVisitor;

/**
 * The shape of the code the two tiers get: a first-tier unit keeps the guest's registers in the
 * CPU's array (C1 would move them around every call and exit), a hot one in locals (C2 keeps them
 * in host registers) (tour:jit:024); and either tests for a write to the running code page after
 * an instruction that writes memory, not after one that only reads it (tour:jit:045).
 */
class FirstTierTest {
    /** mov eax, [ebx]; add eax, ecx; mov [ebx+4], eax; ret. */
    private static final List<GuestBlock> BLOCK = List.of(new GuestBlock(0, new GuestInsn[] {
        new GuestInsn(0x8B, 2, 2, true, true, 0, 3, 0, 0, 3, 3, -1, 0, 0, 0),
        new GuestInsn(0x01, 2, 2, true, true, 0, 3, 3, 1, 0, -1, -1, 0, 0, 0),
        new GuestInsn(0x89, 3, 2, true, true, 0, 3, 1, 0, 3, 3, -1, 0, 4, 0),
        new GuestInsn(0xC3, 1, 2, true, true, 0, 2, 3, 0, 0, -1, -1, 0, 0, 0),
    }));

    /** What run() does with locals 2..9 (the registers' slots) and with the class's fields. */
    private record Shape(List<String> registerLocals, boolean staticR, int abortTests) {
    }

    private static Shape shape(boolean hot) {
        byte[] bytes = UnitClass.make(BLOCK, false, 4, hot).bytes();
        List<String> locals = new ArrayList<>();
        boolean[] staticR = new boolean[1];
        int[] abortTests = new int[1];
        new ClassReader(bytes).accept(new ClassVisitor(ASM9) {
            @Override
            public FieldVisitor visitField(int access, String name, String desc, String sig, Object value) {
                staticR[0] |= name.equals("R") && (access & ACC_STATIC) != 0;
                return null;
            }

            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                if (!name.equals("run")) {
                    return null;
                }
                return new MethodVisitor(ASM9) {
                    @Override
                    public void visitVarInsn(int opcode, int var) {
                        if (var >= 2 && var < 10) {
                            locals.add((opcode == ILOAD ? "load " : "store ") + var);
                        }
                    }

                    @Override
                    public void visitIincInsn(int var, int increment) {
                        if (var >= 2 && var < 10) {
                            locals.add("iinc " + var);
                        }
                    }

                    @Override
                    public void visitFieldInsn(int opcode, String owner, String fname, String fdesc) {
                        if (fname.equals("abortBlock") && opcode == GETFIELD) {
                            abortTests[0]++;
                        }
                    }
                };
            }
        }, 0);
        return new Shape(locals, staticR[0], abortTests[0]);
    }

    @Test
    void aFirstTierUnitKeepsTheRegistersInTheCpusArray() {
        Shape first = shape(false);
        assertTrue(first.registerLocals().isEmpty(), "no register in a local: " + first.registerLocals());
        assertTrue(first.staticR(), "the array is the class's constant");
    }

    @Test
    void aHotUnitKeepsThemInLocals() {
        Shape hot = shape(true);
        assertTrue(hot.registerLocals().contains("store 2"), "EAX in its local: " + hot.registerLocals());
        assertFalse(hot.staticR(), "no class data");
    }

    @Test
    void onlyTheWriteIsFollowedByTheSelfModifyingCodeTest() {
        assertEquals(1, shape(false).abortTests(), "mov [ebx+4], eax; not mov eax, [ebx]; ret leaves anyway");
        assertEquals(1, shape(true).abortTests());
    }
}
