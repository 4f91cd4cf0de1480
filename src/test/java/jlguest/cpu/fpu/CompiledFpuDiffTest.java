package jlguest.cpu.fpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import jlguest.cpu.jit.CompilerService;
import org.junit.jupiter.api.Test;

/**
 * The x87 differential cases again, through the block compiler: with {@code jlguest.jit=all} every
 * block compiles at its first run, and a unit hands each x87 instruction to the interpreter in
 * place (tour:jit:016), between FRSTOR and FNSAVE; the results must still be the host CPU's.
 */
class CompiledFpuDiffTest {
    static {
        jlguest.cpu.Cpu.useBlockCompiler(CompilerService.BACKEND);   // as the machine does
    }

    @Test
    void compiledCodeReproducesTheHostFpu() {
        String old = System.getProperty("jlguest.jit");
        System.setProperty("jlguest.jit", "all");
        long units = CompilerService.compiledUnits();
        try {
            new FpuDiffTest().recordedVectors();
        } finally {
            if (old == null) {
                System.clearProperty("jlguest.jit");
            } else {
                System.setProperty("jlguest.jit", old);
            }
        }
        units = CompilerService.compiledUnits() - units;
        assertTrue(units > 10_000, "only " + units + " units compiled");
    }
}
