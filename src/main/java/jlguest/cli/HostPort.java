package jlguest.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;


/**
 * Parses HOST:PORT (HOST may be a name, an IPv4 address or [IPv6]). An empty HOST means the
 * loopback address: nothing listens on, or sends to, another interface unless the user names it
 * (0.0.0.0 for every interface).
 */
public final class HostPort {
    private HostPort() {
    }

    public static InetSocketAddress parse(String what, String s) throws UsageException {
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new UsageException(what + ": expected HOST:PORT, got '" + s + "'");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new UsageException(what + ": bad port in '" + s + "'");
        }
        if (host.isEmpty()) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new UsageException(what + ": unknown host '" + host + "'");
        }
    }
}
