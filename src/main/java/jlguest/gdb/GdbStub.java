package jlguest.gdb;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import jlguest.cpu.Cpu;
import jlguest.machine.Machine;
import jlguest.debug.Debugger;
import jlguest.debug.GuestMemory;

/**
 * A GDB remote serial protocol stub: gdb attaches over TCP and debugs the guest kernel.
 *
 * <p>tour:monitor:100 The protocol is plain text in small envelopes: {@code $packet#checksum},
 * acknowledged with {@code +}. gdb asks ({@code g}: all registers, {@code m addr,len}: memory,
 * {@code Z0,addr,kind}: set a breakpoint, {@code c}: continue, {@code s}: step) and we answer; when
 * the guest stops we send a stop reply ({@code T05}: SIGTRAP). A lone 0x03 byte on the wire is
 * gdb's Ctrl-C. Everything goes through the {@link Debugger}, so gdb and the monitor see the same
 * breakpoints and the same paused guest; memory goes through the guest's page tables without
 * side effects ({@link GuestMemory}), and breakpoints never patch guest memory.
 *
 * <p>tour:monitor:105 Whoever reaches the port may send anything, so every packet gets an answer
 * or is dropped, never an exception: a packet longer than the {@link #MAX_PACKET} we advertise is
 * dropped with {@code E01}, a malformed one answers {@code E01}, and an {@code M} whose length does
 * not match its data is refused before anything is allocated. The stub thread outlives any client
 * (GdbHardeningTest, and a random-packet fuzzer).
 */
public final class GdbStub implements Runnable {
    /** The PacketSize we advertise in qSupported (0x4000 bytes); longer packets are dropped. */
    static final int MAX_PACKET = 0x4000;
    /** Reply to a packet we cannot parse. */
    static final String MALFORMED = "E01";
    private final ServerSocket server;
    private final Debugger debugger;
    private final java.io.PrintStream log;
    private OutputStream out;
    private volatile boolean waitingForStop;

    private GdbStub(ServerSocket server, Debugger debugger, java.io.PrintStream log) {
        this.server = server;
        this.debugger = debugger;
        this.log = log;
        debugger.addStopListener((reason, eip) -> {
            if (waitingForStop) {
                waitingForStop = false;
                // Ctrl-C (a pause we were asked for) is SIGINT, as QEMU reports it; the rest SIGTRAP.
                send(switch (reason) {
                    case REQUEST -> "T02thread:01;";
                    case WATCH -> watchStop(debugger.lastWatch());
                    default -> "T05thread:01;";
                });
            }
        });
    }

    /**
     * Listens on {@code host:port}. Throws IOException with a one-line message when the port is
     * busy or the address is wrong.
     */
    public static GdbStub listen(String host, int port, Debugger debugger, java.io.PrintStream log) throws IOException {
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot listen for gdb on " + host + ":" + port + ": " + e.getMessage());
        }
        return new GdbStub(s, debugger, log);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** False when other hosts may reach the stub (the launcher then warns). */
    public boolean loopback() {
        return server.getInetAddress().isLoopbackAddress();
    }

