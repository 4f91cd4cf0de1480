package jlguest.monitor;

import jlguest.debug.Debugger;
import jlguest.debug.GuestMemory;
import jlguest.debug.PageWalk;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jlguest.cpu.Cpu;
import jlguest.machine.Machine;
import jlguest.state.StateException;
import jlguest.debug.disasm.Disassembler;
import jlguest.debug.disasm.Instruction;
import jlguest.debug.symbols.Symbols;

/**
 * The monitor's commands: one line in, text out. The front end ({@link MonitorConsole}) does
 * the line editing; this class only interprets.
 *
 * <p>tour:monitor:090 Command names follow QEMU's human monitor where it has one ({@code info
 * registers}, {@code x/10xw}, {@code xp}, {@code system_reset}), so QEMU users feel at home.
 * Every mistake in what was typed (a bad address, an unmapped page, an unknown symbol) is one line
 * of explanation, and no command touches the guest unless it was asked to: reading memory goes
 * through {@link GuestMemory}, which has no side effects.
 */
public final class Monitor {
    /** One command: name, argument synopsis, one-line help, and what it does. */
    private record Command(String name, String args, String help, Handler handler) {
    }

    @FunctionalInterface
    private interface Handler {
        void run(String args) throws Exception;
    }

    /** A user mistake: printed as one line. */
    static final class UserError extends Exception {
        private static final long serialVersionUID = 1L;

        UserError(String message) {
            super(message);
        }
    }

    static final List<String> INFO_TOPICS = List.of("registers", "break", "gdt", "idt", "tss", "devices", "pic",
            "pit", "uart", "virtio", "usernet", "counters", "symbols", "trace");

    private final Debugger debugger;
    private final Symbols symbols;
    private final PrintWriter out;
    private final Map<String, Command> commands = new LinkedHashMap<>();
    private final Tracer tracer;
    private int lastDisas = -1;
    private int lastDisasEip = -1;
    /** Where the last {@code stats} left off; -1 before the first, which measures from the machine's start. */
    private long statsInstructions = -1;
    private long statsNanos;
    private volatile boolean quit;

    public Monitor(Debugger debugger, Symbols symbols, PrintWriter out) {
        this.debugger = debugger;
        this.symbols = symbols;
        this.out = out;
        this.tracer = new Tracer(debugger, symbols, out);
        add("help", "[COMMAND]", "list the commands, or explain one", this::help);
        add("info", "TOPIC", "show state: " + String.join(", ", INFO_TOPICS), this::info);
        add("x", "/NFU ADDR", "examine virtual memory: N units, format x d u o c s i, unit b h w g", a -> examine(a, false));
        add("xp", "/NFU ADDR", "examine physical memory (same formats as x)", a -> examine(a, true));
        add("disas", "[ADDR] [N]", "disassemble N (10) instructions at ADDR (EIP, or where the last disas stopped)", this::disas);
        add("break", "ADDR|SYMBOL", "set a breakpoint (b)", this::breakpoint);
        add("delete", "[N|all]", "delete breakpoint N (as numbered by info break), or all", this::delete);
        add("step", "[N]", "execute N (1) instructions and stop (s, si)", this::step);
        add("continue", "", "let the guest run (c)", a -> cont());
        add("stop", "", "pause the guest", a -> stop());
        add("pagewalk", "VADDR", "walk the guest's page tables for VADDR, level by level", this::pagewalk);
        add("trace", "insn|int|exc|hypercall|io|mmio on|off [-f] [FILE]",
                "trace events to the monitor or a new file (-f: overwrite an existing one)", this::trace);
        add("stats", "", "instructions executed, MIPS since the last stats, and what the CPU does not report", a -> stats());
        add("print", "EXPR", "evaluate an address expression (p): 0x.., decimal, symbol, $reg, joined by + -", this::print);
        add("savevm", "FILE", "save the whole machine to FILE (docs/snapshots.md)", this::savevm);
        add("loadvm", "[-f] FILE", "restore the machine saved in FILE (-f: even onto disks that changed since)", this::loadvm);
        add("system_reset", "", "reset the machine (the kernel boots again)", a -> reset());
        add("quit", "", "end jlguest (q)", a -> quitCommand());
    }

    private void add(String name, String args, String help, Handler h) {
        commands.put(name, new Command(name, args, help, h));
    }

    /** Command names, for completion. */
    public List<String> commandNames() {
        return new ArrayList<>(commands.keySet());
    }

