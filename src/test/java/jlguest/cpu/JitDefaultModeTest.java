package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.function.Supplier;
import jlguest.cpu.jit.CompilerService;
import org.junit.jupiter.api.Test;

/**
 * The block compiler is on by default (issue 12): a CPU made with no {@code jlguest.jit} property
 * gets a port with the default warm-up and threshold, and {@code off} (the launcher's
 * {@code --no-compiler}) still gives a CPU that interprets everything.
 */
class JitDefaultModeTest {
    static {
        Cpu.useBlockCompiler(CompilerService.BACKEND);   // as the machine does
    }

    private static <T> T withMode(String mode, Supplier<T> make) {
        String old = System.getProperty("jlguest.jit");
        String oldWarmup = System.getProperty("jlguest.jit.warmup");
        String oldThreshold = System.getProperty("jlguest.jit.threshold");
        try {
            set("jlguest.jit", mode);
            set("jlguest.jit.warmup", null);
            set("jlguest.jit.threshold", null);
            return make.get();
        } finally {
            set("jlguest.jit", old);
            set("jlguest.jit.warmup", oldWarmup);
            set("jlguest.jit.threshold", oldThreshold);
        }
    }

    private static void set(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void withNoPropertyTheCompilerIsOnAfterTheWarmUp() {
        JitPort port = withMode(null, JitPort::fromProperties);
        assertNotNull(port, "the compiler is off by default");
        assertEquals(JitPort.DEFAULT_WARMUP, port.warmup);
        assertEquals(5_000, port.threshold);
    }

    @Test
    void offStillInterpretsEverything() {
        assertNull(withMode("off", JitPort::fromProperties));
    }

    @Test
    void onIsTheDefaultSpelledOut() {
        JitPort port = withMode("on", JitPort::fromProperties);
        assertNotNull(port);
        assertEquals(JitPort.DEFAULT_WARMUP, port.warmup);
    }
}
