package jlguest.devices.virtio.net;

import java.util.concurrent.atomic.AtomicInteger;

import jlguest.cli.NetOption;
import jlguest.machine.NetworkConfig;
import jlguest.machine.VirtioBuilder;

/** Tests write networks as the user does ({@code udp:local=...}); parsed and opened as the launcher would. */
final class TestNets {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private TestNets() {
    }

    /** Parses and opens the backend: a UsageException for bad syntax, DeviceSpecException for a busy port. */
    static NetBackend backend(String spec) throws Exception {
        return VirtioBuilder.openBackend(NetOption.parse(spec).backend());
    }

    /** A device on a freshly opened backend; each gets its own MAC unless the spec names one. */
    static VirtioNet device(String spec) throws Exception {
        NetworkConfig c = NetOption.parse(spec);
        byte[] mac = c.mac() != null ? c.mac() : VirtioBuilder.stableMac(NEXT.getAndIncrement() & 0x7F);
        return new VirtioNet(VirtioBuilder.openBackend(c.backend()), mac, c.mtu());
    }
}
