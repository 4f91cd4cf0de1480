package jlguest.cpu.simd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import jlguest.cpu.jit.CompilerService;
import org.junit.jupiter.api.Test;

/**
 * The MMX, SSE and SSE2 differential cases again, through the block compiler: with
 * {@code jlguest.jit=all} every block compiles at its first run, and a unit hands each SIMD
 * instruction to the interpreter in place (tour:jit:016); the results, faults included, must
 * still be the host CPU's.
 */
class CompiledSimdDiffTest {
    static {
        jlguest.cpu.Cpu.useBlockCompiler(CompilerService.BACKEND);   // as the machine does
    }

    @Test
    void compiledCodeReproducesTheHostSimd() throws Exception {
        String old = System.getProperty("jlguest.jit");
        System.setProperty("jlguest.jit", "all");
        long units = CompilerService.compiledUnits();
        try {
            new SimdDiffTest().recordedVectors();
        } finally {
            if (old == null) {
                System.clearProperty("jlguest.jit");
            } else {
                System.setProperty("jlguest.jit", old);
            }
        }
        units = CompilerService.compiledUnits() - units;
        assertTrue(units > 50_000, "only " + units + " units compiled");
    }
}
