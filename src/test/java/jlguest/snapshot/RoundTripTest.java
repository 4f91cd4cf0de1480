package jlguest.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jlguest.console.ConsoleOutput;
import jlguest.devices.virtio.VirtioDevices;
import jlguest.launch.Launcher;
import jlguest.machine.Disks;
import jlguest.machine.Machine;
import jlguest.machine.MachineConfig;
import jlguest.machine.VirtioBuilder;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The round trip: a deterministic guest saved at instruction N and restored into a new
 * machine prints, and ends in, exactly what a run that never stopped prints and ends in.
 */
class RoundTripTest {
    /** One run: its console, how it ended, a digest of its final state, and the snapshots it took. */
    record Run(String console, Machine.Outcome end, byte[] finalState, List<Path> saved, List<Integer> consoleAt,
               long instructions) {
    }

    static MachineConfig config(Path disk, String script) {
        return new MachineConfig(64 << 20, Path.of("guest-images/vmlinux"), null, Disks.of(List.of(disk + ",ro")),
                List.of(), true, false, true, List.of("root=/dev/vda", "jlguest.run=" + script));
    }

    /**
     * Runs {@code config} from boot (restore == null) or from a snapshot, saving at each instruction
     * count in {@code saveAt} (ascending) into {@code dir}.
     */
    static Run run(MachineConfig config, Path restore, long[] saveAt, Path dir) throws Exception {
        return run(config, restore, saveAt, null, dir);
    }

    /** As above, and saves once more at the first slice boundary where {@code saveWhen} holds (null: never). */
    static Run run(MachineConfig config, Path restore, long[] saveAt, java.util.function.Predicate<Machine> saveWhen,
                   Path dir) throws Exception {
        try (VirtioDevices virtio = VirtioBuilder.open(config.disks(), config.networks(), true)) {
            Launcher.Prepared guest = Launcher.prepare(config, virtio.commandLineWords());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Machine m = new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(out), virtio);
            if (restore != null) {
                SnapshotFile.restore(restore, m, false);
            }
            List<Path> saved = new ArrayList<>();
            List<Integer> consoleAt = new ArrayList<>();
            if (saveAt.length > 0 || saveWhen != null) {
                m.setDebugHook(new Machine.DebugHook() {
                    int next;
                    boolean when = saveWhen != null;

                    @Override
                    public long beforeSlice(long budget) {
                        long now = m.cpu().instructions();
                        boolean atCount = next < saveAt.length && now == saveAt[next];
                        boolean atWhen = when && saveWhen.test(m);
                        if (atCount || atWhen) {
                            Path p = dir.resolve("at-" + now + ".snap");
                            try {
                                SnapshotFile.save(m, p);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                            saved.add(p);
                            consoleAt.add(out.size());
                            next += atCount ? 1 : 0;
                            when &= !atWhen;
                        }
                        return next < saveAt.length ? Math.min(budget, saveAt[next] - now) : budget;
                    }

                    @Override
                    public boolean wantsControl() {
                        return false;
                    }
                });
            }
            Machine.Outcome end = m.run();
            return new Run(out.toString(StandardCharsets.ISO_8859_1), end, stateDigest(m), saved, consoleAt,
                    m.cpu().instructions());
        }
    }

    /** Every part's saved bytes and all of RAM, hashed: two equal digests are two equal machines. */
    static byte[] stateDigest(Machine m) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (Map.Entry<String, Stateful> e : m.stateParts().entrySet()) {
            StateWriter w = new StateWriter();
            e.getValue().save(w);
            sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            sha.update(w.toByteArray());
        }
        sha.update(m.ram().bytes);
        return sha.digest();
    }

    @Test
    void aRestoredGuestGoesOnByteForByteAsIfItHadNeverStopped(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("root.ext2");
        Files.copy(Path.of("guest-images/rootfs.ext2"), disk);
        MachineConfig config = config(disk, "cat /proc/uptime; ls -l /bin | wc -l; sleep 1; cat /proc/uptime; date; echo done");
        Run straight = run(config, null, new long[0], dir);
        assertTrue(straight.console().contains("done"), straight.console());
        // At 8 M instructions the kernel is probing devices; at 15.4 M it is mounting the root
        // from vda, between two reads; at 33 M the shell runs the script (ls reads the disk); the
        // last is after the guest slept a second, so its clock has skipped idle time (a restore
        // must not lose it). Odd counts stop mid-block. The PIT's timer is armed at each.
        long[] at = {8_000_000, 15_400_017, 33_000_001, straight.instructions() - 200_001};
        Run saving = run(config, null, at, dir);
        assertEquals(straight.console(), saving.console(), "saving does not change the run");
        assertArrayEquals(straight.finalState(), saving.finalState());
        assertEquals(at.length, saving.saved().size());
        for (int i = 0; i < at.length; i++) {
            assertTrue(SnapshotFile.info(saving.saved().get(i)).devices().contains("vda:2"));
            Run resumed = run(config, saving.saved().get(i), new long[0], dir);
            String before = saving.console().substring(0, saving.consoleAt().get(i));
            assertEquals(straight.console(), before + resumed.console(), "restored at " + at[i]);
            assertEquals(straight.end(), resumed.end());
            assertArrayEquals(straight.finalState(), resumed.finalState(), "final state after a restore at " + at[i]);
        }
    }
}
