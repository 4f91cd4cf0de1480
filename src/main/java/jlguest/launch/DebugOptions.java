package jlguest.launch;

import java.nio.file.Path;

/**
 * The debugging options of the command line.
 *
 * @param monitor null (the monitor only behind Ctrl-A c), "stdio", or "tcp:HOST:PORT"
 * @param gdb null, or "tcp:HOST:PORT" for the gdb stub
 * @param startPaused -S: the guest waits before its first instruction
 * @param symbols a System.map or ELF file with the kernel's symbols, or null (the kernel's own)
 * @param serial null (the terminal), "file:PATH", or "none"
 */
public record DebugOptions(String monitor, String gdb, boolean startPaused, Path symbols, String serial) {
    public static final DebugOptions NONE = new DebugOptions(null, null, false, null, null);
}
