package jlguest.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jlguest.console.ConsoleOutput;
import jlguest.debug.Debugger;
import jlguest.launch.Launcher;
import jlguest.machine.Machine;
import jlguest.machine.MachineConfig;

/**
 * A machine for the debugger-facing tests: hello.elf loaded in 16 MiB, its entry point overwritten
 * with {@code jmp $}, so it runs for ever (and never ends by itself) until someone quits it. It
 * starts paused under a {@link Debugger}, which the gdb stub and the monitor then drive.
 */
public final class SpinningGuest implements AutoCloseable {
    public final Debugger debugger;
    public final Machine machine;
    private final CompletableFuture<Machine.Outcome> run;

    public SpinningGuest() throws Exception {
        this(new Debugger(true));
    }

    /** A guest under {@code debugger} (a launcher's DebugSession makes its own). */
    public SpinningGuest(Debugger debugger) throws Exception {
        this(debugger, 0xEB, 0xFE);   // jmp $
    }

    /** A guest whose entry point holds {@code code} instead of {@code jmp $}. */
    public SpinningGuest(Debugger debugger, int... code) throws Exception {
        this.debugger = debugger;
        MachineConfig config = new MachineConfig(16 << 20, Path.of("guest-images/hello/hello.elf"), null, List.of(),
                List.of(), true, false, true, List.of());
        Launcher.Prepared guest = Launcher.prepare(config);
        int entry = guest.kernel().entry().eip();
        for (int i = 0; i < code.length; i++) {
            guest.ram().write8(entry + i, code[i]);
        }
        CompletableFuture<Machine> made = new CompletableFuture<>();
        run = CompletableFuture.supplyAsync(() -> {
            Machine m = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(new ByteArrayOutputStream()));
            debugger.attach(m);
            made.complete(m);
            return m.run();
        });
        machine = made.get(10, TimeUnit.SECONDS);
    }

    /** True until the machine's run ended (a gdb {@code k}, a monitor {@code quit}). */
    public boolean running() {
        return !run.isDone();
    }

    @Override
    public void close() throws java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
        machine.request(Machine.Ending.QUIT, 0, null);
        debugger.resume();
        try {
            run.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
