package jlguest.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jlguest.boot.BootException;
import jlguest.launch.Launcher;
import jlguest.machine.DiskConfig;
import jlguest.machine.MachineConfig;
import jlguest.machine.NetworkConfig;
import jlguest.launch.DebugOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code lguest} command.
 *
 * <p>tour:launcher:010 This is where a user meets jlguest, and it reads like lguest's launcher:
 * {@code lguest [options] <memory> <kernel> [kernel arguments...]}. Options may come anywhere, as
 * in lguest; the words that are not options are, in order, the memory size, the kernel file and
 * the kernel's command line. Every mistake ends in one line on stderr and exit status 2: a stack
 * trace is a bug in jlguest, never the user's problem.
 */
@Command(name = "lguest", sortOptions = false, usageHelpAutoWidth = true,
        versionProvider = Main.Version.class,
        description = {"Boot an x86 kernel in a pure-Java emulated machine.",
                "With no arguments, boots the bundled Linux guest."},
        customSynopsis = "lguest [options] <memory> <kernel> [kernel arguments...]",
        footer = {"", "Memory: 64 (MiB), 64m, 512m, 1g (16m .. 2047m).",
                "Kernels: vmlinux (ELF32 i386), bzImage (boot protocol >= 2.07), multiboot v1.",
                "Example: lguest 64m guest-images/vmlinux --initrd=guest-images/initrd.img"})
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

    @Parameters(paramLabel = "WORDS", hidden = true)
    private List<String> words = new ArrayList<>();

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initial RAM disk (Linux) or boot module (multiboot).")
    private Path initrd;

    @Option(names = "--block", paramLabel = "FILE[,ro][,snapshot][,serial=S]",
            description = "A virtio block device backed by the raw image FILE (repeatable: vda, vdb, ...); "
                    + "ro: never written; snapshot: the guest writes to a copy that vanishes at exit; "
                    + "serial=S: the ID the guest reads.")
    private List<String> blocks = new ArrayList<>();

    @Option(names = "--net", paramLabel = "SPEC",
            description = {"A virtio network device (repeatable). SPEC is one of:",
                    "  udp:local=HOST:PORT,remote=HOST:PORT",
                    "  socket:listen=HOST:PORT | socket:connect=HOST:PORT",
                    "  mcast:GROUP:PORT[,localaddr=ADDR]",
                    "each with optional ,mac=52:54:00:12:34:56 and ,mtu=N."})
    private List<String> nets = new ArrayList<>();

    @Option(names = "--console", paramLabel = "virtio|serial",
            description = {"The Linux guest's console: virtio (default): hvc0, which knows the terminal's size, "
                    + "with ttyS0 for early boot (when the kernel has the driver); serial: ttyS0 only."})
    private String console = "virtio";

    @Option(names = "--no-reboot", description = "Exit instead of restarting when the guest reboots.")
    private boolean noReboot;

    @Option(names = "--test-exit", description = "Enable the test exit port 0xF4 (QEMU isa-debug-exit compatible).")
    private boolean testExit;

    @Option(names = "--deterministic", description = "Derive guest time from the instruction count, so runs repeat exactly.")
    private boolean deterministic;

    @Option(names = "--restore", paramLabel = "FILE",
            description = "Restore the machine saved in FILE (by savevm or Ctrl-A s) instead of booting; "
                    + "memory and kernel come from it, disks and networks from --block and --net.")
    private Path restore;

    @Option(names = "--force-restore", description = "With --restore: accept disks that changed since the snapshot.")
    private boolean forceRestore;

    @Option(names = "--compiler", negatable = true,
            description = "Compile hot guest code to JVM bytecode (the default: after a warm-up of 250 M instructions; --no-compiler: interpret all guest code).")
    private Boolean compiler;

    @Option(names = "--guest-decompress",
            description = "Let a bzImage and a compressed initrd unpack themselves in the guest (slow; the kernel's KASLR) instead of in the launcher.")
    private boolean guestDecompress;

    @Option(names = "--monitor", paramLabel = "stdio|tcp:HOST:PORT[,secret[=FILE]]",
            description = "The monitor on the terminal (serial to --serial) or on a TCP port; Ctrl-A c reaches it anyway.")
    private String monitor;

    @Option(names = "--gdb", paramLabel = "tcp:HOST:PORT", description = "Listen for gdb (target remote HOST:PORT).")
    private String gdb;

    @Option(names = "-S", description = "Start the guest paused (continue it from the monitor or gdb).")
    private boolean startPaused;

    @Option(names = "--symbols", paramLabel = "FILE", description = "Kernel symbols: a System.map or an ELF file (default: the kernel's own).")
    private Path symbols;

    @Option(names = "--serial", paramLabel = "file:PATH|none", description = "Where the guest's serial output goes instead of the terminal.")
    private String serial;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the version and exit.")
    private boolean version;

    /** Supplies the version line to picocli. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {VERSION};
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the launcher and returns the process exit status (2 for any user error). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main).setExpandAtFiles(false).setOverwrittenOptionsAllowed(false);
        try {
            cl.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            err.println("lguest: " + firstLine(e.getMessage()) + didYouMean(e) + " (see lguest --help)");
            return 2;
        }
        if (cl.isUsageHelpRequested()) {
            cl.usage(out);
            return 0;
        }
        if (cl.isVersionHelpRequested()) {
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

    /** For a mistyped option, the nearest real ones: "--blok=x.img" gets " (did you mean --block?)". */
    private static String didYouMean(CommandLine.ParameterException e) {
        if (!(e instanceof CommandLine.UnmatchedArgumentException u)) {
            return "";
        }
        List<String> near = u.getSuggestions().stream().filter(x -> x.startsWith("-")).distinct().limit(3).toList();
        return near.isEmpty() ? "" : " (did you mean " + String.join(" or ", near) + "?)";
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
