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
 * presses Ctrl-A x, an error), {@link #close()} runs, and a shutdown hook backs it up.
 */
public final class RawTerminal implements AutoCloseable {
    private final Terminal terminal;
    private final Attributes saved;
    private final Thread hook;
    private boolean closed;

    private RawTerminal(Terminal terminal) {
        this.terminal = terminal;
        this.saved = terminal.enterRawMode();
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
            Terminal t = TerminalBuilder.builder().system(true).provider("exec").nativeSignals(false).build();
            if (Terminal.TYPE_DUMB.equals(t.getType()) || Terminal.TYPE_DUMB_COLOR.equals(t.getType())) {
                t.close();
                return null;
            }
            return new RawTerminal(t);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private synchronized void restore() {
        if (closed) {
            return;
        }
        closed = true;
        try {
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
