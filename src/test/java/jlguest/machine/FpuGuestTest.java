package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Floating point inside the booted guest against the real CPU: guest-images/fptest (a static i386
 * C program of ours doing x87 double and long double arithmetic, conversions, libm and printf)
 * prints about 9,000 results; run natively (tools/guest-oracle/regenerate.sh) and in jlguest, the
 * output must be the same bytes. The binary reaches the guest as a read-only virtio disk.
 */
class FpuGuestTest {
    @Test
    void fptestPrintsWhatTheRealCpuPrints(@TempDir Path dir) throws Exception {
        List<String> expected = Files.readAllLines(Path.of("src/test/resources/guest/fptest.expected"));
        byte[] program = Files.readAllBytes(Path.of("guest-images/fptest"));
        Path disk = dir.resolve("fptest.img");
        Files.write(disk, java.util.Arrays.copyOf(program, (program.length + 511) / 512 * 512));
        MachineConfig config = new MachineConfig(64 << 20, Path.of("guest-images/vmlinux"),
                Path.of("guest-images/initrd.img"), Disks.of(disk + ",ro"), List.of(), true, false, false,
                List.of("jlguest.run=head -c " + program.length + " /dev/vda > /t; chmod +x /t; /t > /out; "
                        + "echo fp-md5=$(md5sum < /out | cut -c1-32) fp-lines=$(wc -l < /out)"));
        LinuxBootTest.Run r = LinuxBootTest.boot(config, null);
        String c = r.console();
        assertTrue(c.contains("fp-md5="), c);
        assertEquals("fp-md5=" + expected.get(0) + " fp-lines=" + expected.get(1).trim(),
                c.substring(c.lastIndexOf("fp-md5=")).lines().findFirst().orElseThrow().strip(), c);
    }
}
