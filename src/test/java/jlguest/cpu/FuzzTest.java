package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jlguest.cpu.EntryState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Random bytes as code must only ever produce guest exceptions (or stops we define): never a Java
 * exception out of run(), never an internal error.
 */
class FuzzTest {
    /** Runs {@code rounds} random programs of random bytes, {@code perRound} instructions each. */
    static long fuzz(long seed, int rounds, int perRound) {
        Random rnd = new Random(seed);
        TestMachine m = new TestMachine(4 << 20);
        long total = 0;
        for (int round = 0; round < rounds; round++) {
            randomProgram(m, rnd);
            long before = m.cpu.instructions();
            int budget = perRound;
            for (int tries = 0; tries < 50 && budget > 0; tries++) {
                Stop s = m.cpu.run(budget);
                if (s == Stop.UNIMPLEMENTED) {
                    assertTrue(m.cpu.stopMessage().startsWith("unimplemented"), m.cpu.stopMessage());
                }
                if (s != Stop.HALT) {
                    // BUDGET means run() spent its whole budget, counted in retired instructions
                    // *and* REP pauses (a REP that pauses itself retires nothing, so a budget of
                    // retired instructions alone let one round spin through 4 billion iterations).
                    break;
                }
                m.cpu.setEip(m.cpu.eip());
                budget = perRound - (int) (m.cpu.instructions() - before);
            }
            total += m.cpu.instructions() - before;
        }
        return total;
    }

    /**
     * One fuzz round's machine: 16 KiB of random bytes as code, random registers, every vector
     * gated back into the junk, and at random real mode, paging with some pages missing, or flat
     * protected mode. Everything comes from {@code rnd}, so two machines given equal streams get
     * the same program (JitLockstepTest runs the interpreter and the compiler side by side so).
     */
    static void randomProgram(TestMachine m, Random rnd) {
        byte[] junk = new byte[0x4000];
        rnd.nextBytes(junk);
        m.load(0x10000, junk);
        m.cpu.enter(new EntryState(0x10000 + rnd.nextInt(0x3000), rnd.nextInt(), rnd.nextInt(),
                rnd.nextInt(), rnd.nextInt(), rnd.nextInt(), rnd.nextInt(), rnd.nextInt(),
                0x80000, 0x10, 0x18));
        m.standardTables();
        // Every vector goes to a handler that jumps somewhere random-ish in the junk again.
        for (int v = 0; v < 256; v++) {
            m.gate(TestMachine.IDT, v, 0x10, 0x10000 + rnd.nextInt(0x3000), rnd.nextBoolean() ? 0xE : 0xF, 3);
        }
        int mode = rnd.nextInt(4);
        if (mode == 0) {
            // Real mode: CS=0x1000 over the junk, IVT at 0 pointing into the junk too.
            m.cpu.reset();
            m.cpu.loadSegment(1, 0x1000);
            m.cpu.setEip(rnd.nextInt(0x3000));
            m.cpu.setIdtr(0, 0x3FF);
            for (int v = 0; v < 256; v++) {
                m.ram.write32(v * 4, 0x10000000 | rnd.nextInt(0x3000));
            }
        } else if (mode == 1) {
            int pd = 0x300000, pt = 0x301000;
            for (int i = 0; i < 1024; i++) {
                m.ram.write32(pt + 4 * i, (i << 12) | (rnd.nextInt(8) == 0 ? 0 : 7));
            }
            m.ram.write32(pt + 0x10 * 4, 0x10007);
            m.ram.write32(pd, pt | 7);
            m.cpu.setCr(3, pd);
            m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000);
        }
    }

    @Test
    void randomBytesOnlyRaiseGuestExceptions() {
        long n = fuzz(1, 200, 500);
        assertTrue(n > 1000, "executed " + n);
    }

    @Test
    @Tag("long")
    void aMillionRandomInstructions() {
        long n = 0;
        for (long seed = 100; n < 1_000_000; seed++) {
            n += fuzz(seed, 100, 2000);
        }
        assertTrue(n >= 1_000_000);
    }

    @Test
    void aLongRepPausesButCountsOnce() {
        // std; mov ecx, 100000; mov edi, 0x200000; rep stosb (backwards: element loop); cld; hlt
        TestMachine m = TestMachine.flat("fdb9a0860100bf00002000f3aafcf4");
        assertEquals(Stop.HALT_FOREVER, m.cpu.run(1000));
        assertEquals(0, m.r(1));
        assertEquals(6, m.cpu.instructions());
    }

    @Test
    void exactBudget() {
        TestMachine m = TestMachine.flat("40404040404040f4");   // inc eax x7; hlt
        assertEquals(Stop.BUDGET, m.cpu.run(3));
        assertEquals(3, m.r(0));
        assertEquals(3, m.cpu.instructions());
        assertEquals(Stop.HALT_FOREVER, m.cpu.run(100));
        assertEquals(7, m.r(0));
    }
}
