package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import jlguest.debug.Debugger;
import jlguest.fuzz.SpinningGuest;

/**
 * A deterministic guest (time counted in instructions) that halts with no timer armed can only be
 * woken by input. It used to "skip" its clock to the next deadline, which was Long.MAX_VALUE, and
 * then spin a host core for ever with its clock at 292 years; now its CPU thread sleeps.
 */
class DeterministicIdleTest {
    @Test
    void aHaltWithNoTimerArmedSleepsInsteadOfSpinning() throws Exception {
        // sti; hlt; jmp back to sti -- hello.elf never programs the PIT, so no timer is armed
        try (SpinningGuest g = new SpinningGuest(new Debugger(true), 0xFB, 0xF4, 0xEB, 0xFC)) {
            g.debugger.resume();
            Thread cpu = null;
            for (int tries = 0; tries < 100 && cpu == null; tries++) {
                Thread.sleep(50);
                cpu = machineThread();
            }
            assertNotNull(cpu, "no thread runs Machine.run");
            Thread.sleep(300);
            int runnable = 0;
            for (int i = 0; i < 40; i++) {
                if (cpu.getState() == Thread.State.RUNNABLE) {
                    runnable++;
                }
                Thread.sleep(10);
            }
            assertTrue(runnable <= 10, "the halted CPU thread was runnable in " + runnable + " of 40 looks");
        }
    }

    private static Thread machineThread() {
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (Arrays.stream(e.getValue()).anyMatch(f -> f.getClassName().equals(Machine.class.getName())
                    && f.getMethodName().equals("run"))) {
                return e.getKey();
            }
        }
        return null;
    }
}
