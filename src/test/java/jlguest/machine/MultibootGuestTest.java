package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import jlguest.console.ConsoleOutput;
import org.junit.jupiter.api.Test;

/** The bundled multiboot test kernel runs on the whole machine: loader, CPU, UART, exit port. */
class MultibootGuestTest {
    static MachineConfig config(long ram, String kernel, boolean testExit, List<String> args) {
        return new MachineConfig(ram, Path.of(kernel), null, List.of(), List.of(), true, testExit, false, args);
    }

    @Test
    void printsWhatTheLoaderToldItAndExitsThroughPort0xF4() throws Exception {
        for (String kernel : new String[] {"guest-images/multiboot-test.elf", "guest-images/multiboot-test-kludge.bin"}) {
            MachineConfig config = config(16 << 20, kernel, true, List.of("hello", "world"));
            Launcher.Prepared guest = Launcher.prepare(config);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Machine machine = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(out));
            Machine.Outcome end = machine.run();
            String text = out.toString(StandardCharsets.US_ASCII);
            assertEquals(Machine.Ending.EXIT, end.ending(), text);
            assertEquals(1, end.status(), "a write of 0 to the QEMU-style exit port is status 1");
            assertTrue(text.contains("multiboot ok: mem_lower=639KB mem_upper=15360KB cmdline=" + kernel + " hello world"), text);
            assertTrue(text.contains("mmap: base=0x0000000000100000 len=0x0000000000f00000 type=1"), text);
        }
    }
}
