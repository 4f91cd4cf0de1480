package jlguest.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import jlguest.machine.NetworkConfig;

/**
 * Parses {@code --net=SPEC} into a {@link NetworkConfig}:
 *
 * <pre>
 *   udp:local=HOST:PORT,remote=HOST:PORT
 *   socket:listen=HOST:PORT          socket:connect=HOST:PORT
 *   mcast:GROUP:PORT[,localaddr=ADDR]
 *   ... each optionally followed by ,mac=52:54:00:12:34:56 and ,mtu=1500
 * </pre>
 */
public final class NetOption {
    private NetOption() {
    }

    public static NetworkConfig parse(String spec) throws UsageException {
        String what = "--net " + spec;
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw new UsageException(what + ": expected udp:..., socket:... or mcast:...");
        }
        String type = spec.substring(0, colon);
        Set<String> allowed = switch (type) {
            case "udp" -> Set.of("local", "remote", "mac", "mtu");
            case "socket" -> Set.of("listen", "connect", "mac", "mtu");
            case "mcast" -> Set.of("group", "localaddr", "mac", "mtu");
            default -> throw new UsageException(what + ": unknown backend '" + type + "' (udp, socket or mcast)");
        };
        Map<String, String> opts = options(what, type, spec.substring(colon + 1));
        for (String k : opts.keySet()) {
            if (!allowed.contains(k)) {
                throw new UsageException(what + ": unknown option '" + k + "' for " + type);
            }
        }
        String kind = "--net " + type;
        NetworkConfig.Backend backend = switch (type) {
            case "udp" -> {
                require(what, opts, "local", "remote");
                yield new NetworkConfig.Udp(HostPort.parse(kind + " local", opts.get("local")),
                        HostPort.parse(kind + " remote", opts.get("remote")));
            }
            case "socket" -> {
                if (opts.containsKey("listen") == opts.containsKey("connect")) {
                    throw new UsageException(what + ": give exactly one of listen=HOST:PORT and connect=HOST:PORT");
                }
                boolean listen = opts.containsKey("listen");
                yield new NetworkConfig.Socket(listen, HostPort.parse(kind + (listen ? " listen" : " connect"),
                        opts.get(listen ? "listen" : "connect")));
            }
            default -> {
                require(what, opts, "group");
                yield new NetworkConfig.Multicast(HostPort.parse(kind, opts.get("group")),
                        localAddress(kind, opts.get("localaddr")));
            }
        };
        byte[] mac = opts.containsKey("mac") ? parseMac(what, opts.get("mac")) : null;
        return new NetworkConfig(backend, mac, mtu(what, opts.get("mtu")));
    }

    private static Map<String, String> options(String what, String type, String text) throws UsageException {
        String[] parts = text.split(",");
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            int eq = p.indexOf('=');
            if (i == 0 && type.equals("mcast") && eq < 0) {
                opts.put("group", p);
                continue;
            }
            if (eq <= 0) {
                throw new UsageException(what + ": expected key=value, got '" + p + "'");
            }
            if (opts.put(p.substring(0, eq), p.substring(eq + 1)) != null) {
                throw new UsageException(what + ": '" + p.substring(0, eq) + "' given twice");
            }
        }
        return opts;
    }

    private static void require(String what, Map<String, String> opts, String... keys) throws UsageException {
        for (String k : keys) {
            if (!opts.containsKey(k)) {
                throw new UsageException(what + ": missing " + (k.equals("group") ? "GROUP:PORT" : k + "=HOST:PORT"));
            }
        }
    }

    private static InetAddress localAddress(String what, String name) throws UsageException {
        if (name == null) {
            return null;
        }
        try {
            return InetAddress.getByName(name);
        } catch (UnknownHostException e) {
            throw new UsageException(what + ": unknown localaddr '" + name + "'");
        }
    }

    private static int mtu(String what, String text) throws UsageException {
        if (text == null) {
            return NetworkConfig.DEFAULT_MTU;
        }
        int mtu;
        try {
            mtu = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            mtu = -1;
        }
        if (mtu < 68 || mtu > 65000) {
            throw new UsageException(what + ": mtu must be a number from 68 to 65000");
        }
        return mtu;
    }

    static byte[] parseMac(String what, String s) throws UsageException {
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
            throw new UsageException(what + ": bad MAC address '" + s + "' (want six hex pairs, 52:54:00:12:34:56)");
        }
        if ((mac[0] & 1) != 0) {
            throw new UsageException(what + ": MAC address '" + s + "' is a multicast address");
        }
        return mac;
    }
}
