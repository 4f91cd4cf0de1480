package jlguest.devices.virtio.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;

import jlguest.devices.virtio.DeviceSpecException;

/**
 * A parsed {@code --net=SPEC}: the backend and its addresses, the MAC address and the MTU.
 *
 * <pre>
 *   user[,net=10.0.2.0/24][,host=..][,dns=..][,dhcpstart=..][,hostfwd=tcp::8080-:80][,restrict=on]
 *   udp:local=HOST:PORT,remote=HOST:PORT
 *   socket:listen=HOST:PORT          socket:connect=HOST:PORT
 *   mcast:GROUP:PORT[,localaddr=ADDR]
 *   ... each optionally followed by ,mac=52:54:00:12:34:56 and ,mtu=1500
 * </pre>
 *
 * @param backend "user", "udp", "socket" or "mcast"
 * @param options every key=value given, in order ("group" holds mcast's GROUP:PORT)
 */
public record NetSpec(String backend, Map<String, String> options, byte[] mac, int mtu) {
    public static final int DEFAULT_MTU = 1500;

    public static NetSpec parse(String spec) throws DeviceSpecException {
        return parse(spec, 0);
    }

    /**
     * Parses the {@code index}th {@code --net} (counting from 0): without {@code mac=} it gets
     * 52:54:00:12:34:56 plus {@code index}, as QEMU numbers its NICs, so a guest sees the same
     * MAC on every boot.
     */
    public static NetSpec parse(String spec, int index) throws DeviceSpecException {
        String what = "--net " + spec;
        if (spec.equals("user") || spec.startsWith("user,")) {
            return parseUser(what, spec, index);
        }
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw new DeviceSpecException(what + ": expected user[,...], udp:..., socket:... or mcast:...");
        }
        String type = spec.substring(0, colon);
        java.util.Set<String> allowed = switch (type) {
            case "udp" -> java.util.Set.of("local", "remote", "mac", "mtu");
            case "socket" -> java.util.Set.of("listen", "connect", "mac", "mtu");
            case "mcast" -> java.util.Set.of("group", "localaddr", "mac", "mtu");
            default -> throw new DeviceSpecException(what + ": unknown backend '" + type
                    + "' (user, udp, socket or mcast)");
        };
        String[] parts = spec.substring(colon + 1).split(",");
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            int eq = p.indexOf('=');
            if (i == 0 && type.equals("mcast") && eq < 0) {
                opts.put("group", p);
                continue;
            }
            if (eq <= 0) {
                throw new DeviceSpecException(what + ": expected key=value, got '" + p + "'");
            }
            if (opts.put(p.substring(0, eq), p.substring(eq + 1)) != null) {
                throw new DeviceSpecException(what + ": '" + p.substring(0, eq) + "' given twice");
            }
        }
        for (String k : opts.keySet()) {
            if (!allowed.contains(k)) {
                throw new DeviceSpecException(what + ": unknown option '" + k + "' for " + type);
            }
        }
        switch (type) {
            case "udp" -> require(what, opts, "local", "remote");
            case "socket" -> {
                if (opts.containsKey("listen") == opts.containsKey("connect")) {
                    throw new DeviceSpecException(what + ": give exactly one of listen=HOST:PORT and connect=HOST:PORT");
                }
            }
            default -> require(what, opts, "group");
        }
        byte[] mac = opts.containsKey("mac") ? parseMac(what, opts.get("mac")) : defaultMac(index);
        return new NetSpec(type, Map.copyOf(opts), mac, parseMtu(what, opts));
    }

    /**
     * {@code user[,OPTIONS]}: the user-mode NAT (jlguest.usernet). Its own options are checked
     * here, so a mistake is reported before anything opens; {@code mac} and {@code mtu} are ours.
     */
    private static NetSpec parseUser(String what, String spec, int index) throws DeviceSpecException {
        java.util.List<String> words = new java.util.ArrayList<>();
        Map<String, String> opts = new LinkedHashMap<>();
        String[] parts = spec.split(",", -1);
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            if (p.startsWith("mac=") || p.startsWith("mtu=")) {
                if (opts.put(p.substring(0, 3), p.substring(4)) != null) {
                    throw new DeviceSpecException(what + ": '" + p.substring(0, 3) + "' given twice");
                }
            } else {
                words.add(p);
            }
        }
        try {
            jlguest.usernet.UserNetConfig.parse(words);
        } catch (IllegalArgumentException e) {
            throw new DeviceSpecException("--net user: " + e.getMessage());
        }
        opts.put("user", String.join(",", words));
        byte[] mac = opts.containsKey("mac") ? parseMac(what, opts.get("mac")) : defaultMac(index);
        return new NetSpec("user", Map.copyOf(opts), mac, parseMtu(what, opts));
    }

    private static int parseMtu(String what, Map<String, String> opts) throws DeviceSpecException {
        int mtu = DEFAULT_MTU;
        if (opts.containsKey("mtu")) {
            try {
                mtu = Integer.parseInt(opts.get("mtu"));
            } catch (NumberFormatException e) {
                mtu = -1;
            }
            if (mtu < 68 || mtu > 65000) {
                throw new DeviceSpecException(what + ": mtu must be a number from 68 to 65000");
            }
        }
        return mtu;
    }

    /** 52:54:00:12:34:56 + index: QEMU's first NIC and its successors. */
    static byte[] defaultMac(int index) {
        long m = 0x525400123456L + index;
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) (m >>> (40 - 8 * i));
        }
        return mac;
    }

    private static void require(String what, Map<String, String> opts, String... keys) throws DeviceSpecException {
        for (String k : keys) {
            if (!opts.containsKey(k)) {
                throw new DeviceSpecException(what + ": missing " + (k.equals("group") ? "GROUP:PORT" : k + "=HOST:PORT"));
            }
        }
    }

    static byte[] parseMac(String what, String s) throws DeviceSpecException {
        String[] p = s.split(":");
        byte[] mac = new byte[6];
        try {
            if (p.length != 6) {
                throw new NumberFormatException();
            }
            for (int i = 0; i < 6; i++) {
                if (p[i].length() != 2) {
                    throw new NumberFormatException();
                }
                mac[i] = (byte) Integer.parseInt(p[i], 16);
            }
        } catch (NumberFormatException e) {
            throw new DeviceSpecException(what + ": bad MAC address '" + s + "' (want six hex pairs, 52:54:00:12:34:56)");
        }
        if ((mac[0] & 1) != 0) {
            throw new DeviceSpecException(what + ": MAC address '" + s + "' is a multicast address");
        }
        return mac;
    }

    public static String macString(byte[] mac) {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    }

    /** Opens the backend's socket; a busy port or a missing route is one sentence. */
    public NetBackend openBackend() throws DeviceSpecException {
        String what = "--net " + backend;
        return switch (backend) {
            case "user" -> {
                String words = options.get("user");
                try {
                    yield new jlguest.usernet.UserNet(jlguest.usernet.UserNetConfig.parse(
                            words.isEmpty() ? java.util.List.of() : java.util.List.of(words.split(","))), mac, mtu);
                } catch (IllegalArgumentException e) {
                    throw new DeviceSpecException("--net user: " + e.getMessage());
                }
            }
            case "udp" -> new UdpBackend(HostPort.parse(what + " local", options.get("local")),
                    HostPort.parse(what + " remote", options.get("remote")));
            case "socket" -> options.containsKey("listen")
                    ? StreamBackend.listen(HostPort.parse(what + " listen", options.get("listen")))
                    : StreamBackend.connect(HostPort.parse(what + " connect", options.get("connect")));
            default -> {
                InetSocketAddress group = HostPort.parse("--net mcast", options.get("group"));
                InetAddress local = null;
                if (options.containsKey("localaddr")) {
                    try {
                        local = InetAddress.getByName(options.get("localaddr"));
                    } catch (UnknownHostException e) {
                        throw new DeviceSpecException("--net mcast: unknown localaddr '" + options.get("localaddr") + "'");
                    }
                }
                yield new MulticastBackend(group, local);
            }
        };
    }
}