    public Symbols symbols() {
        return symbols;
    }

    /** True once "quit" ran. */
    public boolean quitRequested() {
        return quit;
    }

    /** Runs one line; all output (errors included) goes to the monitor's writer. */
    public void execute(String line) {
        String l = line.trim();
        if (l.isEmpty()) {
            return;
        }
        String name = l.split("[\\s/]", 2)[0];
        String args = l.substring(name.length()).trim();
        name = switch (name) {
            case "c", "cont" -> "continue";
            case "s", "si", "stepi" -> "step";
            case "b", "br" -> "break";
            case "d" -> "delete";
            case "q" -> "quit";
            case "p" -> "print";
            case "i" -> "info";
            default -> name;
        };
        Command c = commands.get(name);
        try {
            if (c == null) {
                throw new UserError("unknown command '" + name + "': try help");
            }
            c.handler.run(args);
        } catch (UserError | Expressions.BadExpression | GuestMemory.Inaccessible e) {
            out.println("error: " + e.getMessage());
        } catch (IOException e) {
            out.println("error: " + e.getMessage());
        } catch (Exception e) {
            out.println("error: " + e);    // a bug in the monitor; the guest is not affected
        }
        out.flush();
    }

    private Cpu cpu() {
        return debugger.cpu();
    }

    private GuestMemory memory() {
        return new GuestMemory(cpu(), debugger.machine().ram());
    }

    int address(String text) throws Expressions.BadExpression {
        return Expressions.parse(text, cpu(), symbols);
    }

    // ---- commands -----------------------------------------------------------------------------

    private void help(String args) {
        if (!args.isEmpty()) {
            Command c = commands.get(args);
            if (c == null) {
                out.println("no command '" + args + "'");
            } else {
                out.println(c.name + " " + c.args + "\n    " + c.help);
            }
            return;
        }
        for (Command c : commands.values()) {
            out.printf("%-34s %s%n", c.name + " " + c.args, c.help);
        }
        out.println("Addresses: 0xHEX, decimal, symbol, $reg, and sums: start_kernel+0x10, $esp+8.");
    }

    private void info(String topic) throws Exception {
        switch (topic) {
            case "registers", "r", "reg" -> out.print(RegisterView.show(cpu(), symbols));
            case "break", "b" -> {
                List<Integer> bps = debugger.breakpoints();
                if (bps.isEmpty()) {
                    out.println("no breakpoints");
                }
                for (int i = 0; i < bps.size(); i++) {
                    out.printf("%d: %s%n", i + 1, symbols.format(bps.get(i)));
                }
            }
            case "gdt" -> table(cpu().descriptorTables()[0], cpu().descriptorTables()[1], false);
            case "idt" -> table(cpu().descriptorTables()[2], cpu().descriptorTables()[3], true);
            case "tss" -> tss();
            case "devices", "pit", "pic", "uart", "rtc" -> devices(topic);
            case "virtio" -> out.print(debugger.machine().virtio().describe());
            case "usernet" -> usernet();
            case "counters" -> counters();
            case "symbols" -> out.println(symbols.size() + " symbols");
            case "trace" -> out.print(tracer.status());
            default -> throw new UserError("info what? " + String.join(", ", INFO_TOPICS));
        }
    }

    /** {@code info usernet}: the NAT table of every {@code --net=user} device, as QEMU's HMP shows it. */
    private void usernet() {
        boolean any = false;
        var virtio = debugger.machine().virtio();
        for (int i = 0; i < virtio.size(); i++) {
            if (virtio.device(i) instanceof jlguest.devices.virtio.net.VirtioNet n && n.backend().table() != null) {
                out.println(virtio.name(i) + ":");
                out.print(n.backend().table());
                any = true;
            }
        }
        if (!any) {
            out.println("no user-mode network (--net=user)");
        }
    }

    private void table(int base, int limit, boolean idt) throws GuestMemory.Inaccessible {
        GuestMemory mem = memory();
        int entries = (limit + 1) / 8;
        out.printf("%s base=0x%08x limit=0x%04x (%d entries)%n", idt ? "IDT" : "GDT", base, limit, entries);
        for (int i = 0; i < entries; i++) {
            long d = mem.read(base + i * 8, 8, false);
            if (d == 0 && idt) {
                continue;
            }
            String text = Descriptors.describe(d);
            if (idt && text.contains("gate ")) {
                int off = (int) ((d >>> 32) & 0xFFFF0000L | d & 0xFFFF);
                String name = symbols.describe(off);
                text += name == null ? "" : " <" + name + ">";
            }
            out.printf(idt ? "%3d 0x%02x: %s%n" : "%3d sel 0x%02x: %s%n", i, idt ? i : i * 8, text);
        }
    }

