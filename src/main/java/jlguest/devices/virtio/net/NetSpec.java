package jlguest.devices.virtio.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

import jlguest.devices.virtio.DeviceSpecException;

/**
 * A parsed {@code --net=SPEC}: the backend and its addresses, the MAC address and the MTU.
 *
 * <pre>
 *   udp:local=HOST:PORT,remote=HOST:PORT
 *   socket:listen=HOST:PORT          socket:connect=HOST:PORT
 *   mcast:GROUP:PORT[,localaddr=ADDR]
 *   ... each optionally followed by ,mac=52:54:00:12:34:56 and ,mtu=1500
 * </pre>
 *
 * @param backend "udp", "socket" or "mcast"
 * @param options every key=value given, in order ("group" holds mcast's GROUP:PORT)
 */
public record NetSpec(String backend, Map<String, String> options, byte[] mac, int mtu) {
    public static final int DEFAULT_MTU = 1500;
    private static final SecureRandom RANDOM = new SecureRandom();

    public static NetSpec parse(String spec) throws DeviceSpecException {
        String what = "--net " + spec;
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw new DeviceSpecException(what + ": expected udp:..., socket:... or mcast:...");
        }
        String type = spec.substring(0, colon);
        java.util.Set<String> allowed = switch (type) {
            case "udp" -> java.util.Set.of("local", "remote", "mac", "mtu");
            case "socket" -> java.util.Set.of("listen", "connect", "mac", "mtu");
            case "mcast" -> java.util.Set.of("group", "localaddr", "mac", "mtu");
            default -> throw new DeviceSpecException(what + ": unknown backend '" + type
                    + "' (udp, socket or mcast)");
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
        byte[] mac = opts.containsKey("mac") ? parseMac(what, opts.get("mac")) : randomMac();
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
        return new NetSpec(type, Map.copyOf(opts), mac, mtu);
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

    /** 52:54:00 (the locally administered prefix QEMU uses) and three random bytes. */
    static byte[] randomMac() {
        byte[] mac = {0x52, 0x54, 0x00, 0, 0, 0};
        byte[] r = new byte[3];
        RANDOM.nextBytes(r);
        System.arraycopy(r, 0, mac, 3, 3);
        return mac;
    }

    public static String macString(byte[] mac) {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    }

    /** Opens the backend's socket; a busy port or a missing route is one sentence. */
    public NetBackend openBackend() throws DeviceSpecException {
        String what = "--net " + backend;
        return switch (backend) {
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
