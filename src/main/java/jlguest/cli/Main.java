package jlguest.cli;

import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jlguest.boot.BootException;
import jlguest.launch.Launcher;
import jlguest.machine.DiskConfig;
import jlguest.machine.MachineConfig;
import jlguest.machine.NetworkConfig;
import jlguest.launch.DebugOptions;

/**
 * The {@code lguest} command.
 *
 * <p>tour:launcher:010 This is where a user meets jlguest, and it reads like lguest's launcher:
 * {@code lguest [options] <memory> <kernel> [kernel arguments...]}. Options may come anywhere, as
 * in lguest; the words that are not options are, in order, the memory size, the kernel file and
 * the kernel's command line. Every mistake ends in one line on stderr and exit status 2: a stack
 * trace is a bug in jlguest, never the user's problem.
 */
public final class Main {
    /** "jlguest X.Y.Z": the version comes from the pom, through version.properties. */
    public static final String VERSION = "jlguest " + projectVersion();

    private static String projectVersion() {
        java.util.Properties p = new java.util.Properties();
        try (java.io.InputStream in = Main.class.getResourceAsStream("/jlguest/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (java.io.IOException e) {
            // fall through: an unknown version is no reason not to boot
        }
        return p.getProperty("version", "(unknown version)");
    }

    private static final String SYNOPSIS = "lguest [options] <memory> <kernel> [kernel arguments...]";
    private static final String[] DESCRIPTION = {
        "Boot an x86 kernel in a pure-Java emulated machine.",
        "With no arguments, boots the bundled Linux guest.",
    };
    private static final String[] FOOTER = {
        "",
        "Memory: 64 (MiB), 64m, 512m, 1g (16m .. 2047m).",
        "Kernels: vmlinux (ELF32 i386), bzImage (boot protocol >= 2.07), multiboot v1.",
        "Example: lguest 64m guest-images/vmlinux --initrd=guest-images/initrd.img",
    };

    private List<String> words = new ArrayList<>();
    private Path initrd;
    private final List<String> blocks = new ArrayList<>();
    private final List<String> nets = new ArrayList<>();
    private String console = "virtio";
    private boolean noReboot;
    private boolean testExit;
    private boolean deterministic;
    private Path restore;
    private boolean forceRestore;
    private Boolean compiler;
    private boolean guestDecompress;
    private String monitor;
    private String gdb;
    private boolean startPaused;
    private Path symbols;
    private String serial;
    private boolean help;
    private boolean version;

    /** The options, their help, and the field each one sets. */
    private Options options() {
        return new Options()
                .value("--initrd", "FILE", v -> initrd = path("--initrd", v),
                        "Initial RAM disk (Linux) or boot module (multiboot).")
                .repeatable("--block", "FILE[,ro][,snapshot][,serial=S]", blocks::add,
                        "A virtio block device backed by the raw image FILE (repeatable: vda, vdb, ...); "
                                + "ro: never written; snapshot: the guest writes to a copy that vanishes at exit; "
                                + "serial=S: the ID the guest reads.")
                .repeatable("--net", "SPEC", nets::add,
                        "A virtio network device (repeatable). SPEC is one of:",
                        "  user[,hostfwd=tcp|udp:[HOST]:PORT-[GUEST]:PORT]...[,restrict=on]",
                        "    [,net=10.0.2.0/24][,host=A][,dns=A][,dhcpstart=A]",
                        "  udp:local=HOST:PORT,remote=HOST:PORT",
                        "  socket:listen=HOST:PORT | socket:connect=HOST:PORT",
                        "  mcast:GROUP:PORT[,localaddr=ADDR]",
                        "each with optional ,mac=52:54:00:12:34:56 and ,mtu=N.")
                .value("--console", "virtio|serial", v -> console = v,
                        "The Linux guest's console: virtio (default): hvc0, which knows the terminal's size, "
                                + "with ttyS0 for early boot (when the kernel has the driver); serial: ttyS0 only.")
                .flag(List.of("--no-reboot"), v -> noReboot = true, "Exit instead of restarting when the guest reboots.")
                .flag(List.of("--test-exit"), v -> testExit = true,
                        "Enable the test exit port 0xF4 (QEMU isa-debug-exit compatible).")
                .flag(List.of("--deterministic"), v -> deterministic = true,
                        "Derive guest time from the instruction count, so runs repeat exactly.")
                .value("--restore", "FILE", v -> restore = path("--restore", v),
                        "Restore the machine saved in FILE (by savevm or Ctrl-A s) instead of booting; "
                                + "memory and kernel come from it, disks and networks from --block and --net.")
                .flag(List.of("--force-restore"), v -> forceRestore = true,
                        "With --restore: accept disks that changed since the snapshot.")
                .negatable("--compiler", v -> compiler = Boolean.valueOf(v),
                        "Compile hot guest code to JVM bytecode (the default: after a warm-up of 250 M instructions; "
                                + "--no-compiler: interpret all guest code).")
                .flag(List.of("--guest-decompress"), v -> guestDecompress = true,
                        "Let a bzImage and a compressed initrd unpack themselves in the guest (slow; the kernel's "
                                + "KASLR) instead of in the launcher.")
                .value("--monitor", "stdio|tcp:HOST:PORT[,secret[=FILE]]", v -> monitor = v,
                        "The monitor on the terminal (serial to --serial) or on a TCP port; Ctrl-A c reaches it anyway.")
                .value("--gdb", "tcp:HOST:PORT", v -> gdb = v, "Listen for gdb (target remote HOST:PORT).")
                .flag(List.of("-S"), v -> startPaused = true, "Start the guest paused (continue it from the monitor or gdb).")
                .value("--symbols", "FILE", v -> symbols = path("--symbols", v),
                        "Kernel symbols: a System.map or an ELF file (default: the kernel's own).")
                .value("--serial", "file:PATH|none", v -> serial = v,
                        "Where the guest's serial output goes instead of the terminal.")
                .flag(List.of("-h", "--help"), v -> help = true, "Show this help and exit.")
                .flag(List.of("-V", "--version"), v -> version = true, "Print the version and exit.");
    }

    private static Path path(String option, String value) throws UsageException {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new UsageException(option + ": not a file name: " + jlguest.console.GuestText.printable(value));
        }
    }

