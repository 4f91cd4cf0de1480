package jlguest.monitor;

import jlguest.debug.Debugger;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.List;

import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The monitor's front end: a jline prompt with line editing, history and tab completion of
 * commands, info topics and kernel symbols, on some terminal (the user's own, a TCP client, or
 * the console multiplexed by Ctrl-A c).
 */
public final class MonitorConsole implements Runnable {
    static final String PROMPT = "(jlguest) ";

    private final Terminal terminal;
    private final Monitor monitor;
    private final PrintWriter out;
    private final LineReader reader;

    private MonitorConsole(Terminal terminal, Debugger debugger, MonitorFactory factory) {
        this.terminal = terminal;
        this.out = new PrintWriter(terminal.writer(), true);
        this.monitor = factory.create(debugger, out);
        this.reader = LineReaderBuilder.builder().terminal(terminal).appName("jlguest")
                .completer(new Completions(monitor)).build();
        debugger.addStopListener((reason, eip) -> {
            String text = switch (reason) {
                case BREAKPOINT -> "breakpoint at " + monitor.symbols().format(eip);
                case START -> "paused before the first instruction at " + monitor.symbols().format(eip) + " (-S); continue with c";
                case REQUEST -> "paused at " + monitor.symbols().format(eip);
                case WATCH -> "watchpoint hit, now at " + monitor.symbols().format(eip);
                case STEP -> null;
            };
            if (text != null) {
                reader.printAbove(text);
            }
        });
    }

    /** Makes a Monitor writing to a given writer (lets the front end collect output per command). */
    public interface MonitorFactory {
        Monitor create(Debugger debugger, PrintWriter out);
    }

    /** A console on the given streams; {@code dumb} for a line-mode peer (a TCP client). */
    public static MonitorConsole over(InputStream in, OutputStream out, boolean dumb, Debugger debugger,
                               MonitorFactory factory) throws IOException {
        Terminal t = TerminalBuilder.builder().system(false).jni(false).jna(false).jansi(false).provider("exec").streams(in, out).type(dumb ? Terminal.TYPE_DUMB : "xterm")
                .encoding("UTF-8").size(dumb ? new Size(80, 24) : hostTerminalSize()).build();
        return new MonitorConsole(t, debugger, factory);
    }

    /** The size of the user's terminal (stty size on /dev/tty), or 80x24. */
    private static Size hostTerminalSize() {
        try {
            Process p = new ProcessBuilder("stty", "size").redirectInput(new java.io.File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String[] f = new String(p.getInputStream().readAllBytes()).trim().split("\\s+");
            if (p.waitFor() == 0 && f.length == 2) {
                return new Size(Integer.parseInt(f[1]), Integer.parseInt(f[0]));
            }
        } catch (IOException | NumberFormatException | InterruptedException e) {
            // fall through
        }
        return new Size(80, 24);
    }

    /** A console on the user's own terminal. */
    public static MonitorConsole system(Debugger debugger, MonitorFactory factory) throws IOException {
        Terminal t = TerminalBuilder.builder().system(true).provider("exec").nativeSignals(false).build();
        return new MonitorConsole(t, debugger, factory);
    }

    public Thread start(String name) {
        Thread t = new Thread(this, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Redraws the prompt (after switching to the monitor with Ctrl-A c). */
    public void redisplay() {
        reader.printAbove("");
    }

    public Monitor monitor() {
        return monitor;
    }

    @Override
    public void run() {
        terminal.writer().println("jlguest monitor: type help for the commands, Tab completes");
        terminal.flush();
        while (!monitor.quitRequested()) {
            String line;
            try {
                line = reader.readLine(PROMPT);
            } catch (UserInterruptException e) {
                continue;
            } catch (EndOfFileException e) {
                break;
            } catch (RuntimeException e) {
                break;    // the peer went away
            }
            monitor.execute(line);
            terminal.flush();
        }
        if (monitor.quitRequested()) {
            return;   // the process is ending; closing the terminal would only upset jline's pump threads
        }
        try {
            terminal.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** Tab completion: command names, then info topics or kernel symbols. */
    private static final class Completions implements Completer {
        private final Monitor monitor;

        Completions(Monitor monitor) {
            this.monitor = monitor;
        }

        @Override
        public void complete(LineReader reader, org.jline.reader.ParsedLine line, List<Candidate> candidates) {
            if (line.wordIndex() == 0) {
                for (String c : monitor.commandNames()) {
                    candidates.add(new Candidate(c));
                }
                return;
            }
            String first = line.words().get(0);
            if (first.equals("info") || first.equals("i")) {
                for (String t : Monitor.INFO_TOPICS) {
                    candidates.add(new Candidate(t));
                }
                return;
            }
            if (first.equals("help")) {
                monitor.commandNames().forEach(c -> candidates.add(new Candidate(c)));
                return;
            }
            String word = line.word();
            if (word.length() >= 1 && !word.startsWith("0x") && !word.startsWith("$")) {
                for (String s : monitor.symbols().complete(word, 500)) {
                    candidates.add(new Candidate(s));
                }
            }
        }
    }
}
