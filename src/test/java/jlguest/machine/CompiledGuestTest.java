package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jlguest.cpu.jit.CompilerService;
import org.junit.jupiter.api.Test;

/**
 * The bundled Linux with the block compiler on, against the interpreter. With --deterministic, guest
 * time is the retired-instruction count, so the whole console (dmesg timestamps, /proc/uptime, the
 * scheduler's decisions) depends on every instruction being counted and executed exactly as the
 * interpreter does. A low threshold makes hundreds of blocks compile in the background while the
 * kernel boots, at moments that differ from run to run; the bytes printed must not.
 */
class CompiledGuestTest {
    private static LinuxBootTest.Run boot(String mode, String script) throws Exception {
        String oldMode = System.getProperty("jlguest.jit");
        String oldThreshold = System.getProperty("jlguest.jit.threshold");
        String oldWarmup = System.getProperty("jlguest.jit.warmup");
        System.setProperty("jlguest.jit", mode);
        System.setProperty("jlguest.jit.threshold", "50");
        System.setProperty("jlguest.jit.warmup", "0");      // compile from the first instructions on
        try {
            return LinuxBootTest.boot(64 << 20, "guest-images/vmlinux", true, null, script);
        } finally {
            restore("jlguest.jit", oldMode);
            restore("jlguest.jit.threshold", oldThreshold);
            restore("jlguest.jit.warmup", oldWarmup);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void aDeterministicBootPrintsTheSameBytesCompiledAndInterpreted() throws Exception {
        String script = "jlguest.run=dd if=/dev/zero bs=64k count=16 2>/dev/null | md5sum; "
                + "seq 1 300 | sort -r | tail -2; cat /proc/uptime; echo done";
        long units = CompilerService.compiledUnits();
        long regions = CompilerService.compiledRegions();
        LinuxBootTest.Run compiled = boot("on", script);
        units = CompilerService.compiledUnits() - units;
        regions = CompilerService.compiledRegions() - regions;
        LinuxBootTest.Run interpreted = boot("off", script);
        assertTrue(interpreted.console().contains("done"), interpreted.console());
        assertTrue(interpreted.console().contains("b6d81b360a5672d80c27430f39153e2c"), interpreted.console());
        assertTrue(units > 100, "only " + units + " units compiled");
        assertTrue(regions > 10, "only " + regions + " of " + units + " units are regions of several blocks");
        assertEquals(interpreted.console(), compiled.console());
        assertEquals(interpreted.end().status(), compiled.end().status());
    }
}
