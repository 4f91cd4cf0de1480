package jlguest.launch;

import jlguest.machine.TripleFaultWatch;
import jlguest.machine.Machine;
import jlguest.machine.VirtioBuilder;
import jlguest.machine.MachineConfig;
import jlguest.machine.KernelCommandLine;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
import jlguest.devices.virtio.console.VirtioConsole;
import jlguest.launch.DebugOptions;
import jlguest.launch.DebugSession;
import jlguest.machine.DiskConfig;
import jlguest.machine.NetworkConfig;
import jlguest.monitor.SnapshotCommands;
import jlguest.snapshot.SnapshotFile;
import jlguest.snapshot.SnapshotInfo;
import jlguest.state.StateException;

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
        return prepare(new GuestFiles(config), config, machineWords, null, false);
    }

    /**
     * As {@link #prepare(MachineConfig, List)} with the words of {@code virtio}'s devices; when one
     * of them is a virtio console and the kernel has its driver, hvc0 is the guest's console.
     */
    public static Prepared prepare(MachineConfig config, VirtioDevices virtio) throws BootException {
        return prepare(new GuestFiles(config), config, virtio.commandLineWords(), null, console(virtio) != null);
    }

    /** Loads the guest from {@code files} into {@code reuse} (cleared first), or into new RAM when it is null. */
    private static Prepared prepare(GuestFiles files, MachineConfig config, List<String> machineWords, Ram reuse,
                                    boolean hvc) throws BootException {
        byte[] image = files.kernel();
        String name = config.kernel().toString();
        // Machine words (console=, virtio_mmio.device=) are Linux's language. A multiboot kernel
        // gets what GRUB and QEMU give it: its own file name, then what the user typed.
        boolean multiboot = KernelLoader.detect(image, name) == KernelFormat.MULTIBOOT;
        // A multiboot module is whatever its kernel wants: only a Linux initramfs is unpacked.
        Initrd initrd = multiboot || config.guestDecompress() ? files.initrd() : files.unpackedInitrd();
        String cmdline = multiboot ? KernelCommandLine.multiboot(name, config.kernelArgs())
                : KernelCommandLine.build(config.kernelArgs(), machineWords, hvc);
        Ram ram = reuse == null ? allocate(config.ramSize()) : reuse;
        if (reuse != null) {
            reuse.clear();
        }
        LoadedKernel kernel = KernelLoader.load(ram, image, name, initrd, cmdline,
                config.guestDecompress() ? Decompression.GUEST : Decompression.HOST, files.unpacked);
        if (hvc && !multiboot && !contains(ram, kernel, VIRTIO_CONSOLE_DRIVER)) {
            // A kernel without the driver would have no console at all: the 16550 it is.
            return prepare(files, config, machineWords, ram, false);
        }
        return new Prepared(ram, kernel);
    }

    /** Linux's virtio console driver names itself so; its kernel image holds the string. */
    private static final byte[] VIRTIO_CONSOLE_DRIVER = "virtio_console\0".getBytes(StandardCharsets.US_ASCII);

    /** True when the loaded kernel's bytes hold {@code needle} (false for a kernel the guest unpacks itself). */
    static boolean contains(Ram ram, LoadedKernel kernel, byte[] needle) {
        int from = (int) Math.max(0, kernel.kernelStart());
        int to = (int) Math.min(ram.size(), kernel.kernelEnd()) - needle.length;
        byte[] b = ram.bytes;
        for (int i = from; i <= to; i++) {
            if (b[i] == needle[0] && java.util.Arrays.equals(b, i, i + needle.length, needle, 0, needle.length)) {
                return true;
            }
        }
        return false;
    }

    /** The virtio console among {@code virtio}'s devices, or null. */
    public static VirtioConsole console(VirtioDevices virtio) {
        for (int i = 0; i < virtio.size(); i++) {
            if (virtio.device(i) instanceof VirtioConsole c) {
                return c;
            }
        }
        return null;
    }

    /**
     * Boots the guest and runs it until it is done; returns the launcher's exit status.
     *
     * <p>tour:launcher:040 A reboot is a new machine: RAM cleared to zeros, the kernel loaded again,
     * every device reset, exactly as a power cycle would leave them. What is big is reused, not
     * allocated again: the RAM array, the kernel and initrd bytes (read from the host once per
     * process, {@link GuestFiles}), the port table and the CPU's TLB, block cache and page
     * generations, each cleared and handed from one machine to the next. A second RAM array
     * allocated while the first is still referenced would double the heap a large guest needs,
     * and a guest rebooting in a loop would churn the heap with the rest: a reboot now allocates
     * about 9 KB, where it allocated 4.9 MB (RebootHeapTest). The console (terminal mode, the
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
            return VirtioBuilder.open(config.disks(), config.networks(), config.deterministic(), config.virtioConsole());
        } catch (DeviceSpecException e) {
            throw new BootException(e.getMessage());
        }
    }

    /**
     * Restores the machine saved in {@code file} and runs it on: its RAM size, kernel, command
     * line and clock mode come from the snapshot; disks and networks from this command line (they
     * must be the same devices, in the same order, as when it was saved).
     *
     * <p>tour:snapshot:080 A restore builds the machine the snapshot describes, exactly as a boot
     * would (RAM, devices, the same wiring), but loads no kernel: the snapshot's RAM already holds
     * it, and its CPU is wherever the guest was. A reboot afterwards loads the kernel from the
     * file the snapshot names, as if the machine had booted from it.
     */
    public static int restore(Path file, boolean force, List<DiskConfig> disks, List<NetworkConfig> networks,
                              boolean noReboot, DebugOptions debug, PrintStream err) throws BootException {
        SnapshotInfo info;
        try {
            info = SnapshotFile.info(file);
        } catch (StateException e) {
            throw new BootException("--restore " + file + ": " + e.getMessage());
        } catch (IOException e) {
            throw new BootException("--restore " + file + ": cannot read: " + HostFiles.reason(e));
        }
        if (info.ramSize() < MIN_RAM || info.ramSize() > MAX_RAM || info.ramSize() % 4096 != 0) {
            throw new BootException("--restore " + file + ": a RAM size of " + info.ramSize() + " bytes is no machine's");
        }
        MachineConfig config = new MachineConfig(info.ramSize(), Path.of(info.kernel()),
                info.initrd() == null ? null : Path.of(info.initrd()), disks, networks, noReboot, info.testExit(),
                info.deterministic(), info.kernelArgs(), false, info.devices().stream()
                        .anyMatch(d -> d.endsWith(":" + VirtioConsole.DEVICE_ID)));
        try (VirtioDevices virtio = openVirtio(config)) {
            LoadedKernel restored = new LoadedKernel(KernelFormat.VMLINUX, null, 0, 0, 0, 0, info.commandLine(), 0);
            return boot(config, new GuestFiles(config), virtio, new Prepared(allocate(info.ramSize()), restored),
                    new Restore(file, force), debug, err);
        }
    }

    /** Smallest and largest RAM the launcher accepts (as cli.MemorySize does). */
    private static final long MIN_RAM = 16L << 20, MAX_RAM = 2047L << 20;

    /** A snapshot to restore into the first machine. */
    private record Restore(Path file, boolean force) {
    }

    private static int boot(MachineConfig config, VirtioDevices virtio, DebugOptions debug, PrintStream err)
            throws BootException {
        GuestFiles files = new GuestFiles(config);
        return boot(config, files, virtio, prepare(files, config, virtio.commandLineWords(), null,
                console(virtio) != null), null, debug, err);
    }

    private static int boot(MachineConfig config, GuestFiles files, VirtioDevices virtio, Prepared first,
                            Restore restore, DebugOptions debug, PrintStream err) throws BootException {
        Prepared guest = first;
        DebugSession session = DebugSession.start(debug, config.kernel(), err);
        ConsoleOutput out = new ConsoleOutput(session.serialOutput(new FileOutputStream(FileDescriptor.out)));
        Runtime.getRuntime().addShutdownHook(new Thread(out::drain, "console-drain"));   // SIGTERM loses nothing printed
        AtomicReference<Machine> current = new AtomicReference<>();
        RawTerminal terminal = session.monitorOnStdio() ? null : RawTerminal.enterIfInteractive();
        VirtioConsole hvc = console(virtio);
        if (terminal != null && hvc != null) {
            // tour:launcher:042 The guest's hvc0 is as big as the user's window, at boot and after
            // every change of it (SIGWINCH): the device tells the guest by a configuration change.
            int[] size = terminal.size();
            hvc.resize(size[0], size[1]);
            terminal.onResize(s -> hvc.resize(s[0], s[1]));
        }
        try {
            EscapeDecoder escapes = terminal == null ? null : new EscapeDecoder(command -> {
                switch (command) {
                    case QUIT -> current.get().request(Machine.Ending.QUIT, 0, null);
                    case HELP -> err.print(EscapeDecoder.HELP);
                    case MONITOR -> session.toggleMonitor(System.out);
                    case SAVE -> saveFromConsole(session, err);
                }
            });
            Thread input = null;
            TripleFaultWatch triples = new TripleFaultWatch();
            Machine machine = null;
            while (true) {
                machine = new Machine(guest.ram(), guest.kernel(), config, out, virtio, machine);
                if (restore != null) {
                    restoreInto(machine, restore);
                    restore = null;
                }
                current.set(machine);
                session.attach(machine);
                if (input == null && !session.monitorOnStdio()) {
                    input = new ConsoleInput(System.in, session.route((b, off, len) -> current.get().offerInput(b, off, len)),
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
                        guest = prepare(files, config, virtio.commandLineWords(), guest.ram(), console(virtio) != null);
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

    private static void restoreInto(Machine machine, Restore r) throws BootException {
        try {
            SnapshotFile.restore(r.file(), machine, r.force());
        } catch (StateException e) {
            throw new BootException("--restore " + r.file() + ": " + e.getMessage());
        } catch (IOException e) {
            throw new BootException("--restore " + r.file() + ": cannot read: " + HostFiles.reason(e));
        }
    }

    /**
     * Ctrl-A s: saves the machine to the first free jlguest-N.snap in the current directory and
     * says where (on the console's input thread; the guest is held for the moment it takes).
     */
    private static void saveFromConsole(DebugSession session, PrintStream err) {
        Path file = SnapshotCommands.defaultName(Path.of(""));
        try {
            SnapshotCommands.save(session.debugger(), file);
            err.print("\r\nlguest: saved the machine to " + file + " (./lguest --restore=" + file + ")\r\n");
        } catch (IOException | StateException e) {
            err.print("\r\nlguest: cannot save a snapshot: " + e.getMessage() + "\r\n");
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
