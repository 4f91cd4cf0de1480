package jlguest.monitor;

import java.io.IOError;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

import jlguest.debug.Debugger;

/**
 * The monitor on a TCP port ({@code --monitor=tcp:HOST:PORT[,secret[=FILE]]}): one client at a time.
 *
 * <p>tour:monitor:120 Whoever reaches the monitor can stop the guest, rewrite its memory and make
 * jlguest write files, so the port is guarded. We listen only where asked; on an address other
 * than loopback we say loudly that other hosts can reach us, and require a secret: a random token
 * printed at start, or the first line of a file named with {@code ,secret=FILE}; {@code ,secret}
 * asks for a token on loopback too. A client types the secret as its first line (compared in
 * constant time) or is disconnected. A client that leaves, politely or with a reset and output
 * unread, only ends its own session: the next one is served (MonitorServerTest).
 */
public final class MonitorServer {
    /** Longest first line we read from a client before it has given the secret. */
    static final int MAX_SECRET_LINE = 256;
    /** How long a client may take to give the secret. */
    static final int SECRET_TIMEOUT_MILLIS = 30_000;

    private final ServerSocket server;
    private final byte[] secret;
    private final Debugger debugger;
    private final MonitorConsole.MonitorFactory factory;
    private final PrintStream err;

    private MonitorServer(ServerSocket server, byte[] secret, Debugger debugger, MonitorConsole.MonitorFactory factory,
                          PrintStream err) {
        this.server = server;
        this.secret = secret;
        this.debugger = debugger;
        this.factory = factory;
        this.err = err;
    }

    /**
     * Listens on {@code host:port} and serves clients on a daemon thread. The secret is the first
     * line of {@code secretFile} when given, else a token made here when {@code secretWanted} or
     * the address is not loopback, else none. Tells {@code err} where we listen, warns when the
     * address is not loopback, and prints a token made here. Every failure is an IOException with
     * a one-line message.
     */
    public static MonitorServer listen(String host, int port, boolean secretWanted, Path secretFile, Debugger debugger,
                                       MonitorConsole.MonitorFactory factory, PrintStream err) throws IOException {
        byte[] secret = null;
        if (secretFile != null) {
            secret = readSecret(secretFile);
        }
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot listen for the monitor on " + host + ":" + port + ": " + e.getMessage());
        }
        boolean loopback = s.getInetAddress().isLoopbackAddress();
        String where = host + ":" + s.getLocalPort();
        err.println("lguest: monitor listening on " + where);
        if (!loopback) {
            err.println("lguest: warning: the monitor on " + where + " is reachable from other hosts;"
                    + " whoever connects controls the guest and can write files as this user");
        }
        if (secret == null && (secretWanted || !loopback)) {
            byte[] token = new byte[16];
            new SecureRandom().nextBytes(token);
            String hex = HexFormat.of().formatHex(token);
            secret = hex.getBytes(StandardCharsets.US_ASCII);
            err.println("lguest: monitor token (a client types it first): " + hex);
        }
        MonitorServer m = new MonitorServer(s, secret, debugger, factory, err);
        Thread t = new Thread(m::serve, "monitor-tcp");
        t.setDaemon(true);
        t.start();
        return m;
    }

    /** The first line of a small regular file, as the secret. */
    private static byte[] readSecret(Path file) throws IOException {
        String name = "--monitor secret file " + file;
        if (!Files.isRegularFile(file)) {
            throw new IOException(name + ": not a regular file");
        }
        if (Files.size(file) > 4096) {
            throw new IOException(name + ": longer than 4096 bytes");
        }
        String first = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
        if (first.isEmpty()) {
            throw new IOException(name + ": the first line is empty");
        }
        return first.getBytes(StandardCharsets.UTF_8);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** True when clients must give a secret first. */
    public boolean needsSecret() {
        return secret != null;
    }

    public void close() throws IOException {
        server.close();
    }

    private void serve() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;   // closed
            }
            boolean quit = false;
            try {
                if (secret != null && !admitted(s)) {
                    continue;
                }
                MonitorConsole c = MonitorConsole.over(s.getInputStream(), s.getOutputStream(), true, debugger, factory);
                c.run();
                quit = c.monitor().quitRequested();
            } catch (IOException | RuntimeException | IOError e) {
                // the client went away (a reset with output unread surfaces here): serve the next one
            } finally {
                if (!quit) {   // on quit the process ends: closing now would only upset jline's pump thread
                    try {
                        s.close();
                    } catch (IOException e) {
                        // gone already
                    }
                }
            }
        }
    }

    /** Asks for the secret; true when the client's first line matches it. */
    private boolean admitted(Socket s) throws IOException {
        s.setSoTimeout(SECRET_TIMEOUT_MILLIS);
        OutputStream out = s.getOutputStream();
        out.write("jlguest monitor: secret? ".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] line = new byte[MAX_SECRET_LINE];
        int n = 0;
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (n == line.length) {
                break;
            }
            line[n++] = (byte) c;
        }
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        byte[] given = java.util.Arrays.copyOf(line, n);
        if (!MessageDigest.isEqual(given, secret)) {
            out.write("wrong secret\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            err.println("lguest: monitor: refused a client from " + s.getInetAddress().getHostAddress()
                    + " (wrong secret)");
            return false;
        }
        s.setSoTimeout(0);
        return true;
    }
}
