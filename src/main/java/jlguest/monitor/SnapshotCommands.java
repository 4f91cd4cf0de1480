package jlguest.monitor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import jlguest.debug.Debugger;
import jlguest.machine.Machine;
import jlguest.snapshot.SnapshotFile;
import jlguest.state.StateException;

/**
 * The monitor's {@code savevm} and {@code loadvm}, and the console's {@code Ctrl-A s}: a snapshot
 * taken or restored with the guest held still between two slices, from whichever thread asks.
 */
public final class SnapshotCommands {
    /** How long to wait for a running guest to come to a stop. */
    private static final long HOLD_MILLIS = 10_000;

    private SnapshotCommands() {
    }

    /** Saves the debugger's machine to {@code file}; one-sentence errors as StateException or IOException. */
    public static void save(Debugger d, Path file) throws IOException {
        held(d, () -> SnapshotFile.save(d.machine(), file));
    }

    /**
     * Replaces the running machine's state with {@code file}'s. A copy of the current state is
     * taken first, so that a file which fails its checks half-way (possible only for a crafted
     * file that passed the checksum) leaves the machine as it was, not half-restored.
     */
    public static void load(Debugger d, Path file, boolean force) throws IOException {
        Path backup = Files.createTempFile("jlguest-loadvm-", ".snap");
        try {
            held(d, () -> {
                Machine m = d.machine();
                SnapshotFile.save(m, backup);
                try {
                    SnapshotFile.restore(file, m, force);
                } catch (IOException | RuntimeException e) {
                    SnapshotFile.restore(backup, m, true);
                    throw e;
                }
            });
        } finally {
            Files.deleteIfExists(backup);
        }
    }

    /** The first of jlguest-1.snap, jlguest-2.snap, ... in {@code dir} that does not exist yet. */
    public static Path defaultName(Path dir) {
        for (int n = 1; ; n++) {
            Path p = dir.resolve("jlguest-" + n + ".snap");
            if (!Files.exists(p)) {
                return p.toAbsolutePath();
            }
        }
    }

    private interface Action {
        void run() throws IOException;
    }

    private static void held(Debugger d, Action a) throws IOException {
        try {
            if (!d.withGuestHeld(HOLD_MILLIS, () -> {
                try {
                    a.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            })) {
                throw new StateException("the guest did not stop within " + HOLD_MILLIS / 1000 + " s");
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
