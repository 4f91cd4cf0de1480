package jlguest.usernet;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DHCP server (RFC 2131/2132) for the one virtual network: DISCOVER gets an OFFER, REQUEST an
 * ACK, with the subnet mask, the router and DNS server (both ours), and a day's lease. The first
 * client MAC gets {@code dhcpstart}, the next ones the following addresses, up to
 * {@link #POOL} clients, as slirp's pool of 16 does.
 */
final class Dhcp {
    static final int SERVER_PORT = 67;
    static final int CLIENT_PORT = 68;
    static final int POOL = 16;
    static final int LEASE_SECONDS = 86400;
    static final int DISCOVER = 1;
    static final int OFFER = 2;
    static final int REQUEST = 3;
    static final int ACK = 5;
    static final int NAK = 6;
    private static final int MAGIC = 0x63825363;
    private static final int OPTIONS = 240;

    private final UserNetConfig config;
    private final Map<String, Integer> leases = new LinkedHashMap<>();

    Dhcp(UserNetConfig config) {
        this.config = config;
    }

    /**
     * The reply to one BOOTP/DHCP request in {@code p[off, off+len)}, as a UDP payload, or null
     * when it deserves none (not a request, no message type, pool exhausted).
     */
    byte[] reply(byte[] p, int off, int len) {
        if (len < OPTIONS + 1 || p[off] != 1 || p[off + 1] != 1 || p[off + 2] != 6
                || Packets.i32(p, off + 236) != MAGIC) {
            return null;   // not an Ethernet BOOTREQUEST with DHCP's magic cookie
        }
        int type = -1;
        int requested = 0;
        int i = off + OPTIONS;
        int end = off + len;
        while (i < end) {
            int code = p[i] & 0xFF;
            if (code == 255) {
                break;
            }
            if (code == 0) {
                i++;
                continue;
            }
            if (i + 1 >= end || i + 2 + (p[i + 1] & 0xFF) > end) {
                return null;   // an option running past the end
            }
            int olen = p[i + 1] & 0xFF;
            if (code == 53 && olen == 1) {
                type = p[i + 2] & 0xFF;
            } else if (code == 50 && olen == 4) {
                requested = Packets.i32(p, i + 2);
            }
            i += 2 + olen;
        }
        String mac = Packets.ip(Packets.i32(p, off + 28)) + ":" + Packets.u16(p, off + 32);
        Integer addr = leases.get(mac);
        if (addr == null) {
            if (leases.size() >= POOL) {
                return null;
            }
            addr = config.dhcpStart() + leases.size();
            leases.put(mac, addr);
        }
        int answer;
        if (type == DISCOVER) {
            answer = OFFER;
        } else if (type == REQUEST) {
            answer = requested == 0 || requested == addr ? ACK : NAK;
        } else {
            return null;
        }
        byte[] r = new byte[300];
        r[0] = 2;   // BOOTREPLY
        r[1] = 1;
        r[2] = 6;
        System.arraycopy(p, off + 4, r, 4, 4);     // xid
        System.arraycopy(p, off + 10, r, 10, 2);   // flags
        if (answer != NAK) {
            Packets.put32(r, 16, addr);            // yiaddr
            Packets.put32(r, 20, config.host());   // siaddr
        }
        System.arraycopy(p, off + 28, r, 28, 16);  // chaddr
        Packets.put32(r, 236, MAGIC);
        int o = OPTIONS;
        o = option(r, o, 53, answer, 1);
        o = option(r, o, 54, config.host(), 4);
        if (answer != NAK) {
            o = option(r, o, 51, LEASE_SECONDS, 4);
            o = option(r, o, 1, config.netmask(), 4);
            o = option(r, o, 3, config.host(), 4);
            o = option(r, o, 6, config.dns(), 4);
        }
        r[o++] = (byte) 255;
        return Arrays.copyOf(r, Math.max(o, 300));
    }

    private static int option(byte[] r, int o, int code, int value, int len) {
        r[o] = (byte) code;
        r[o + 1] = (byte) len;
        if (len == 1) {
            r[o + 2] = (byte) value;
        } else {
            Packets.put32(r, o + 2, value);
        }
        return o + 2 + len;
    }

    /** The address leased to a client (for hostfwd's default guest address), or 0. */
    int leaseCount() {
        return leases.size();
    }
}
