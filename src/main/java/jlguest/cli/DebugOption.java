package jlguest.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;

import jlguest.launch.DebugOptions;
import jlguest.launch.DebugOptions.MonitorPlace;
import jlguest.launch.DebugOptions.SerialPlace;

/** Parses {@code --monitor}, {@code --gdb}, {@code -S}, {@code --symbols} and {@code --serial}. */
public final class DebugOption {
    private DebugOption() {
    }

    public static DebugOptions parse(String monitor, String gdb, boolean startPaused, Path symbols, String serial)
            throws UsageException {
        MonitorPlace place = MonitorPlace.ESCAPE_ONLY;
        InetSocketAddress monitorAt = null;
        DebugOptions.MonitorSecret secret = DebugOptions.MonitorSecret.DEFAULT;
        if (monitor != null) {
            if (monitor.equals("stdio")) {
                place = MonitorPlace.STDIO;
            } else if (monitor.startsWith("tcp:")) {
                place = MonitorPlace.TCP;
                String[] parts = monitor.split(",", -1);
                monitorAt = tcp("--monitor", parts[0]);
                secret = secret(monitor, parts);
            } else {
                throw new UsageException("--monitor: expected stdio or tcp:HOST:PORT, not '" + monitor + "'");
            }
        }
        InetSocketAddress gdbAt = gdb == null ? null : tcp("--gdb", gdb);
        SerialPlace out = SerialPlace.TERMINAL;
        Path serialFile = null;
        if (serial != null) {
            if (serial.equals("none")) {
                out = SerialPlace.NONE;
            } else if (serial.startsWith("file:") && serial.length() > 5) {
                out = SerialPlace.FILE;
                serialFile = Path.of(serial.substring(5));
            } else {
                throw new UsageException("--serial: expected file:PATH or none, not '" + serial + "'");
            }
        }
        return new DebugOptions(place, monitorAt, gdbAt, startPaused, symbols, out, serialFile, secret);
    }

    /** The words after tcp:HOST:PORT: {@code secret} or {@code secret=FILE}. */
    private static DebugOptions.MonitorSecret secret(String spec, String[] parts) throws UsageException {
        DebugOptions.MonitorSecret secret = DebugOptions.MonitorSecret.DEFAULT;
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].equals("secret")) {
                secret = new DebugOptions.MonitorSecret(true, null);
            } else if (parts[i].startsWith("secret=") && parts[i].length() > 7) {
                secret = new DebugOptions.MonitorSecret(true, Path.of(parts[i].substring(7)));
            } else {
                throw new UsageException("--monitor " + spec + ": unknown option '" + parts[i]
                        + "' (secret, secret=FILE)");
            }
        }
        return secret;
    }

    /** tcp:HOST:PORT, left unresolved: the listener resolves it and reports a bad host as it binds. */
    private static InetSocketAddress tcp(String option, String spec) throws UsageException {
        String[] f = spec.split(":");
        if (f.length != 3 || !f[0].equals("tcp")) {
            throw new UsageException(option + ": expected tcp:HOST:PORT, not '" + spec + "'");
        }
        try {
            int port = Integer.parseInt(f[2]);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return InetSocketAddress.createUnresolved(f[1], port);
        } catch (NumberFormatException e) {
            throw new UsageException(option + ": '" + f[2] + "' is not a port number");
        }
    }
}
