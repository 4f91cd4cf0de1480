package jlguest.usernet;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;

/**
 * A tiny DNS server on 127.0.0.1 for tests (they may not reach a real resolver): every A query
 * is answered with 127.0.0.1, every other query with no answer, and "nxdomain.test" with NXDOMAIN.
 */
public final class TinyDns implements AutoCloseable {
    private final DatagramSocket socket;

    public TinyDns() throws Exception {
        socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        Thread thread = new Thread(this::serve, "tiny dns");
        thread.setDaemon(true);
        thread.start();
    }

    private void serve() {
        byte[] b = new byte[512];
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(b, b.length);
                socket.receive(p);
                int len = p.getLength();
                if (len < 17) {
                    continue;
                }
                int q = 12;
                while (q < len && b[q] != 0) {
                    q += (b[q] & 0xFF) + 1;
                }
                int type = q + 2 < len ? Packets.u16(b, q + 1) : 0;
                boolean a = type == 1;
                byte[] r = java.util.Arrays.copyOf(b, len + (a ? 16 : 0));
                r[2] = (byte) (0x80 | (b[2] & 1));   // a response, echoing "recursion desired"
                r[3] = (byte) 0x80;                   // recursion available, no error
                Packets.put16(r, 6, a ? 1 : 0);
                Packets.put16(r, 8, 0);
                Packets.put16(r, 10, 0);
                if (a) {
                    byte[] ans = {(byte) 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
                    System.arraycopy(ans, 0, r, len, 16);
                }
                socket.send(new DatagramPacket(r, r.length, p.getSocketAddress()));
            } catch (Exception e) {
                return;
            }
        }
    }

    public int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() {
        socket.close();
    }
}
