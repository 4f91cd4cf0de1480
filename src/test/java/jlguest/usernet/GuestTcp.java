package jlguest.usernet;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A guest-side TCP for tests, small and strict: it connects from {@link TestGuest#IP}, sends its
 * bytes within the NAT's window (going back on a timeout), acknowledges what arrives in order,
 * and checks every frame's checksums.
 */
final class GuestTcp {
    final TestGuest g;
    final int port;
    final int dst;
    final int dport;
    final LinkedBlockingQueue<byte[]> q = new LinkedBlockingQueue<>();
    final int iss = 1000;
    int rcvNxt;
    int peerWnd;
    int window = 65535;
    /** Offer window scaling in the SYN (as Linux does); without it the NAT's window stays under 64 KiB. */
    boolean scales = true;

    GuestTcp(TestGuest g, int port, int dst, int dport) {
        this.g = g;
        this.port = port;
        this.dst = dst;
        this.dport = dport;
        g.byPort.put(port, q);
    }

    byte[] next(long millis) throws InterruptedException {
        byte[] f = q.poll(millis, TimeUnit.MILLISECONDS);
        if (f != null && !TestGuest.checksumsOk(f)) {
            throw new AssertionError("bad checksum from the NAT");
        }
        return f;
    }

    void sendSyn() {
        byte[] opts = scales ? new byte[] {2, 4, 0x05, (byte) 0xB4, 1, 3, 3, 0} : new byte[] {2, 4, 0x05, (byte) 0xB4};
        g.send(TestGuest.tcp(port, dst, dport, iss, 0, TcpConnection.SYN, window, opts, null, 0, 0));
    }

    /** SYN, then SYN-ACK and our ACK: true; a RST: false. */
    boolean connect() throws InterruptedException {
        sendSyn();
        return finishConnect(5000);
    }

    boolean finishConnect(long millis) throws InterruptedException {
        byte[] f = null;
        for (long waited = 0; f == null && waited < millis; waited += 1000) {
            f = next(1000);
            if (f == null) {
                sendSyn();   // as a guest does: the SYN again after a second
            }
        }
        if (f == null) {
            throw new AssertionError("no answer to SYN");
        }
        int flags = TestGuest.tcpFlags(f);
        if ((flags & TcpConnection.RST) != 0) {
            return false;
        }
        if (flags != (TcpConnection.SYN | TcpConnection.ACK) || TestGuest.tcpAck(f) != iss + 1) {
            throw new AssertionError("expected SYN-ACK, flags " + flags);
        }
        rcvNxt = TestGuest.tcpSeq(f) + 1;
        peerWnd = TestGuest.tcpWindow(f);
        ack();
        return true;
    }

    void ack() {
        g.send(TestGuest.tcp(port, dst, dport, iss + 1 + sentSoFar, rcvNxt, TcpConnection.ACK, window));
    }

    private int sentSoFar;

    /**
     * Sends {@code out} then FIN, and returns every byte the far end sends until its FIN, when
     * our FIN is acknowledged too.
     */
    byte[] transfer(byte[] out, long millis) throws InterruptedException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int acked = 0;       // bytes of ours acknowledged (the FIN counts as one more)
        int sent = 0;
        boolean finSent = false;
        boolean peerFin = false;
        int idle = 0;
        long end = System.currentTimeMillis() + millis;
        while (!(peerFin && acked == out.length + 1)) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("transfer timed out: sent " + sent + " acked " + acked + " got " + got.size());
            }
            while (sent < out.length && sent - acked < peerWnd) {
                int n = Math.min(1460, Math.min(out.length - sent, peerWnd - (sent - acked)));
                g.send(TestGuest.tcp(port, dst, dport, iss + 1 + sent, rcvNxt, TcpConnection.ACK | TcpConnection.PSH,
                        window, null, out, sent, n));
                sent += n;
            }
            if (sent == out.length && !finSent) {
                g.send(TestGuest.tcp(port, dst, dport, iss + 1 + sent, rcvNxt, TcpConnection.FIN | TcpConnection.ACK, window));
                finSent = true;
            }
            byte[] f = next(300);
            if (f == null) {
                if (++idle > 100) {
                    throw new AssertionError("transfer stalled");
                }
                if (acked <= out.length) {
                    sent = Math.min(acked, out.length);   // go back
                    finSent = false;
                }
                ack();
                continue;
            }
            idle = 0;
            int flags = TestGuest.tcpFlags(f);
            if ((flags & TcpConnection.RST) != 0) {
                throw new AssertionError("reset by the NAT after " + got.size() + " bytes");
            }
            int a = TestGuest.tcpAck(f) - (iss + 1);
            if (a > acked && a <= out.length + 1) {
                acked = a;
            }
            peerWnd = TestGuest.tcpWindow(f);
            int n = TestGuest.tcpDataLength(f);
            int seq = TestGuest.tcpSeq(f);
            if (seq == rcvNxt && n > 0 && window > 0) {
                int take = Math.min(n, window == 65535 ? n : window);
                got.write(f, TestGuest.tcpDataOffset(f), take);
                rcvNxt += take;
            }
            if ((flags & TcpConnection.FIN) != 0 && seq + n == rcvNxt && !peerFin) {
                rcvNxt++;
                peerFin = true;
            }
            if (n > 0 || (flags & TcpConnection.FIN) != 0) {
                sentSoFar = Math.min(sent, out.length) + (finSent ? 1 : 0);
                g.send(TestGuest.tcp(port, dst, dport, iss + 1 + sentSoFar, rcvNxt, TcpConnection.ACK, window));
            }
        }
        g.byPort.remove(port);
        return got.toByteArray();
    }
}