    private void tss() throws GuestMemory.Inaccessible {
        int[] t = cpu().descriptorTables();
        if ((t[7] & 0xFFFC) == 0) {
            out.println("no task register loaded (TR=0)");
            return;
        }
        out.printf("TR=0x%04x base=0x%08x limit=0x%x%n", t[7], t[8], t[9]);
        int[] dw = new int[26];
        GuestMemory mem = memory();
        for (int i = 0; i < dw.length; i++) {
            dw[i] = (int) mem.read(t[8] + i * 4, 4, false);
        }
        out.print(Descriptors.describeTss(dw));
    }

    private void devices(String which) {
        Map<String, String> all = debugger.machine().describeDevices();
        boolean found = false;
        for (Map.Entry<String, String> e : all.entrySet()) {
            if (which.equals("devices") || which.equals(e.getKey())) {
                out.println(e.getKey() + ":");
                e.getValue().lines().forEach(l -> out.println("  " + l));
                found = true;
            }
        }
        if (!found) {
            out.println(which + ": this device has no describe() on this branch yet");
        }
    }

    // exercise:04 Add a `watch ADDR` command: stop the guest when the 4-byte value at a virtual address
    // changes, and print "watch ADDR: OLD -> NEW" with the EIP that changed it. Hint: the debugger has
    // data watchpoints already (Debugger.addWatchpoint, what gdb's Z2 uses; stops come with Reason.WATCH):
    // remember the old value through GuestMemory, and compare when the stop listener hears of the hit.
    // Test: ExercisesTest.exercise04Watch.
    private void counters() {
        Machine.Counters c = debugger.machine().counters();
        out.printf("interrupts %d%nhypercalls %d%n", c.interrupts, c.hypercalls);
        String[] names = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "9", "#TS", "#NP", "#SS",
            "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM"};
        for (int v = 0; v < 32; v++) {
            if (c.exceptions[v] != 0) {
                out.printf("exception %-4s %d%n", v < names.length ? names[v] : String.valueOf(v), c.exceptions[v]);
            }
        }
    }

    private void examine(String args, boolean phys) throws Exception {
        int count = 1;
        char format = 'x';
        int unit = 4;
        String rest = args;
        if (rest.startsWith("/")) {
            int sp = rest.indexOf(' ');
            String f = sp < 0 ? rest.substring(1) : rest.substring(1, sp);
            rest = sp < 0 ? "" : rest.substring(sp + 1);
            int i = 0;
            while (i < f.length() && Character.isDigit(f.charAt(i))) {
                i++;
            }
            if (i > 0) {
                try {
                    count = Integer.parseInt(f.substring(0, i));
                } catch (NumberFormatException e) {   // found by MonitorHardeningTest's long fuzz
                    throw new UserError("count " + f.substring(0, i) + " is too large");
                }
            }
            for (char ch : f.substring(i).toCharArray()) {
                switch (ch) {
                    case 'b' -> unit = 1;
                    case 'h' -> unit = 2;
                    case 'w' -> unit = 4;
                    case 'g' -> unit = 8;
                    case 'x', 'd', 'u', 'o', 'c', 's', 'i' -> format = ch;
                    default -> throw new UserError("unknown format letter '" + ch + "' (formats x d u o c s i, units b h w g)");
                }
            }
        }
        int addr = address(rest);
        GuestMemory mem = memory();
        if (format == 'i') {
            disassemble(mem, addr, count, phys);
            return;
        }
        if (format == 's') {
            for (int i = 0; i < count; i++) {
                String s = mem.string(addr, 4096, phys);
                out.printf("%s: \"%s\"%n", where(addr, phys), s);
                addr += s.length() + 1;
            }
            return;
        }
        if (format == 'c') {
            unit = 1;
        }
        int perLine = format == 'c' ? 16 : 16 / unit;
        for (int i = 0; i < count; i++) {
            long v = mem.read(addr + i * unit, unit, phys);
            if (i % perLine == 0) {
                if (i > 0) {
                    out.println();
                }
                out.print(where(addr + i * unit, phys) + ":");
            }
            out.print(' ');
            out.print(switch (format) {
                case 'd' -> String.valueOf(unit == 8 ? v : unit == 4 ? (int) v : unit == 2 ? (short) v : (byte) v);
                case 'u' -> String.valueOf(v);
                case 'o' -> "0" + Long.toOctalString(v);
                case 'c' -> v >= 0x20 && v < 0x7F ? "'" + (char) v + "'" : String.format("\\x%02x", v);
                default -> String.format("0x%0" + unit * 2 + "x", v);
            });
        }
        out.println();
    }

    private String where(int addr, boolean phys) {
        if (phys) {
            return String.format("%08x", addr);
        }
        String name = symbols.describe(addr);
        return name == null ? String.format("%08x", addr) : String.format("%08x <%s>", addr, name);
    }

    private void disassemble(GuestMemory mem, int addr, int count, boolean phys) throws UserError {
        List<Instruction> list = Disassembler.decode(mem.code(phys), addr, count);
        if (list.isEmpty()) {
            throw new UserError(String.format("0x%08x: not mapped", addr));
        }
        int eip = cpu().eip();
        for (Instruction insn : list) {
            String name = phys ? null : symbols.describe(insn.address());
            if (name != null && !name.contains("+")) {
                out.println(name + ":");
            }
            out.printf("%s %08x:  %-21s %s%n", insn.address() == eip && !phys ? "=>" : "  ", insn.address(), insn.hex(),
                    insn.text(symbols::describe));
            lastDisas = insn.address() + insn.length();
        }
        if (list.size() < count) {
            out.printf("0x%08x: not mapped%n", lastDisas);
        }
    }

    private void disas(String args) throws Exception {
        String[] a = args.isEmpty() ? new String[0] : args.split("\\s+");
        // With no address: where the last listing stopped, while EIP stays where it was; else EIP.
        int eip = cpu().eip();
        int addr = a.length > 0 ? address(a[0]) : lastDisas != -1 && eip == lastDisasEip ? lastDisas : eip;
        lastDisasEip = eip;
        int n = a.length > 1 ? count(a[1]) : 10;
        disassemble(memory(), addr, n, false);
    }

    private static int count(String s) throws UserError {
        try {
            int n = Integer.decode(s);
            if (n <= 0 || n > 100_000_000) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UserError("'" + s + "' is not a count");
        }
    }

    private void breakpoint(String args) throws Exception {
        int a = address(args);
        if (debugger.addBreakpoint(a)) {
            out.println("breakpoint at " + symbols.format(a));
        } else {
            out.println("already a breakpoint at " + symbols.format(a));
        }
    }

    private void delete(String args) throws Exception {
        List<Integer> bps = debugger.breakpoints();
        if (args.isEmpty() || args.equals("all")) {
            debugger.clearBreakpoints();
            out.println(bps.size() + " breakpoint(s) deleted");
            return;
        }
        int n = count(args);
        if (n > bps.size()) {
            throw new UserError("no breakpoint " + n + " (see info break)");
        }
        debugger.removeBreakpoint(bps.get(n - 1));
        out.println("deleted breakpoint at " + symbols.format(bps.get(n - 1)));
    }

    private void step(String args) throws Exception {
        long n = args.isEmpty() ? 1 : count(args);
        if (!debugger.isPaused() && !debugger.pause(2000)) {
            throw new UserError("the guest did not stop");
        }
        if (!debugger.step(n, 60_000)) {
            out.println("still stepping after a minute (the guest may be halted waiting for an interrupt); use stop");
            return;
        }
        disassemble(memory(), cpu().eip(), 1, false);
    }

    private void cont() {
        if (!debugger.isPaused()) {
            out.println("the guest is running");
            return;
        }
        debugger.resume();
    }

    private void stop() {
        if (debugger.isPaused()) {
            out.println("the guest is already paused");
            return;
        }
        if (!debugger.pause(2000)) {
            out.println("asked the guest to stop; it has not yet");
        }
    }

    private void pagewalk(String args) throws Exception {
        int va = address(args);
        out.print(PageWalk.explain(cpu(), debugger.machine().ram(), va));
    }

    private void trace(String args) throws Exception {
        // "-f" anywhere lets the trace overwrite an existing file; without it we never clobber one
        // (whoever reaches a TCP monitor must not be able to truncate this user's files).
        boolean force = (" " + args + " ").contains(" -f ");
        String[] a = (" " + args + " ").replace(" -f ", " ").trim().split("\\s+");
        if (a.length < 2 || !a[1].equals("on") && !a[1].equals("off")) {
            throw new UserError("usage: trace insn|int|exc|hypercall|io|mmio on|off [-f] [FILE]");
        }
        Tracer.Kind kind = switch (a[0]) {
            case "insn" -> Tracer.Kind.INSN;
            case "int" -> Tracer.Kind.INT;
            case "exc" -> Tracer.Kind.EXC;
            case "hypercall" -> Tracer.Kind.HYPERCALL;
            case "io" -> Tracer.Kind.IO;
            case "mmio" -> Tracer.Kind.MMIO;
            default -> throw new UserError("trace what? insn, int, exc, hypercall, io, mmio");
        };
        try {
            tracer.set(kind, a[1].equals("on"), a.length > 2 ? Path.of(a[2]) : null, force);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new UserError(a[2] + " exists: trace " + a[0] + " on -f " + a[2] + " overwrites it");
        }
        out.println(a[0] + " tracing " + a[1] + (a.length > 2 && a[1].equals("on") ? " to " + a[2] : ""));
    }

    private static double percent(long part, long whole) {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }

    private void stats() {
        long n = cpu().instructions();
        long now = System.nanoTime();
        if (statsInstructions < 0 || n < statsInstructions) {
            // The first stats (or the first after a reboot made a new CPU) measures from the
            // machine's start, not from when this monitor opened: a monitor opened after a 14 s
            // boot would otherwise divide the whole boot by a moment.
            statsInstructions = 0;
            statsNanos = debugger.attachedNanos();
        }
        double secs = (now - statsNanos) / 1e9;
        out.printf("instructions executed  %,d%n", n);
        out.printf("since the last stats   %,d in %.2f s = %.1f MIPS%s%n", n - statsInstructions, secs,
                secs > 0 ? (n - statsInstructions) / secs / 1e6 : 0.0, debugger.isPaused() ? " (paused now)" : "");
        jlguest.cpu.Cpu.Statistics st = cpu().statistics();
        long blocks = st.blocksChained() + st.blockLookups();
        out.printf("blocks run             %,d: %.2f%% chained, %.2f%% from the cache, %.3f%% decoded%n", blocks,
                percent(st.blocksChained(), blocks), percent(st.blockLookups() - st.blockDecodes(), blocks),
                percent(st.blockDecodes(), blocks));
        out.printf("block cache hit rate   %.3f%%%n", 100 - percent(st.blockDecodes(), blocks));
        out.printf("TLB misses (walks)     %,d, %.1f per million instructions%n", st.pageWalks(),
                n == 0 ? 0.0 : st.pageWalks() * 1e6 / n);
        statsInstructions = n;
        statsNanos = now;
    }

    private void print(String args) throws Exception {
        int v = address(args);
        String name = symbols.describe(v);
        // Addresses are unsigned: 0xc0414844 is 3225503812, never a negative number.
        out.printf("0x%08x (%s)%s%n", v, Integer.toUnsignedString(v), name == null ? "" : " <" + name + ">");
    }

    private void savevm(String args) throws Exception {
        if (args.isEmpty()) {
            throw new UserError("usage: savevm FILE");
        }
        Path file = Path.of(args);
        try {
            SnapshotCommands.save(debugger, file);
        } catch (StateException e) {
            throw new UserError(e.getMessage());
        }
        out.println("saved the machine to " + file.toAbsolutePath() + " (" + Files.size(file) / 1024 + " KiB)");
    }

    private void loadvm(String args) throws Exception {
        boolean force = args.startsWith("-f ");
        String name = force ? args.substring(3).trim() : args;
        if (name.isEmpty()) {
            throw new UserError("usage: loadvm [-f] FILE");
        }
        try {
            SnapshotCommands.load(debugger, Path.of(name), force);
        } catch (StateException e) {
            throw new UserError(name + ": " + e.getMessage());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserError(name + ": no such file");
        }
        out.printf("restored the machine from %s (EIP %08x, %,d instructions)%n", name, cpu().eip(),
                cpu().instructions());
    }

    private void reset() {
        debugger.machine().request(Machine.Ending.REBOOT, 0, "system_reset from the monitor");
        if (debugger.isPaused()) {
            debugger.resume();
        }
    }

    private void quitCommand() {
        quit = true;
        debugger.machine().request(Machine.Ending.QUIT, 0, null);
        debugger.resume();
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
