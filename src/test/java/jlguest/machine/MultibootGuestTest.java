package jlguest.machine;

import jlguest.launch.Launcher;
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

    @Test
    void hypercallTestKernelMakesEveryCall() throws Exception {
        for (boolean deterministic : new boolean[] {false, true}) {
            MachineConfig config = new MachineConfig(16 << 20, Path.of("guest-images/hypercall-test.elf"), null,
                    List.of(), List.of(), true, false, deterministic, List.of());
            Launcher.Prepared guest = Launcher.prepare(config);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Machine machine = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(out));
            Machine.Outcome end = machine.run();
            String text = out.toString(StandardCharsets.US_ASCII);
            assertEquals("hypercall: console write ok\n"
                    + "hypercall: unknown call returns -1000 ok\n"
                    + "hypercall: 3 timer interrupts, 30 ms or more of guest time ok\n"
                    + "hypercall: shutting down with status 7\n", text);
            assertEquals(Machine.Ending.EXIT, end.ending());
            assertEquals(7, end.status());
            assertEquals("bye from hypercall-test", end.message());
            assertEquals(4 + 1 + 2 + 3 + 3 + 1, machine.counters().hypercalls,
                    "4 writes, 1 unknown, 2 clock reads, 3 timers, 3 halts (one per tick), 1 shutdown");
        }
    }
}
