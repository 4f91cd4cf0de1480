package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Debian 12's stock kernels boot to the bundled shell: {@code 686-pae} with PAE paging and NX
 * active, {@code 686} with 2-level paging, and neither touches an MSR we lack ("unchecked MSR access").
 * The kernels are not in the repository; tools/debian-kernels.sh fetches them with apt-get download
 * into target/debian/. Each boot takes minutes (the XZ decompressor and the crypto self-tests run
 * 6 G instructions), hence the "long" tag (mvn -Plong verify).
 */
@Tag("long")
class DebianKernelBootTest {
    static LinuxBootTest.Run bootDebian(String flavour) throws Exception {
        Path kernel = Path.of("target/debian/vmlinuz-" + flavour);
        assumeTrue(Files.isReadable(kernel), "no " + kernel + ": run tools/debian-kernels.sh to fetch Debian's "
                + flavour + " kernel (skipped)");
        return LinuxBootTest.boot(256L << 20, kernel.toString(), false, null, "jlguest.run=echo shell-ok-$((6*7))");
    }

    @Test
    void paeKernelBootsWithNxActive() throws Exception {
        LinuxBootTest.Run run = bootDebian("686-pae");
        String c = run.console();
        assertEquals(0, run.end().status(), c);
        assertTrue(c.contains("NX (Execute Disable) protection: active"), c);
        assertTrue(c.contains("shell-ok-42"), c);
        assertFalse(c.contains("unchecked MSR access"), c);
    }

    @Test
    void nonPaeKernelBoots() throws Exception {
        LinuxBootTest.Run run = bootDebian("686");
        String c = run.console();
        assertEquals(0, run.end().status(), c);
        assertTrue(c.contains("shell-ok-42"), c);
        assertFalse(c.contains("unchecked MSR access"), c);
    }
}
