package jlguest.machine;

import jlguest.launch.Launcher;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import jlguest.console.ConsoleOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PAE and NX seen from a guest (guest-images/multiboot/pae-test.asm), and the launcher's watch for
 * a guest that triple-faults the same way on every start.
 */
class PaeGuestTest {
    static Machine.Outcome run(MachineConfig config, ByteArrayOutputStream out) throws Exception {
        Launcher.Prepared guest = Launcher.prepare(config);
        Machine machine = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(out));
        return machine.run();
    }

    @Test
    void paeTestKernelPassesEveryCheck() throws Exception {
        MachineConfig config = MultibootGuestTest.config(16 << 20, "guest-images/pae-test.bin", true, List.of());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Machine.Outcome end = run(config, out);
        String text = out.toString(StandardCharsets.US_ASCII);
        assertEquals(Machine.Ending.EXIT, end.ending(), text);
        assertEquals(1, end.status(), text);   // 0 failures, in isa-debug-exit encoding
        for (String check : new String[] {"4 KiB page alias", "2 MiB page alias", "2 MiB PDE accessed and dirty",
            "NX fetch fault error code 0x11", "NX fetch fault CR2", "data read from an XD page",
            "XD without NXE: reserved-bit fault 0x9"}) {
            assertTrue(text.contains("pae-test: " + check + " ok\n"), check + " in:\n" + text);
        }
        assertTrue(text.contains("pae-test: failures: 0\n"), text);
    }

    /**
     * A flat multiboot (a.out kludge) kernel at 1 MiB whose code is {@code code}: the header's
     * entry point is the byte right after the header.
     */
    static Path kludgeKernel(Path dir, String code) throws Exception {
        byte[] body = HexFormat.of().parseHex(code);
        ByteBuffer b = ByteBuffer.allocate(32 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        int magic = 0x1BADB002, flags = 1 << 16;
        b.putInt(magic).putInt(flags).putInt(-(magic + flags));
        b.putInt(0x100000).putInt(0x100000).putInt(0).putInt(0).putInt(0x100020);
        b.put(body);
        Path p = dir.resolve("kernel.bin");
        Files.write(p, b.array());
        return p;
    }

    /**
     * {@code mov eax, cr4; or eax, 0x40000 (OSXSAVE); mov cr4, eax}: #GP, and with no IDT a triple
     * fault. The first start reboots, the second stops and names the bit.
     */
    @Test
    void aGuestThatTripleFaultsTheSameWayTwiceIsStopped(@TempDir Path dir) throws Exception {
        Path kernel = kludgeKernel(dir, "0f20e00d000004000f22e0f4");
        MachineConfig config = MultibootGuestTest.config(16 << 20, kernel.toString(), false, List.of());
        TripleFaultWatch watch = new TripleFaultWatch();
        String verdict = null;
        for (int start = 1; start <= 2; start++) {
            Launcher.Prepared guest = Launcher.prepare(config);
            Machine machine = new Machine(guest.ram(), guest.kernel(), config,
                    new ConsoleOutput(new ByteArrayOutputStream()));
            Machine.Outcome end = machine.run();
            assertEquals(Machine.Ending.REBOOT, end.ending(), end.message());
            verdict = watch.afterReboot(machine);
            if (start == 1) {
                assertNull(verdict, "the first triple fault reboots, as a PC does");
            }
        }
        assertNotNull(verdict);
        assertTrue(verdict.contains("#GP(0x0) at EIP 00100028"), verdict);
        assertTrue(verdict.contains("CR4=00000000"), verdict);
        assertTrue(verdict.contains("OSXSAVE"), verdict);
        assertEquals(1, verdict.lines().count());
    }

    /** A guest that asks for a reboot (keyboard controller command 0xFE) is rebooted every time. */
    @Test
    void guestRequestedRebootsAreNotStopped(@TempDir Path dir) throws Exception {
        // mov al, 0xfe; out 0x64, al; hlt
        Path kernel = kludgeKernel(dir, "b0fee664f4");
        MachineConfig config = MultibootGuestTest.config(16 << 20, kernel.toString(), false, List.of());
        TripleFaultWatch watch = new TripleFaultWatch();
        for (int start = 1; start <= 3; start++) {
            Launcher.Prepared guest = Launcher.prepare(config);
            Machine machine = new Machine(guest.ram(), guest.kernel(), config,
                    new ConsoleOutput(new ByteArrayOutputStream()));
            Machine.Outcome end = machine.run();
            assertEquals(Machine.Ending.REBOOT, end.ending(), end.message());
            assertNull(watch.afterReboot(machine));
        }
    }
}
