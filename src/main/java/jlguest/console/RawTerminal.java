package jlguest.console;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * Puts the host terminal in raw mode while a guest owns it, and always puts it back.
 *
 * <p>tour:console:010 When you type into a guest shell, every key must reach the guest's serial
 * port at once (no line editing by the host's tty driver) and Ctrl-C must interrupt the guest's
 * program, not jlguest. That is the terminal's raw mode, which jline sets for us (through
 * {@code stty}, so no native code). Whatever way the launcher ends (the guest powers off, the user
 * presses Ctrl-A x, an error, SIGTERM), {@link #close()} runs, and a shutdown hook backs it up; it
 * also switches off the screen modes a guest's full-screen program may have left on.
 */
public final class RawTerminal implements AutoCloseable {
    private final Terminal terminal;
    private final Attributes saved;
    private final Thread hook;
    private boolean closed;
    private Object winch;

    private RawTerminal(Terminal terminal) {
        this.terminal = terminal;
        this.saved = terminal.enterRawMode();
        // jline's raw mode lets a read return nothing after 0.1 s (VMIN=0, VTIME=1); we want a
        // read that blocks until a key arrives, so the input thread sleeps instead of spinning.
        // It also leaves ISIG on, so Ctrl-C would kill jlguest instead of the guest's program:
        // off with it, and with output post-processing (the guest sends its own CR LF).
        Attributes raw = terminal.getAttributes();
        raw.setLocalFlag(Attributes.LocalFlag.ISIG, false);
        raw.setOutputFlag(Attributes.OutputFlag.OPOST, false);
        raw.setControlChar(Attributes.ControlChar.VMIN, 1);
        raw.setControlChar(Attributes.ControlChar.VTIME, 0);
        terminal.setAttributes(raw);
        this.hook = new Thread(this::restore, "terminal-restore");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** True when stdin is a terminal (not a pipe or a file). */
    public static boolean stdinIsTerminal() {
        try {
            Path fd0 = Files.readSymbolicLink(Path.of("/proc/self/fd/0"));
            String s = fd0.toString();
            return s.startsWith("/dev/pts/") || s.startsWith("/dev/tty") || s.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /** Enters raw mode, or returns null when stdin is no terminal or raw mode is unavailable. */
    public static RawTerminal enterIfInteractive() {
        if (!stdinIsTerminal()) {
            return null;
        }
        try {
            // Only the "exec" provider (stty): no native library is ever loaded.
            Terminal t = TerminalBuilder.builder().system(true).jni(false).jna(false).jansi(false).ffm(false)
                    .exec(true).provider("exec").nativeSignals(false).build();
            if (Terminal.TYPE_DUMB.equals(t.getType()) || Terminal.TYPE_DUMB_COLOR.equals(t.getType())) {
                t.close();
                return null;
            }
            return new RawTerminal(t);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The terminal's size as {cols, rows}, or {0, 0} when it cannot be had. */
    public int[] size() {
        try {
            org.jline.terminal.Size s = terminal.getSize();
            return new int[] {s.getColumns(), s.getRows()};
        } catch (RuntimeException e) {
            return new int[] {0, 0};
        }
    }

    /**
     * Calls {@code listener} with the new {cols, rows} whenever the window changes size (SIGWINCH,
     * through jline's signal registration, which needs no native code).
     */
    public void onResize(java.util.function.Consumer<int[]> listener) {
        winch = org.jline.utils.Signals.register("WINCH", () -> listener.accept(size()));
    }

    /**
     * What a full-screen guest program (vi, top, less) may have switched on in the host terminal and
     * not switched off, because we quit under it: the alternate screen (1047: leaving it is a no-op
     * when we are not in it, unlike 1049's cursor restore), hidden cursor, colours, scroll region,
     * application cursor keys and keypad, mouse reporting, bracketed paste; autowrap back on.
     */
    static final String SANE_MODES = "\033[?1047l\033[?25h\033[0m\033[r\033[?1l\033>"
            + "\033[?1000l\033[?1002l\033[?1003l\033[?1006l\033[?2004l\033[?7h";

    private synchronized void restore() {
        if (closed) {
            return;
        }
        closed = true;
        if (winch != null) {
            org.jline.utils.Signals.unregister("WINCH", winch);
        }
        try {
            terminal.writer().write(SANE_MODES);
            terminal.writer().flush();
            terminal.setAttributes(saved);
            terminal.flush();
            terminal.close();
        } catch (IOException | RuntimeException e) {
            // nothing more we can do for the terminal
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running or has run
        }
    }
}
