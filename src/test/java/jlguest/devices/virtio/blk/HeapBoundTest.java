package jlguest.devices.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 item 3: a guest that makes many 16 MiB requests available at once cannot grow the host
 * heap past the documented bound. A child JVM with -Xmx128m holds 20 MiB of guest RAM, so only
 * the bound ({@link VirtioBlk#MAX_IN_FLIGHT_BYTES}, 32 MiB) keeps it alive; before the bound it
 * copied every write out of guest RAM at once and died of OutOfMemoryError.
 */
class HeapBoundTest {
    @TempDir
    Path dir;

    private String flood(int requests) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), BlkFlood.class.getName(), Integer.toString(requests),
                dir.resolve("flood.img").toString())).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES));
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.startsWith("ok "), text);
        long most = Long.parseLong(text.replaceAll("(?s).*most in flight (\\d+) bytes.*", "$1"));
        assertTrue(most <= VirtioBlk.MAX_IN_FLIGHT_BYTES, text);
        return text;
    }

    @Test
    void sixtyFourRequestsOf16MiBInOneKick() throws Exception {
        flood(64);
    }

    /** The case: a full queue of 256 indirect requests of 16 MiB (4 GiB through the disk). */
    @Test
    @Tag("long")
    void aFullQueueOf16MiBRequests() throws Exception {
        flood(256);
    }
}
