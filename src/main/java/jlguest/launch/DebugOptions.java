package jlguest.launch;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * The debugging options of the command line, parsed.
 *
 * @param monitor where the monitor lives besides Ctrl-A c
 * @param monitorAddress the address to listen on, for {@link MonitorPlace#TCP}; null otherwise
 * @param gdb the address the gdb stub listens on, or null for no stub
 * @param startPaused -S: the guest waits before its first instruction
 * @param symbols a System.map or ELF file with the kernel's symbols, or null (the kernel's own)
 * @param serial where the guest's serial output goes
 * @param serialFile the file, for {@link SerialPlace#FILE}; null otherwise
 * @param monitorSecret what a TCP monitor's clients must type first ({@code ,secret[=FILE]})
 */
public record DebugOptions(MonitorPlace monitor, InetSocketAddress monitorAddress, InetSocketAddress gdb,
                           boolean startPaused, Path symbols, SerialPlace serial, Path serialFile,
                           MonitorSecret monitorSecret) {
    public static final DebugOptions NONE = new DebugOptions(MonitorPlace.ESCAPE_ONLY, null, null, false, null,
            SerialPlace.TERMINAL, null);

    /**
     * {@code ,secret} (wanted: a token printed at start) or {@code ,secret=FILE} (its first line);
     * off loopback the monitor wants a token even when not asked (monitor.MonitorServer).
     */
    public record MonitorSecret(boolean wanted, Path file) {
        public static final MonitorSecret DEFAULT = new MonitorSecret(false, null);
    }

    /** Options without a monitor secret (the default: one only off loopback). */
    public DebugOptions(MonitorPlace monitor, InetSocketAddress monitorAddress, InetSocketAddress gdb,
                        boolean startPaused, Path symbols, SerialPlace serial, Path serialFile) {
        this(monitor, monitorAddress, gdb, startPaused, symbols, serial, serialFile, MonitorSecret.DEFAULT);
    }

    /** {@code --monitor}: none (only behind Ctrl-A c), {@code stdio} or {@code tcp:HOST:PORT}. */
    public enum MonitorPlace { ESCAPE_ONLY, STDIO, TCP }

    /** {@code --serial}: the terminal (the default), {@code file:PATH} or {@code none}. */
    public enum SerialPlace { TERMINAL, FILE, NONE }

    public DebugOptions {
        if ((monitor == MonitorPlace.TCP) != (monitorAddress != null)) {
            throw new IllegalArgumentException("a TCP monitor needs an address, and only it");
        }
        if (monitorSecret == null) {
            monitorSecret = MonitorSecret.DEFAULT;
        }
        if ((serial == SerialPlace.FILE) != (serialFile != null)) {
            throw new IllegalArgumentException("a serial file needs a path, and only it");
        }
    }
}
