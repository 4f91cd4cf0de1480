package jlguest.gdb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A gdb client's side of the wire, for tests: send a packet, read one, over a real socket. */
final class GdbWire implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;

    GdbWire(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    void send(String p) throws IOException {
        int sum = 0;
        for (char c : p.toCharArray()) {
            sum += c;
        }
        out.write(String.format("$%s#%02x", p, sum & 0xFF).getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    String read() throws IOException {
        int c;
        while ((c = in.read()) != '$') {
            if (c < 0) {
                throw new IOException("connection closed");
            }
        }
        StringBuilder s = new StringBuilder();
        while ((c = in.read()) != '#') {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            s.append((char) c);
        }
        in.read();
        in.read();
        return s.toString();
    }

    String exchange(String p) throws IOException {
        send(p);
        return read();
    }

    /** A stop reply (S05, T02thread:01; ...): what "?" answers. */
    static boolean isStopReply(String p) {
        return p.matches("[ST][0-9a-f]{2}.*");
    }

    /** Stops the guest if running (Ctrl-C), then asks "?" and reads until a stop reply. */
    void sync() throws IOException {
        out.write(3);
        send("?");
        for (int i = 0; i < 10_000; i++) {
            if (isStopReply(read())) {
                return;
            }
        }
        throw new IOException("no answer to ?");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
