package jlguest.gdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jlguest.console.ConsoleOutput;
import jlguest.launch.Launcher;
import jlguest.machine.Machine;
import jlguest.machine.MachineConfig;
import jlguest.debug.Debugger;
import org.junit.jupiter.api.Test;

/** The stub's protocol without gdb: registers, memory, Ctrl-C while running, detach. */
class GdbProtocolTest {
    @Test
    void ctrlCStopsARunningGuestAndDetachLetsItGo() throws Exception {
        Booted b = bootPaused();
        Debugger debugger = b.debugger();
        Machine machine = b.machine();
        CompletableFuture<Machine.Outcome> run = b.run();
        GdbStub stub = GdbStub.listen("127.0.0.1", 0, debugger, null);
        stub.start();
        try (Socket s = new Socket("127.0.0.1", stub.port())) {
            s.setSoTimeout(20_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            assertEquals("S05", exchange(in, out, "?"));
            String regs = exchange(in, out, "g");
            assertEquals((16 * 4 + 8 * 10 + 8 * 4 + 8 * 16 + 4) * 2, regs.length());   // core, x87, sse
            assertEquals("801f0000", regs.substring(regs.length() - 8), "mxcsr = 0x1f80 after reset");
            assertEquals("00001000", regs.substring(64, 72), "eip = 0x100000, little-endian");
            assertEquals("8b0d", exchange(in, out, "m100000,2"), "startup_32 begins with mov ecx,[...]");
            assertTrue(exchange(in, out, "qXfer:features:read:target.xml:0,fff").contains("org.gnu.gdb.i386.core"));
            send(out, "c");
            Thread.sleep(300);
            out.write(0x03);
            out.flush();
            String stop = readPacket(in);
            assertTrue(stop.startsWith("T02"), "Ctrl-C is SIGINT: " + stop);
            assertTrue(debugger.isPaused());
            assertTrue(machine.cpu().instructions() > 1000, "it ran before Ctrl-C");
            assertEquals("OK", exchange(in, out, "Z0,c0100000,1"));
            assertEquals("OK", exchange(in, out, "D"));
        }
        Thread.sleep(100);
        assertTrue(!debugger.isPaused(), "detach lets the guest run");
        assertEquals(List.of(), debugger.breakpoints(), "and takes gdb's breakpoints away");

        // gdb killed without a word: the same (issue 15 item 14). The monitor's breakpoints stay.
        debugger.addBreakpoint(0x12345678);
        try (Socket s = new Socket("127.0.0.1", stub.port())) {
            s.setSoTimeout(20_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            assertEquals("S05", exchange(in, out, "?"));
            assertTrue(debugger.isPaused(), "attaching pauses");
            assertEquals("OK", exchange(in, out, "Z0,c0100000,1"));
        }
        long end = System.currentTimeMillis() + 10_000;
        while (debugger.isPaused() && System.currentTimeMillis() < end) {
            Thread.sleep(20);
        }
        assertTrue(!debugger.isPaused(), "a vanished gdb leaves the guest running");
        assertEquals(List.of(0x12345678), debugger.breakpoints(), "without gdb's breakpoints, with the monitor's");
        debugger.removeBreakpoint(0x12345678);
        machine.request(Machine.Ending.QUIT, 0, null);
        assertEquals(Machine.Ending.QUIT, run.get(10, TimeUnit.SECONDS).ending());
        stub.close();
    }

    @Test
    void aWriteWatchpointStopsTheGuestRightAfterTheWrite() throws Exception {
        // Issue 15 item 12: gdb's `watch *(int*)&jiffies` is a Z2 packet; the timer interrupt
        // writes jiffies, and the guest stops just after that write with a watch stop reply.
        int jiffies = (int) (long) jlguest.debug.symbols.Symbols.fromElf(
                java.nio.file.Files.readAllBytes(Path.of("guest-images/vmlinux"))).lookup("jiffies");
        Booted b = bootPaused();
        Debugger debugger = b.debugger();
        Machine machine = b.machine();
        CompletableFuture<Machine.Outcome> run = b.run();
        GdbStub stub = GdbStub.listen("127.0.0.1", 0, debugger, null);
        stub.start();
        try (Socket s = new Socket("127.0.0.1", stub.port())) {
            s.setSoTimeout(120_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            assertEquals("S05", exchange(in, out, "?"));
            assertEquals("OK", exchange(in, out, String.format("Z2,%x,4", jiffies)));
            send(out, "c");
            String stop = readPacket(in);
            assertEquals(String.format("T05watch:%08x;thread:01;", jiffies), stop);
            assertTrue(debugger.isPaused());
            long seen = machine.cpu().instructions();
            assertTrue(seen > 100_000, "the kernel booted as far as its first timer tick: " + seen);
            String word = exchange(in, out, String.format("m%x,4", jiffies));
            assertEquals(8, word.length(), word);
            // Removed, the guest runs on without stopping there again.
            assertEquals("OK", exchange(in, out, String.format("z2,%x,4", jiffies)));
            assertEquals(List.of(), debugger.watchpoints());
            assertEquals("OK", exchange(in, out, "D"));
        }
        machine.request(Machine.Ending.QUIT, 0, null);
        assertEquals(Machine.Ending.QUIT, run.get(30, TimeUnit.SECONDS).ending());
        stub.close();
    }

    /** The bundled kernel on its machine, paused before its first instruction (-S), running on a thread. */
    private record Booted(Debugger debugger, Machine machine, CompletableFuture<Machine.Outcome> run) {
    }

    private static Booted bootPaused() throws Exception {
        MachineConfig config = new MachineConfig(64 << 20, Path.of("guest-images/vmlinux"),
                Path.of("guest-images/initrd.img"), List.of(), List.of(), true, false, true, List.of());
        Launcher.Prepared guest = Launcher.prepare(config);
        Debugger debugger = new Debugger(true);
        CompletableFuture<Machine> made = new CompletableFuture<>();
        CompletableFuture<Machine.Outcome> run = CompletableFuture.supplyAsync(() -> {
            Machine m = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(new ByteArrayOutputStream()));
            debugger.attach(m);
            made.complete(m);
            return m.run();
        });
        return new Booted(debugger, made.get(10, TimeUnit.SECONDS), run);
    }

    private static void send(OutputStream out, String p) throws Exception {
        int sum = 0;
        for (char c : p.toCharArray()) {
            sum += c;
        }
        out.write(String.format("$%s#%02x", p, sum & 0xFF).getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static String exchange(InputStream in, OutputStream out, String p) throws Exception {
        send(out, p);
        return readPacket(in);
    }

    private static String readPacket(InputStream in) throws Exception {
        int c;
        while ((c = in.read()) != '$') {
            if (c < 0) {
                throw new AssertionError("connection closed");
            }
        }
        StringBuilder s = new StringBuilder();
        while ((c = in.read()) != '#') {
            s.append((char) c);
        }
        in.read();
        in.read();
        return s.toString();
    }
}
