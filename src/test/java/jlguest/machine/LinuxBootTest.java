package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import jlguest.console.ConsoleInput;
import jlguest.console.ConsoleOutput;
import org.junit.jupiter.api.Test;

/** The bundled Linux 6.1 boots on the whole machine, in scripted and in interactive mode. */
class LinuxBootTest {
    /** What one boot printed and how it ended. */
    record Run(Machine.Outcome end, String console) {
    }

    static Run boot(long ram, String kernel, boolean deterministic, String stdin, String... args) throws Exception {
        MachineConfig config = new MachineConfig(ram, Path.of(kernel), Path.of("guest-images/initrd.img"),
                List.of(), List.of(), true, false, deterministic, List.of(args));
        Launcher.Prepared guest = Launcher.prepare(config);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Machine machine = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(out));
        Thread input = null;
        if (stdin != null) {
            input = new ConsoleInput(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.US_ASCII)),
                    machine.uart()::offerInput, null).start();
        }
        Machine.Outcome end = machine.run();
        if (input != null) {
            input.interrupt();
        }
        return new Run(end, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void vmlinuxRunsAScriptAndHandsBackItsStatus() throws Exception {
        Run r = boot(64 << 20, "guest-images/vmlinux", false, null, "jlguest.run=echo hello-$((6*7)); exit 3");
        assertTrue(r.console().contains("hello-42"), r.console());
        assertTrue(r.console().contains("kvm-clock"), "the kernel uses kvmclock:\n" + r.console());
        assertEquals(Machine.Ending.EXIT, r.end().ending(), r.console());
        assertEquals(3, r.end().status());
    }

    @Test
    void bzImageBootsIn32MiB() throws Exception {
        Run r = boot(32 << 20, "guest-images/bzImage", false, null, "jlguest.run=cat /proc/meminfo | head -1");
        assertTrue(r.console().contains("MemTotal:"), r.console());
        assertEquals(0, r.end().status(), r.console());
    }

    @Test
    void interactiveShellTakesPipedInputAndPowersOff() throws Exception {
        Run r = boot(64 << 20, "guest-images/vmlinux", false, "\n\necho piped-$((20+22))\npoweroff -f\n");
        assertTrue(r.console().contains("piped-42"), r.console());
        assertEquals(Machine.Ending.POWER_OFF, r.end().ending(), r.console());
        assertEquals(0, r.end().status());
    }

    @Test
    void deterministicRunsPrintTheSameBytes() throws Exception {
        String script = "jlguest.run=cat /proc/uptime; date; echo done";
        Run a = boot(64 << 20, "guest-images/vmlinux", true, null, script);
        Run b = boot(64 << 20, "guest-images/vmlinux", true, null, script);
        assertTrue(a.console().contains("done"), a.console());
        assertEquals(a.console(), b.console());
    }
}
