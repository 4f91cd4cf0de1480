package jlguest.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jlguest.console.ConsoleOutput;
import jlguest.launch.Launcher;
import jlguest.machine.Machine;
import jlguest.machine.MachineConfig;
import org.junit.jupiter.api.Test;

/** A paused machine: its clock stands still, and Ctrl-A x (a QUIT from the console thread) ends it at once. */
class QuitWhilePausedTest {
    @Test
    void quitEndsAPausedMachineWithoutResumingTheGuest() throws Exception {
        MachineConfig config = new MachineConfig(16 << 20, Path.of("guest-images/hello/hello.elf"), null,
                List.of(), List.of(), true, false, true, List.of());
        Launcher.Prepared guest = Launcher.prepare(config);
        Debugger debugger = new Debugger(true);    // -S: paused before the first instruction
        Machine m = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(new ByteArrayOutputStream()));
        debugger.attach(m);
        CompletableFuture<Machine.Outcome> run = CompletableFuture.supplyAsync(m::run);
        assertTrue(debugger.awaitPause(10_000), "paused at the first instruction");
        long before = m.cpu().instructions();
        long guestTime = m.guestNanos();
        Thread.sleep(300);
        assertTrue(m.guestNanos() - guestTime < 1_000_000L, "a paused machine's clock stands still (issue 15 item 8)");

        m.request(Machine.Ending.QUIT, 0, null);   // what the console's Ctrl-A x does

        assertEquals(Machine.Ending.QUIT, run.get(10, TimeUnit.SECONDS).ending());
        assertEquals(before, m.cpu().instructions(), "the guest ran no further");
    }
}
