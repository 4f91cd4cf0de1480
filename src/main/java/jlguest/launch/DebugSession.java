package jlguest.launch;

import jlguest.debug.Debugger;
import jlguest.monitor.Monitor;
import jlguest.monitor.MonitorConsole;
import jlguest.monitor.MonitorServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import jlguest.boot.BootException;
import jlguest.console.ConsoleInput;
import jlguest.console.TerminalReports;
import jlguest.machine.Machine;
import jlguest.gdb.GdbStub;
import jlguest.debug.symbols.Symbols;

/**
 * Everything debugging adds to a run, wired in one place for the launcher: the {@link Debugger},
 * the kernel's symbols, the monitor (behind Ctrl-A c, on stdio or on TCP) and the gdb stub.
 *
 * <p>tour:monitor:110 Ctrl-A c works like QEMU's mux: the same terminal carries the guest's
 * serial console or the monitor, and the escape key flips between them. Keystrokes go where the
 * switch points; the monitor reads them from a pipe, through its own jline line editor. The
 * guest keeps running while you type (use {@code stop} to pause it); its output still reaches
 * the terminal.
 */
public final class DebugSession {
    /** Largest --symbols file we read (a vmlinux with full debug information is a few hundred MiB). */
    static final long MAX_SYMBOLS = 1L << 30;
    private final DebugOptions options;
    private final Debugger debugger;
    /**
     * The kernel's symbols: a --symbols file is read at once (its mistakes are the user's, and
     * stop the launch); the kernel's own are read in the background, since only the monitor needs
     * them and reading a vmlinux's symbol table took longer than restoring a snapshot.
     */
    private final java.util.concurrent.CompletableFuture<Symbols> symbols;
    private final PrintStream err;
    private volatile boolean monitorActive;
    private PipedOutputStream muxPipe;
    private MonitorConsole muxConsole;
    private GdbStub gdb;
    private MonitorServer monitorServer;

    private DebugSession(DebugOptions options, java.util.concurrent.CompletableFuture<Symbols> symbols,
                         PrintStream err) {
        this.options = options;
        this.symbols = symbols;
        this.err = err;
        this.debugger = new Debugger(options.startPaused());
    }

    /**
     * Sets up what the options ask for. Every mistake (a busy port, a bad spec, unreadable
     * symbols) is a BootException: one line and exit status 2.
     */
    public static DebugSession start(DebugOptions o, Path kernel, PrintStream err) throws BootException {
        var symbols = o.symbols() != null
                ? java.util.concurrent.CompletableFuture.completedFuture(loadSymbols(o.symbols(), kernel))
                : java.util.concurrent.CompletableFuture.supplyAsync(() -> kernelSymbols(kernel));
        DebugSession s = new DebugSession(o, symbols, err);
        if (o.gdb() != null) {
            InetSocketAddress a = o.gdb();
            try {
                s.gdb = GdbStub.listen(a.getHostString(), a.getPort(), s.debugger, err);
            } catch (IOException e) {
                throw new BootException(e.getMessage());
            }
            s.gdb.start();
            err.println("lguest: gdb stub listening on " + a.getHostString() + ":" + s.gdb.port()
                    + (o.startPaused() ? " (guest paused until gdb continues it)" : ""));
            if (!s.gdb.loopback()) {
                err.println("lguest: warning: the gdb stub on " + a.getHostString() + ":" + s.gdb.port()
                        + " is reachable from other hosts; whoever connects controls the guest (gdb has no password)");
            }
        }
        switch (o.monitor()) {
            case STDIO -> {
                try {
                    MonitorConsole.system(s.debugger, s::newMonitor).start("monitor-stdio");
                } catch (IOException e) {
                    throw new BootException("--monitor=stdio: " + e.getMessage());
                }
            }
            case TCP -> s.listenMonitor(o.monitorAddress(), o.monitorSecret());
            case ESCAPE_ONLY -> {
                if (o.startPaused() && o.gdb() == null) {
                    err.println("lguest: the guest is paused (-S): press Ctrl-A c for the monitor, then c to run it");
                }
            }
        }
        return s;
    }

