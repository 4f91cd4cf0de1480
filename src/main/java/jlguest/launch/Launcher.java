package jlguest.launch;

import jlguest.machine.TripleFaultWatch;
import jlguest.machine.Machine;
import jlguest.machine.VirtioBuilder;
import jlguest.machine.MachineConfig;
import jlguest.machine.KernelCommandLine;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import jlguest.boot.BootException;
import jlguest.boot.Decompression;
import jlguest.boot.Initrd;
import jlguest.boot.KernelFormat;
import jlguest.boot.KernelLoader;
import jlguest.boot.LoadedKernel;
import jlguest.bus.Ram;
import jlguest.console.ConsoleInput;
import jlguest.console.ConsoleOutput;
import jlguest.console.GuestText;
import jlguest.console.EscapeDecoder;
import jlguest.console.RawTerminal;
import jlguest.devices.virtio.DeviceSpecException;
import jlguest.devices.virtio.VirtioDevices;
import jlguest.launch.DebugOptions;
import jlguest.launch.DebugSession;

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
        return prepare(config, List.of());
    }

    /** @param machineWords command-line words the machine adds for a Linux kernel (virtio devices) */
    public static Prepared prepare(MachineConfig config, List<String> machineWords) throws BootException {
        return prepare(config, machineWords, null);
    }

    /** Loads the guest into {@code reuse} (cleared first), or into new RAM when it is null. */
    private static Prepared prepare(MachineConfig config, List<String> machineWords, Ram reuse) throws BootException {
        // Neither can be larger than the guest's RAM, which they must fit in.
        byte[] image = HostFiles.read(config.kernel(), "kernel", config.ramSize());
        Initrd initrd = config.initrd() == null ? null
                : new Initrd(HostFiles.read(config.initrd(), "initrd", config.ramSize()), config.initrd().toString());
        String name = config.kernel().toString();
        // Machine words (console=, virtio_mmio.device=) are Linux's language. A multiboot kernel
        // gets what GRUB and QEMU give it: its own file name, then what the user typed.
        String cmdline = KernelLoader.detect(image, name) == KernelFormat.MULTIBOOT
                ? KernelCommandLine.multiboot(name, config.kernelArgs())
                : KernelCommandLine.build(config.kernelArgs(), machineWords);
        Ram ram = reuse == null ? allocate(config.ramSize()) : reuse;
        if (reuse != null) {
            reuse.clear();
        }
        LoadedKernel kernel = KernelLoader.load(ram, image, name, initrd, cmdline,
                config.guestDecompress() ? Decompression.GUEST : Decompression.HOST);
        return new Prepared(ram, kernel);
    }

    /**
     * Boots the guest and runs it until it is done; returns the launcher's exit status.
     *
     * <p>tour:launcher:040 A reboot is a new machine: RAM cleared to zeros, the kernel loaded again,
     * every device reset, exactly as a power cycle would leave them. The RAM array itself is
     * reused: a second one allocated while the first is still referenced would double the heap a
     * large guest needs, and a guest rebooting in a loop would churn it (RebootHeapTest). The console (terminal mode, the
     * input thread) outlives the machines, so the user's keystrokes follow the guest across it.
     */
    public static int boot(MachineConfig config, PrintStream err) throws BootException {
        return boot(config, DebugOptions.NONE, err);
    }

    /**
     * Boots with the monitor and gdb stub options of jlguest.monitor (see docs/monitor.md): the
     * debug session hooks into every machine, takes Ctrl-A c, and may own the terminal
     * (--monitor=stdio, in which case the console input thread stays off it).
     */
    public static int boot(MachineConfig config, DebugOptions debug, PrintStream err) throws BootException {
        try (VirtioDevices virtio = openVirtio(config)) {
            return boot(config, virtio, debug, err);
        }
    }

    private static VirtioDevices openVirtio(MachineConfig config) throws BootException {
        try {
            return VirtioBuilder.open(config.disks(), config.networks(), config.deterministic());
        } catch (DeviceSpecException e) {
            throw new BootException(e.getMessage());
        }
    }

    private static int boot(MachineConfig config, VirtioDevices virtio, DebugOptions debug, PrintStream err)
            throws BootException {
        Prepared guest = prepare(config, virtio.commandLineWords());
        DebugSession session = DebugSession.start(debug, config.kernel(), err);
        ConsoleOutput out = new ConsoleOutput(session.serialOutput(new FileOutputStream(FileDescriptor.out)));
        Runtime.getRuntime().addShutdownHook(new Thread(out::drain, "console-drain"));   // SIGTERM loses nothing printed
        AtomicReference<Machine> current = new AtomicReference<>();
        RawTerminal terminal = session.monitorOnStdio() ? null : RawTerminal.enterIfInteractive();
        try {
            EscapeDecoder escapes = terminal == null ? null : new EscapeDecoder(command -> {
                switch (command) {
                    case QUIT -> current.get().request(Machine.Ending.QUIT, 0, null);
                    case HELP -> err.print(EscapeDecoder.HELP);
                    case MONITOR -> session.toggleMonitor(System.out);
                }
            });
            Thread input = null;
            TripleFaultWatch triples = new TripleFaultWatch();
            while (true) {
                Machine machine = new Machine(guest.ram(), guest.kernel(), config, out, virtio);
                current.set(machine);
                session.attach(machine);
                if (input == null && !session.monitorOnStdio()) {
                    input = new ConsoleInput(System.in, session.route((b, off, len) -> current.get().uart().offerInput(b, off, len)),
                            escapes).start();
                }
                Machine.Outcome end = machine.run();
                String eol = terminal == null ? "\n" : "\r\n";
                String stuck = end.ending() == Machine.Ending.REBOOT ? triples.afterReboot(machine) : null;
                if (stuck != null) {
                    err.print("lguest: " + stuck + eol);
                    return 1;
                }
                if (end.message() != null) {
                    err.print("lguest: " + GuestText.printable(end.message()) + eol);
                }
                switch (end.ending()) {
                    case REBOOT -> {
                        if (config.noReboot()) {
                            return end.status();
                        }
                        err.print("lguest: rebooting" + eol);
                        guest = prepare(config, virtio.commandLineWords(), guest.ram());
                    }
                    default -> {
                        return end.status();
                    }
                }
            }
        } finally {
            if (terminal != null) {
                terminal.close();
            }
        }
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