    /** --help: the synopsis, what lguest does, the options, and the footer. */
    private void usage(Options table, PrintStream out) {
        out.println("Usage: " + SYNOPSIS);
        for (String line : DESCRIPTION) {
            out.println(line);
        }
        table.printHelp(out, terminalWidth());
        for (String line : FOOTER) {
            out.println(line);
        }
    }

    /** $COLUMNS when the shell exports it, else 80 (as wide as any terminal is). */
    private static int terminalWidth() {
        try {
            int columns = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "80").strip());
            return Math.max(60, Math.min(columns, 160));
        } catch (NumberFormatException e) {
            return 80;
        }
    }

    public static void main(String[] args) {
        ClassPreloader.start();
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the launcher and returns the process exit status (2 for any user error). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Main main = new Main();
        Options table = main.options();
        try {
            main.words = table.parse(args);
        } catch (UsageException e) {
            err.println("lguest: " + e.getMessage() + " (see lguest --help)");
            return 2;
        }
        if (main.help) {
            main.usage(table, out);
            return 0;
        }
        if (main.version) {
            out.println(VERSION);
            return 0;
        }
        if (main.compiler != null) {
            System.setProperty("jlguest.jit", main.compiler ? "on" : "off");   // read by jlguest.cpu.JitPort
        }
        try {
            DebugOptions debug = main.debugOptions();
            if (main.restore != null) {
                return main.restore(debug, err);
            }
            if (main.forceRestore) {
                throw new UsageException("--force-restore goes with --restore");
            }
            MachineConfig config = main.config(err);
            return Launcher.boot(config, debug, err);
        } catch (UsageException | BootException e) {
            err.println("lguest: " + e.getMessage());
            return 2;
        }
    }

    private MachineConfig config(PrintStream err) throws UsageException {
        if (words.isEmpty()) {
            Path home = BundledGuest.home();
            words = List.of("64m", home.resolve("guest-images/vmlinux").toString());
            if (initrd == null) {
                initrd = home.resolve("guest-images/initrd.img");
            }
            err.println("lguest: no kernel given; booting the bundled guest: lguest 64m "
                    + words.get(1) + " --initrd=" + initrd);
        }
        if (words.size() < 2) {
            throw new UsageException("missing kernel: usage is lguest [options] <memory> <kernel> [kernel arguments...]");
        }
        long ram = MemorySize.parse(words.get(0));
        List<DiskConfig> disks = disks();
        List<NetworkConfig> networks = networks();
        boolean virtioConsole = switch (console) {
            case "virtio" -> true;
            case "serial" -> false;
            default -> throw new UsageException("--console: expected virtio or serial, got '" + console + "'");
        };
        return new MachineConfig(ram, Path.of(words.get(1)), initrd, disks, networks, noReboot, testExit,
                deterministic, words.subList(2, words.size()), guestDecompress, virtioConsole);
    }

    /** --restore: everything about the machine but its disks and networks comes from the snapshot. */
    private int restore(DebugOptions debug, PrintStream err) throws UsageException, BootException {
        if (!words.isEmpty()) {
            throw new UsageException("with --restore the memory size and kernel come from the snapshot: "
                    + "give no <memory> <kernel> (got " + words.get(0) + ")");
        }
        if (initrd != null || deterministic || guestDecompress || testExit) {
            throw new UsageException("with --restore the initrd, --deterministic, --test-exit and "
                    + "--guest-decompress come from the snapshot");
        }
        List<DiskConfig> disks = disks();
        List<NetworkConfig> networks = networks();
        return Launcher.restore(restore, forceRestore, disks, networks, noReboot, debug, err);
    }

    private List<DiskConfig> disks() throws UsageException {
        List<DiskConfig> disks = new ArrayList<>();
        for (String b : blocks) {
            disks.add(DiskOption.parse(b));
        }
        return disks;
    }

    private List<NetworkConfig> networks() throws UsageException {
        List<NetworkConfig> networks = new ArrayList<>();
        for (String n : nets) {
            networks.add(NetOption.parse(n));
        }
        return networks;
    }

    private DebugOptions debugOptions() throws UsageException {
        return DebugOption.parse(monitor, gdb, startPaused, symbols, serial);
    }
}