    private static Symbols loadSymbols(Path file, Path kernel) throws BootException {
        if (file != null) {
            try {
                HostFiles.checkRegular(file, "symbol file", MAX_SYMBOLS);
                return Symbols.load(file);
            } catch (BootException e) {
                throw new BootException("--symbols " + e.getMessage());
            } catch (java.nio.file.FileSystemException e) {
                throw new BootException("--symbols " + file + ": " + HostFiles.reason(e));
            } catch (IOException e) {
                throw new BootException("--symbols " + e.getMessage());   // Symbols names the file
            }
        }
        return kernelSymbols(kernel);
    }

    private static Symbols kernelSymbols(Path kernel) {
        try {
            byte[] bytes = Files.readAllBytes(kernel);
            if (bytes.length > 4 && bytes[0] == 0x7F && bytes[1] == 'E') {
                return Symbols.fromElf(bytes);
            }
        } catch (IOException | IllegalArgumentException e) {
            // no symbols: addresses print as numbers
        }
        return Symbols.NONE;
    }

    private Monitor newMonitor(Debugger d, java.io.PrintWriter out) {
        return new Monitor(d, symbols.join(), out);
    }

    private void listenMonitor(InetSocketAddress a, DebugOptions.MonitorSecret secret) throws BootException {
        try {
            monitorServer = MonitorServer.listen(a.getHostString(), a.getPort(), secret.wanted(), secret.file(), debugger,
                    this::newMonitor, err);
        } catch (IOException e) {
            throw new BootException(e.getMessage());
        }
    }

    public Debugger debugger() {
        return debugger;
    }

    /** Hooks the debugger into a (new) machine. */
    public void attach(Machine m) {
        debugger.attach(m);
    }

    /** True when the monitor owns the user's terminal (--monitor=stdio): no console on it then. */
    public boolean monitorOnStdio() {
        return options.monitor() == DebugOptions.MonitorPlace.STDIO;
    }

    /**
     * Where the guest's serial output goes: the terminal, unless the monitor has it
     * (--monitor=stdio: then --serial=file:PATH, or nowhere) or --serial says otherwise.
     */
    public OutputStream serialOutput(OutputStream terminal) throws BootException {
        return switch (options.serial()) {
            case TERMINAL -> monitorOnStdio() ? OutputStream.nullOutputStream() : terminal;
            case NONE -> OutputStream.nullOutputStream();
            case FILE -> {
                try {
                    yield Files.newOutputStream(options.serialFile());
                } catch (IOException e) {
                    throw new BootException("--serial: cannot write " + options.serialFile() + ": " + HostFiles.reason(e));
                }
            }
        };
    }

    /** Routes typed bytes to the guest, or to the monitor while Ctrl-A c has switched to it. */
    public ConsoleInput.Target route(ConsoleInput.Target guest) {
        // While the monitor has the keys, the terminal's reports (a cursor position the guest's
        // shell asked for) still go to the guest: never into a monitor command line.
        TerminalReports split = new TerminalReports(new TerminalReports.Sink() {
            @Override
            public void keys(byte[] b, int off, int len) {
                try {
                    muxPipe.write(b, off, len);
                    muxPipe.flush();
                } catch (IOException e) {
                    monitorActive = false;
                }
            }

            @Override
            public void report(byte[] b, int off, int len) {
                guest.offerInput(b, off, len);
            }
        });
        return (b, off, len) -> {
            if (!monitorActive) {
                return guest.offerInput(b, off, len);
            }
            split.accept(b, off, len);
            return len;
        };
    }

    /** Ctrl-A c: flips the terminal between the guest's console and the monitor. */
    public synchronized void toggleMonitor(PrintStream terminal) {
        if (monitorActive) {
            monitorActive = false;
            terminal.print("\r\n[back to the guest console]\r\n");
            terminal.flush();
            return;
        }
        try {
            if (muxConsole == null) {
                muxPipe = new PipedOutputStream();
                PipedInputStream in = new PipedInputStream(muxPipe, 4096);
                muxConsole = MonitorConsole.over(in, terminal, false, debugger, this::newMonitor);
                muxConsole.start("monitor-mux");
            } else {
                muxConsole.redisplay();
            }
            monitorActive = true;
            terminal.print("\r\n[monitor: Ctrl-A c returns to the guest]\r\n");
            terminal.flush();
        } catch (IOException e) {
            terminal.print("\r\n[the monitor could not start: " + e.getMessage() + "]\r\n");
        }
    }
}
