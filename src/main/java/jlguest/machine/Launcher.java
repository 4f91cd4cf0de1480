package jlguest.machine;

import java.util.List;

import jlguest.boot.BootException;
import jlguest.boot.Initrd;
import jlguest.boot.KernelLoader;
import jlguest.boot.LoadedKernel;
import jlguest.bus.Ram;

/**
 * Turns a {@link MachineConfig} into a guest ready to run: RAM allocated, kernel and initrd
 * loaded, command line written.
 *
 * <p>tour:launcher:020 Everything that can go wrong because of what the user typed goes wrong
 * here, before a single guest instruction runs: a missing file, a file that is no kernel, an
 * initrd too big for the RAM. Each becomes one sentence and exit status 2.
 */
public final class Launcher {
    private Launcher() {
    }

    /** A loaded guest: its RAM and what the loader did. */
    public record Prepared(Ram ram, LoadedKernel kernel) {
    }

    public static Prepared prepare(MachineConfig config) throws BootException {
        byte[] image = HostFiles.read(config.kernel(), "kernel");
        Initrd initrd = config.initrd() == null ? null
                : new Initrd(HostFiles.read(config.initrd(), "initrd"), config.initrd().toString());
        Ram ram = allocate(config.ramSize());
        String cmdline = KernelCommandLine.build(config.kernelArgs(), List.of());
        LoadedKernel kernel = KernelLoader.load(ram, image, config.kernel().toString(), initrd, cmdline);
        return new Prepared(ram, kernel);
    }

    private static Ram allocate(long size) throws BootException {
        try {
            return new Ram((int) size);
        } catch (OutOfMemoryError e) {
            throw new BootException("not enough Java heap for " + (size >> 20)
                    + " MiB of guest RAM: raise it with JLGUEST_JAVA_OPTS=-Xmx...");
        }
    }
}