    public Thread start() {
        Thread t = new Thread(this, "gdb-stub");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public void run() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setTcpNoDelay(true);
                serve(new BufferedInputStream(s.getInputStream()), s.getOutputStream());
            } catch (IOException e) {
                // the client went away: wait for the next one
            } catch (RuntimeException e) {
                // a bug of ours, not the client's: keep serving the next one
                if (log != null) {
                    log.println("lguest: gdb stub: " + e);
                }
            } finally {
                waitingForStop = false;
                out = null;
                forgetSession();
            }
        }
    }

    private void serve(InputStream in, OutputStream o) throws IOException {
        out = o;
        debugger.pause(5000);   // attaching stops the guest, as with any debugger
        StringBuilder packet = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == 0x03) {               // Ctrl-C
                debugger.requestPause();
                continue;
            }
            if (c != '$') {
                continue;                  // acks (+, -) and noise
            }
            packet.setLength(0);
            boolean tooLong = false;
            while ((c = in.read()) >= 0 && c != '#') {
                if (packet.length() < MAX_PACKET) {
                    packet.append((char) c);
                } else {
                    tooLong = true;        // keep reading to the '#', keep nothing
                }
            }
            in.read();
            in.read();                     // checksum: TCP already guarantees the bytes
            synchronized (this) {
                o.write('+');
                o.flush();
            }
            if (tooLong) {
                send(MALFORMED);
            } else if (!handle(packet.toString())) {
                return;
            }
        }
    }

    /** Handles one packet; false ends the session. A packet we cannot parse answers {@code E01}. */
    private boolean handle(String p) {
        try {
            return dispatch(p);
        } catch (RuntimeException e) {   // NumberFormatException, a missing field, ...
            send(MALFORMED);
            return true;
        }
    }

    private boolean dispatch(String p) {
        Machine m = debugger.machine();
        Cpu cpu = debugger.cpu();
        char cmd = p.isEmpty() ? ' ' : p.charAt(0);
        switch (cmd) {
            case '?' -> send("S05");
            case 'g' -> send(registers(cpu));
            case 'G' -> {
                setRegisters(cpu, p.substring(1));
                send("OK");
            }
            case 'p' -> {
                int n = Integer.parseUnsignedInt(p.substring(1), 16);
                send(Integer.compareUnsigned(n, TargetDescription.count()) < 0 ? register(cpu, n) : "E00");
            }
            case 'P' -> {
                int eq = p.indexOf('=');
                int n = Integer.parseUnsignedInt(p.substring(1, eq), 16);
                if (Integer.compareUnsigned(n, TargetDescription.count()) >= 0) {
                    send("E00");
                    return true;
                }
                setRegister(cpu, n, (int) Long.parseLong(swap(p.substring(eq + 1, Math.min(p.length(), eq + 9))), 16));
                send("OK");
            }
            case 'm' -> send(readMemory(cpu, m, p.substring(1)));
            case 'M' -> send(writeMemory(cpu, m, p.substring(1)));
            case 'c' -> resume(false);
            case 's' -> resume(true);
            case 'Z', 'z' -> breakpoint(p);
            case 'D' -> {
                send("OK");
                return false;      // forgetSession() removes gdb's breakpoints and lets the guest run
            }
            case 'k' -> {
                m.request(Machine.Ending.QUIT, 0, "killed by gdb");
                debugger.resume();
                return false;
            }
            case 'H', 'T' -> send("OK");
            case 'v' -> vPacket(p);
            case 'q' -> query(p);
            default -> send("");
        }
        return true;
    }

    private void vPacket(String p) {
        if (p.equals("vCont?")) {
            send("vCont;c;C;s;S;t");
        } else if (p.startsWith("vCont;")) {
            String action = p.substring(6);
            char a = action.charAt(0);
            if (a == 's' || a == 'S') {
                resume(true);
            } else if (a == 'c' || a == 'C') {
                resume(false);
            } else if (a == 't') {
                waitingForStop = true;
                debugger.requestPause();
            } else {
                send("");
            }
        } else {
            send("");
        }
    }

    private void query(String p) {
        if (p.startsWith("qSupported")) {
            send("PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+");
        } else if (p.startsWith("qXfer:features:read:target.xml:")) {
            String[] range = p.substring("qXfer:features:read:target.xml:".length()).split(",");
            int off = Integer.parseInt(range[0], 16);
            int len = Integer.parseInt(range[1], 16);
            String xml = TargetDescription.XML;
            if (off >= xml.length()) {
                send("l");
            } else {
                int end = Math.min(xml.length(), off + len);
                send((end == xml.length() ? "l" : "m") + xml.substring(off, end));
            }
        } else if (p.equals("qC")) {
            send("QC01");
        } else if (p.equals("qAttached")) {
            send("1");
        } else if (p.equals("qfThreadInfo")) {
            send("m01");
        } else if (p.equals("qsThreadInfo")) {
            send("l");
        } else if (p.startsWith("qSymbol")) {
            send("OK");
        } else {
            send("");
        }
    }

    private void resume(boolean step) {
        waitingForStop = true;
        if (!debugger.isPaused()) {
            return;    // already running: the stop reply comes when it stops
        }
        if (step) {
            debugger.startStep(1);
        } else {
            debugger.resume();
        }
    }

    private void breakpoint(String p) {
        String[] f = p.substring(1).split(",");
        if (f[0].equals("2") || f[0].equals("3") || f[0].equals("4")) {
            watchpoint(p.charAt(0) == 'Z', f);
            return;
        }
        if (!f[0].equals("0") && !f[0].equals("1")) {
            send("");     // not a kind we know
            return;
        }
        int addr = (int) Long.parseLong(f[1], 16);
        if (p.charAt(0) == 'Z') {
            debugger.addBreakpoint(addr);
            sessionBreakpoints.add(addr);
        } else {
            debugger.removeBreakpoint(addr);
            sessionBreakpoints.remove(addr);
        }
        send("OK");
    }

    /**
     * Z2 (write), Z3 (read), Z4 (access) ADDR,LEN: data watchpoints on linear addresses, on the
     * memory path at no cost while none is set (jlguest.cpu.DataWatch).
     */
    private void watchpoint(boolean insert, String[] f) {
        Debugger.WatchKind kind = switch (f[0]) {
            case "2" -> Debugger.WatchKind.WRITE;
            case "3" -> Debugger.WatchKind.READ;
            default -> Debugger.WatchKind.ACCESS;
        };
        int addr = (int) Long.parseLong(f[1], 16);
        int len = Integer.parseInt(f[2], 16);
        if (len < 1 || len > 4096) {
            send("E01");
            return;
        }
        Debugger.Watchpoint w = new Debugger.Watchpoint(addr, len, kind);
        if (insert) {
            debugger.addWatchpoint(addr, len, kind);
            sessionWatchpoints.add(w);
        } else {
            debugger.removeWatchpoint(addr, len, kind);
            sessionWatchpoints.remove(w);
        }
        send("OK");
    }

    /** The stop reply for a watchpoint hit: gdb learns which kind and which address. */
    private static String watchStop(Debugger.Watchpoint w) {
        if (w == null) {
            return "T05thread:01;";
        }
        String what = switch (w.kind()) {
            case WRITE -> "watch";
            case READ -> "rwatch";
            case ACCESS -> "awatch";
        };
        return String.format("T05%s:%08x;thread:01;", what, w.address());
    }

    /** Watchpoints this gdb session set. */
    private final java.util.Set<Debugger.Watchpoint> sessionWatchpoints =
            java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Breakpoints this gdb session set (the monitor's own stay when gdb goes). */
    private final java.util.Set<Integer> sessionBreakpoints = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * gdb detached, or went away without a word (killed, a dropped connection): as QEMU does, its
     * breakpoints go and the guest runs on, rather than staying paused for a debugger that is gone.
     */
    private void forgetSession() {
        for (int a : sessionBreakpoints) {
            debugger.removeBreakpoint(a);
        }
        sessionBreakpoints.clear();
        for (Debugger.Watchpoint w : sessionWatchpoints) {
            debugger.removeWatchpoint(w.address(), w.length(), w.kind());
        }
        sessionWatchpoints.clear();
        debugger.resume();
    }

    // ---- registers ----------------------------------------------------------------------------

    private static int value(Cpu cpu, int n) {
        return switch (n) {
            case 0, 1, 2, 3, 4, 5, 6, 7 -> cpu.reg(n);
            case 8 -> cpu.eip();
            case 9 -> cpu.eflags();
            case 10 -> cpu.segSelector(1);    // cs
            case 11 -> cpu.segSelector(2);    // ss
            case 12 -> cpu.segSelector(3);    // ds
            case 13 -> cpu.segSelector(0);    // es
            case 14 -> cpu.segSelector(4);    // fs
            case 15 -> cpu.segSelector(5);    // gs
            case 24, 25, 27, 28, 29, 30, 31 -> {
                int[] h = jlguest.cpu.fpu.MmxAlias.header(cpu.fpu());   // FCW FSW FTW FOP FIP FCS FDP FDS
                yield switch (n) {
                    case 24 -> h[0];
                    case 25 -> h[1];
                    case 27 -> h[5];
                    case 28 -> h[4];
                    case 29 -> h[7];
                    case 30 -> h[6];
                    default -> h[3];
                };
            }
            case 26 -> cpu.fpu().tagWord();
            case TargetDescription.MXCSR -> cpu.simd().mxcsr();
            default -> 0;
        };
    }

    private static String register(Cpu cpu, int n) {
        if (TargetDescription.size(n) == 10) {   // st(i): significand, then sign and exponent
            int i = n - 16;
            long m = jlguest.cpu.fpu.MmxAlias.stSig(cpu.fpu(), i);
            int se = jlguest.cpu.fpu.MmxAlias.stSe(cpu.fpu(), i);
            return le32((int) m) + le32((int) (m >>> 32)) + String.format("%02x%02x", se & 0xFF, (se >>> 8) & 0xFF);
        }
        if (TargetDescription.size(n) == 16) {
            long[] x = cpu.simd().xmm;
            int i = n - TargetDescription.XMM0;
            long lo = x[2 * i], hi = x[2 * i + 1];
            return le32((int) lo) + le32((int) (lo >>> 32)) + le32((int) hi) + le32((int) (hi >>> 32));
        }
        return le32(value(cpu, n));
    }

    private static String registers(Cpu cpu) {
        StringBuilder s = new StringBuilder();
        for (int n = 0; n < TargetDescription.count(); n++) {
            s.append(register(cpu, n));
        }
        return s.toString();
    }

    private static void setRegisters(Cpu cpu, String hex) {
        for (int n = 0; n < 10 && hex.length() >= (n + 1) * 8; n++) {
            setRegister(cpu, n, (int) Long.parseLong(swap(hex.substring(n * 8, n * 8 + 8)), 16));
        }
    }

    private static void setRegister(Cpu cpu, int n, int v) {
        if (n < 8) {
            cpu.setReg(n, v);
        } else if (n == 8) {
            cpu.setEip(v);
        } else if (n == 9) {
            cpu.setEflags(v);
        }   // segment and FPU registers: not writable from gdb (a selector load needs the GDT)
    }

    static String le32(int v) {
        return String.format("%02x%02x%02x%02x", v & 0xFF, (v >>> 8) & 0xFF, (v >>> 16) & 0xFF, v >>> 24);
    }

    /** Little-endian hex to big-endian hex (gdb sends register values in target byte order). */
    private static String swap(String le) {
        StringBuilder s = new StringBuilder();
        for (int i = le.length() - 2; i >= 0; i -= 2) {
            s.append(le, i, i + 2);
        }
        return s.toString();
    }

    // ---- memory -------------------------------------------------------------------------------

    private static String readMemory(Cpu cpu, Machine m, String args) {
        String[] f = args.split(",");
        int addr = (int) Long.parseLong(f[0], 16);
        long want = Long.parseUnsignedLong(f[1], 16);
        int len = (int) Math.min(want < 0 ? Long.MAX_VALUE : want, 0x1000);
        GuestMemory mem = new GuestMemory(cpu, m.ram());
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < len; i++) {
            try {
                s.append(String.format("%02x", mem.read8(addr + i, false)));
            } catch (GuestMemory.Inaccessible e) {
                return s.length() == 0 ? "E14" : s.toString();
            }
        }
        return s.toString();
    }

    private static String writeMemory(Cpu cpu, Machine m, String args) {
        int colon = args.indexOf(':');
        String[] f = args.substring(0, colon).split(",");
        int addr = (int) Long.parseLong(f[0], 16);
        long len = Long.parseUnsignedLong(f[1], 16);
        String hex = args.substring(colon + 1);
        if (len < 0 || len != hex.length() / 2 || hex.length() % 2 != 0) {
            return MALFORMED;   // the data must be exactly len bytes: a huge len allocates nothing
        }
        byte[] bytes = new byte[(int) len];
        for (int i = 0; i < len; i++) {
            bytes[i] = (byte) Integer.parseInt(hex.substring(i * 2, i * 2 + 2), 16);
        }
        try {
            new GuestMemory(cpu, m.ram()).write(addr, bytes, false);
            return "OK";
        } catch (GuestMemory.Inaccessible e) {
            return "E14";
        }
    }

    // ---- the wire -----------------------------------------------------------------------------

    private synchronized void send(String data) {
        OutputStream o = out;
        if (o == null) {
            return;
        }
        int sum = 0;
        StringBuilder s = new StringBuilder("$");
        for (char ch : data.toCharArray()) {
            if (ch == '#' || ch == '$' || ch == '}' || ch == '*') {
                s.append('}').append((char) (ch ^ 0x20));
                sum += '}' + (ch ^ 0x20);
            } else {
                s.append(ch);
                sum += ch;
            }
        }
        s.append('#').append(String.format("%02x", sum & 0xFF));
        try {
            o.write(s.toString().getBytes(StandardCharsets.ISO_8859_1));
            o.flush();
        } catch (IOException e) {
            if (log != null) {
                log.println("lguest: gdb connection lost: " + e.getMessage());
            }
        }
    }

    public void close() throws IOException {
        server.close();
    }
}
