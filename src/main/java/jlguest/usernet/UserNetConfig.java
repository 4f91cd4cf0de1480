package jlguest.usernet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of {@code --net=user[,OPTIONS]}: the virtual network's addresses, the host
 * forwards, {@code restrict} and where DNS queries go. Addresses are ints, most significant
 * byte first, as they sit in an IPv4 header.
 *
 * @param network    the network address (10.0.2.0)
 * @param prefix     its prefix length (24)
 * @param host       the gateway, which is the host's loopback (10.0.2.2)
 * @param dns        the DNS forwarder's address (10.0.2.3)
 * @param dhcpStart  the first address DHCP hands out (10.0.2.15)
 * @param restrict   true: the guest reaches nothing but DHCP, ICMP to the gateway and the forwards
 * @param forwards   {@code hostfwd=} rules
 * @param dnsForward the host resolver queries to {@code dns} go to
 */
public record UserNetConfig(int network, int prefix, int host, int dns, int dhcpStart, boolean restrict,
                            List<Forward> forwards, InetSocketAddress dnsForward) {

    /** One {@code hostfwd=tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT}. */
    public record Forward(boolean udp, InetSocketAddress hostSide, int guestAddr, int guestPort) {
        @Override
        public String toString() {
            return (udp ? "udp" : "tcp") + " " + hostSide.getAddress().getHostAddress() + ":" + hostSide.getPort()
                    + " -> " + Packets.ip(guestAddr) + ":" + guestPort;
        }
    }

    public static UserNetConfig defaults() {
        return parse(List.of());
    }

    public int netmask() {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    boolean inNetwork(int addr) {
        return (addr & netmask()) == network;
    }

    int broadcast() {
        return network | ~netmask();
    }

    /**
     * Parses {@code key=value} words (everything after {@code user,}); {@code hostfwd} may
     * repeat. Mistakes throw IllegalArgumentException with a one-line message.
     */
    public static UserNetConfig parse(List<String> words) {
        int network = 0x0A000200;
        int prefix = 24;
        Integer host = null;
        Integer dns = null;
        Integer dhcpStart = null;
        boolean restrict = false;
        InetSocketAddress dnsForward = null;
        List<String> fwdSpecs = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got '" + w + "'");
            }
            String k = w.substring(0, eq);
            String v = w.substring(eq + 1);
            if (!k.equals("hostfwd") && !seen.add(k)) {
                throw new IllegalArgumentException("'" + k + "' given twice");
            }
            switch (k) {
                case "net" -> {
                    int slash = v.indexOf('/');
                    network = ipv4(k, slash < 0 ? v : v.substring(0, slash));
                    if (slash >= 0) {
                        String p = v.substring(slash + 1);
                        prefix = p.contains(".") ? maskPrefix(k, ipv4(k, p)) : number(k, p, 1, 30);
                    }
                    network &= prefix == 0 ? 0 : -1 << (32 - prefix);
                }
                case "host" -> host = ipv4(k, v);
                case "dns" -> dns = ipv4(k, v);
                case "dhcpstart" -> dhcpStart = ipv4(k, v);
                case "restrict" -> restrict = switch (v) {
                    case "on", "yes", "y" -> true;
                    case "off", "no", "n" -> false;
                    default -> throw new IllegalArgumentException("restrict must be on or off, got '" + v + "'");
                };
                case "hostfwd" -> fwdSpecs.add(v);
                case "dns-forward" -> dnsForward = hostPort(k, v, 53);
                default -> throw new IllegalArgumentException("unknown option '" + k
                        + "' for user (net, host, dns, dhcpstart, hostfwd, restrict, dns-forward, mac, mtu)");
            }
        }
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        host = host != null ? host : network | 2;
        dns = dns != null ? dns : network | 3;
        dhcpStart = dhcpStart != null ? dhcpStart : network | 15;
        for (var e : new Object[][] {{"host", host}, {"dns", dns}, {"dhcpstart", dhcpStart}}) {
            int a = (Integer) e[1];
            if ((a & mask) != network || a == network || a == (network | ~mask)) {
                throw new IllegalArgumentException(e[0] + "=" + Packets.ip(a) + " is not a host address in "
                        + Packets.ip(network) + "/" + prefix);
            }
        }
        if (host.equals(dns) || host.equals(dhcpStart) || dns.equals(dhcpStart)) {
            throw new IllegalArgumentException("host, dns and dhcpstart must be three different addresses");
        }
        List<Forward> forwards = new ArrayList<>();
        for (String f : fwdSpecs) {
            forwards.add(forward(f, dhcpStart, network, mask));
        }
        if (dnsForward == null) {
            dnsForward = new InetSocketAddress(systemResolver(Path.of("/etc/resolv.conf")), 53);
        }
        return new UserNetConfig(network, prefix, host, dns, dhcpStart, restrict, List.copyOf(forwards), dnsForward);
    }

    /** The first nameserver in resolv.conf, or 127.0.0.1 when there is none. */
    static InetAddress systemResolver(Path resolvConf) {
        try {
            for (String line : Files.readAllLines(resolvConf)) {
                String[] w = line.trim().split("\\s+");
                if (w.length >= 2 && w[0].equals("nameserver")) {
                    String a = w[1];
                    int pct = a.indexOf('%');
                    if (a.matches("[0-9.]+|[0-9a-fA-F:]+(%.*)?")) {
                        return InetAddress.getByName(pct < 0 ? a : a.substring(0, pct));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no resolv.conf: fall through
        }
        return InetAddress.getLoopbackAddress();
    }

    private static Forward forward(String spec, int defaultGuest, int network, int mask) {
        String what = "hostfwd=" + spec;
        int colon = spec.indexOf(':');
        String proto = colon < 0 ? "" : spec.substring(0, colon);
        if (!proto.equals("tcp") && !proto.equals("udp")) {
            throw new IllegalArgumentException(what + ": expected tcp:|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT");
        }
        String rest = spec.substring(colon + 1);
        int dash = rest.indexOf('-');
        if (dash < 0) {
            throw new IllegalArgumentException(what + ": missing -[GUESTADDR]:GUESTPORT");
        }
        String[] h = splitAddr(what, rest.substring(0, dash));
        String[] g = splitAddr(what, rest.substring(dash + 1));
        InetAddress hostAddr;
        try {
            hostAddr = h[0].isEmpty() ? InetAddress.getLoopbackAddress() : InetAddress.getByName(h[0]);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(what + ": unknown host address '" + h[0] + "'");
        }
        int hostPort = number(what + " host port", h[1], 0, 65535);
        int guest = g[0].isEmpty() ? defaultGuest : ipv4(what + " guest address", g[0]);
        if ((guest & mask) != network) {
            throw new IllegalArgumentException(what + ": guest address " + Packets.ip(guest) + " is not in the network");
        }
        int guestPort = number(what + " guest port", g[1], 1, 65535);
        return new Forward(proto.equals("udp"), new InetSocketAddress(hostAddr, hostPort), guest, guestPort);
    }

    private static String[] splitAddr(String what, String s) {
        int c = s.lastIndexOf(':');
        if (c < 0) {
            throw new IllegalArgumentException(what + ": expected [ADDR]:PORT, got '" + s + "'");
        }
        return new String[] {s.substring(0, c), s.substring(c + 1)};
    }

    private static InetSocketAddress hostPort(String what, String s, int defaultPort) {
        int c = s.lastIndexOf(':');
        String h = c < 0 ? s : s.substring(0, c);
        int port = c < 0 ? defaultPort : number(what, s.substring(c + 1), 1, 65535);
        try {
            return new InetSocketAddress(InetAddress.getByName(h), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(what + ": unknown host '" + h + "'");
        }
    }

    private static int number(String what, String s, int min, int max) {
        try {
            int n = Integer.parseInt(s);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(what + ": expected a number from " + min + " to " + max + ", got '" + s + "'");
    }

    static int ipv4(String what, String s) {
        String[] p = s.split("\\.", -1);
        if (p.length != 4) {
            throw new IllegalArgumentException(what + ": expected an IPv4 address, got '" + s + "'");
        }
        int a = 0;
        for (String q : p) {
            int n;
            try {
                n = q.isEmpty() || q.length() > 3 ? -1 : Integer.parseInt(q);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0 || n > 255) {
                throw new IllegalArgumentException(what + ": expected an IPv4 address, got '" + s + "'");
            }
            a = a << 8 | n;
        }
        return a;
    }

    private static int maskPrefix(String what, int mask) {
        int p = Integer.bitCount(mask);
        if (p < 1 || p > 30 || mask != -1 << (32 - p)) {
            throw new IllegalArgumentException(what + ": bad netmask " + Packets.ip(mask));
        }
        return p;
    }
}
