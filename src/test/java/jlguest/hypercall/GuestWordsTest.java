package jlguest.hypercall;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;
import jlguest.bus.Ram;
import jlguest.console.GuestText;
import jlguest.cpu.Cpu;
import jlguest.cpu.CpuHost;

/**
 * Issue 17 item 9: what a guest says in its SHUTDOWN hypercall reaches the host's stderr with no
 * control or escape characters left in it: a guest cannot clear the screen, move the cursor or
 * forge an "lguest: ..." line of its own.
 */
class GuestWordsTest {
    @Test
    void printableLeavesPlainTextAloneAndShowsEverythingElse() {
        assertEquals("bye from hypercall-test", GuestText.printable("bye from hypercall-test"));
        assertEquals("\\x1b[2J\\x1b]0;pwned\\x07ok\\x0alguest: fake\\x0d\\x7f\\x9b\\xff\\u{202e}",
                GuestText.printable("\u001b[2J\u001b]0;pwned\u0007ok\nlguest: fake\r\u007f\u009b\u00ff\u202e"));
    }

    @Test
    void theShutdownMessageIsSanitizedAtTheHypercall() {
        Ram ram = new Ram(1 << 20);
        byte[] said = "\u001b[2J\u001b[Hok\nlguest: all good\r".getBytes(StandardCharsets.ISO_8859_1);
        ram.load(0x8000, said, 0, said.length);
        List<String> messages = new ArrayList<>();
        Hypercalls calls = new Hypercalls(ram, new Hypercalls.Services() {
            public void consoleWrite(byte[] b, int off, int len) { }
            public void haltUntilInterrupt() { }
            public void setTimer(long delayNanos) { }
            public long nanos() {
                return 0;
            }
            public void shutdown(boolean reboot, String message, int status) {
                messages.add(message);
            }
            public boolean notifyQueue(int device, int queue) {
                return false;
            }
        });
        Cpu cpu = new Cpu(new PhysicalBus(ram), new IoPorts(), CpuHost.NONE);
        cpu.setReg(0, Hypercalls.SHUTDOWN);
        cpu.setReg(1, 0x8000);   // ECX: the message
        calls.call(cpu);
        assertEquals(List.of("\\x1b[2J\\x1b[Hok\\x0alguest: all good\\x0d"), messages);
    }
}
