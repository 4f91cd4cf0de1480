package jlguest.devices.virtio.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jlguest.devices.virtio.DeviceSpecException;

/**
 * {@code socket:listen=HOST:PORT} and {@code socket:connect=HOST:PORT}: Ethernet frames over one
 * TCP connection, each frame preceded by its length as a 4-byte big-endian number. That is QEMU's
 * {@code -netdev socket,listen=/connect=} framing, so a jlguest guest and a QEMU guest can share
 * a link.
 *
 * <p>tour:virtio:330 The listening side binds at start (a busy port is the user's error, reported
 * before the guest boots) and accepts one peer at a time on a thread; the link is up while a peer
 * is connected, and when it leaves the next one may come. The connecting side connects at start
 * and reports a refusal as a one-line error; when its peer goes away its link stays down (QEMU
 * does not reconnect either). Sending goes through a bounded queue and a writer thread, so a peer
 * that stops reading costs dropped frames, never a frozen CPU thread.
 */
public final class StreamBackend implements NetBackend {
    static final int MAX_FRAME = 65536;
    private static final int SEND_QUEUE = 256;

    private final String name;
    private final ServerSocketChannel server;
    private volatile SocketChannel peer;
    private final ArrayBlockingQueue<byte[]> outbox = new ArrayBlockingQueue<>(SEND_QUEUE);
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;
    private Sink sink;

    private StreamBackend(String name, ServerSocketChannel server, SocketChannel peer) {
        this.name = name;
        this.server = server;
        this.peer = peer;
    }

    public static StreamBackend listen(InetSocketAddress addr) throws DeviceSpecException {
        try {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(addr, 1);
            return new StreamBackend("listen " + NetBackend.show((InetSocketAddress) s.getLocalAddress()), s, null);
        } catch (IOException e) {
            throw new DeviceSpecException("--net socket: cannot listen on " + NetBackend.show(addr) + ": " + e.getMessage());
        }
    }

    public static StreamBackend connect(InetSocketAddress addr) throws DeviceSpecException {
        try {
            SocketChannel c = SocketChannel.open(addr);
            return new StreamBackend("connect " + NetBackend.show(addr), null, c);
        } catch (IOException e) {
            throw new DeviceSpecException("--net socket: cannot connect to " + NetBackend.show(addr) + ": " + e.getMessage());
        }
    }

    /** The bound address of a listening backend (tests listen on port 0). */
    InetSocketAddress listenAddress() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    @Override
    public void start(Sink s) {
        this.sink = s;
        Thread t = new Thread(this::readLoop, "virtio-net socket " + name);
        t.setDaemon(true);
        t.start();
        Thread w = new Thread(this::writeLoop, "virtio-net socket writer " + name);
        w.setDaemon(true);
        w.start();
    }

    private void readLoop() {
        byte[] frame = new byte[MAX_FRAME];
        ByteBuffer len = ByteBuffer.allocate(4);
        while (!closed) {
            SocketChannel c = peer;
            if (c == null) {
                if (server == null) {
                    return;   // a connecting backend whose peer left: the link stays down
                }
                try {
                    c = server.accept();
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    peer = c;
                    sink.linkChanged();
                } catch (IOException e) {
                    return;   // closed
                }
            }
            try {
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                while (true) {
                    len.clear();
                    readFully(c, len);
                    int n = len.getInt(0);
                    if (n < 0 || n > MAX_FRAME) {
                        throw new IOException("frame length " + n);
                    }
                    ByteBuffer f = ByteBuffer.wrap(frame, 0, n);
                    readFully(c, f);
                    sink.awaitRoom(n);
                    sink.frame(frame, n);
                }
            } catch (IOException e) {
                peer = null;
                closeQuietly(c);
                outbox.clear();
                sink.linkChanged();
            }
        }
    }

    private static void readFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("peer closed the connection");
            }
        }
    }

    private void writeLoop() {
        while (!closed) {
            byte[] f;
            try {
                f = outbox.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            SocketChannel c = peer;
            if (f == null || c == null) {
                continue;
            }
            ByteBuffer b = ByteBuffer.allocate(4 + f.length).putInt(f.length).put(f).flip();
            try {
                while (b.hasRemaining()) {
                    c.write(b);
                }
            } catch (IOException e) {
                closeQuietly(c);   // the reader notices and takes the link down
            }
        }
    }

    @Override
    public void send(byte[] frame, int offset, int length) {
        if (peer == null || !outbox.offer(java.util.Arrays.copyOfRange(frame, offset, offset + length))) {
            dropped.incrementAndGet();
        }
    }

    @Override
    public boolean linkUp() {
        return peer != null;
    }

    @Override
    public String describe() {
        return "socket " + name + (peer != null ? ", connected" : ", no peer") + ", " + dropped.get() + " frames dropped";
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(peer);
        closeQuietly(server);
    }
}
