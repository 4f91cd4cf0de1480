package jlguest.machine;

import java.util.ArrayList;
import java.util.List;

import jlguest.devices.virtio.DeviceSpecException;
import jlguest.devices.virtio.VirtioDevice;
import jlguest.devices.virtio.VirtioDevices;
import jlguest.devices.virtio.blk.BlockImage;
import jlguest.devices.virtio.blk.VirtioBlk;
import jlguest.devices.virtio.console.VirtioConsole;
import jlguest.devices.virtio.net.MulticastBackend;
import jlguest.devices.virtio.net.NetBackend;
import jlguest.devices.virtio.net.StreamBackend;
import jlguest.devices.virtio.net.UdpBackend;
import jlguest.devices.virtio.net.VirtioNet;
import jlguest.usernet.UserNet;

/**
 * Turns the typed {@code --block} and {@code --net} requests into open virtio devices.
 *
 * <p>tour:virtio:095 The command line has already been parsed into {@link DiskConfig} and
 * {@link NetworkConfig} records; here the host resources behind them are opened (image files and
 * their locks, sockets), in command-line order: every disk first, then every network. Whatever
 * fails is one sentence, and nothing stays open when something does. In Firecracker's words this
 * is the builder: the devices themselves never see user syntax.
 */
public final class VirtioBuilder {
    /** QEMU's first NIC address; device n gets the last byte plus n. */
    static final byte[] FIRST_MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

    private VirtioBuilder() {
    }

    /**
     * Opens every device. With {@code synchronousDisks} each disk request is served inside the
     * guest's notify, on the CPU thread, so that a deterministic run (guest time from the
     * instruction count) sees every disk request finish at the same instruction each time.
     */
    public static VirtioDevices open(List<DiskConfig> disks, List<NetworkConfig> networks, boolean synchronousDisks)
            throws DeviceSpecException {
        return open(disks, networks, synchronousDisks, false);
    }

    /**
     * As {@link #open(List, List, boolean)}, with a virtio console (named hvc0) after the disks and
     * networks when {@code console} asks for one and a slot is free: the user's devices keep their
     * addresses, and six of them leave the console to the 16550.
     */
    public static VirtioDevices open(List<DiskConfig> disks, List<NetworkConfig> networks, boolean synchronousDisks,
                                     boolean console) throws DeviceSpecException {
        if (disks.size() + networks.size() > VirtioDevices.MAX_DEVICES) {
            throw new DeviceSpecException("at most " + VirtioDevices.MAX_DEVICES
                    + " virtio devices (--block and --net together), got " + (disks.size() + networks.size()));
        }
        List<VirtioDevice> devices = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try {
            for (DiskConfig d : disks) {
                devices.add(new VirtioBlk((d.overlay() ? BlockImage.openOverlay(d.file()) : BlockImage.open(d.file(), d.readOnly())), d.serial(), !synchronousDisks));
                names.add("vd" + (char) ('a' + names.size()));
            }
            for (int i = 0; i < networks.size(); i++) {
                NetworkConfig n = networks.get(i);
                byte[] mac = n.mac() != null ? n.mac().clone() : stableMac(i);
                devices.add(new VirtioNet(openBackend(n.backend(), mac, n.mtu()), mac, n.mtu()));
                names.add("net" + i);
            }
            if (console && devices.size() < VirtioDevices.MAX_DEVICES) {
                devices.add(new VirtioConsole(0, 0));
                names.add("hvc0");
            }
        } catch (DeviceSpecException | RuntimeException e) {
            devices.forEach(VirtioDevice::close);
            throw e;
        }
        return new VirtioDevices(devices, names);
    }

    /** 52:54:00:12:34:56 for the first network device, ...:57 for the second, and so on. */
    public static byte[] stableMac(int index) {
        byte[] mac = FIRST_MAC.clone();
        mac[5] = (byte) (mac[5] + index);
        return mac;
    }

    /** Opens a backend's socket; a busy port or a missing route is one sentence. */
    public static NetBackend openBackend(NetworkConfig.Backend b) throws DeviceSpecException {
        return openBackend(b, stableMac(0), NetworkConfig.DEFAULT_MTU);
    }

    /** As {@link #openBackend(NetworkConfig.Backend)}; the NAT needs the guest's MAC and MTU. */
    public static NetBackend openBackend(NetworkConfig.Backend b, byte[] mac, int mtu) throws DeviceSpecException {
        if (b instanceof NetworkConfig.User u) {
            try {
                return new UserNet(u.config(), mac, mtu);
            } catch (IllegalArgumentException e) {
                throw new DeviceSpecException("--net user: " + e.getMessage());
            }
        } else if (b instanceof NetworkConfig.Udp u) {
            return new UdpBackend(u.local(), u.remote());
        } else if (b instanceof NetworkConfig.Socket s) {
            return s.listen() ? StreamBackend.listen(s.address()) : StreamBackend.connect(s.address());
        } else if (b instanceof NetworkConfig.Multicast m) {
            return new MulticastBackend(m.group(), m.localAddress());
        }
        throw new IllegalArgumentException("unknown network backend " + b);
    }
}
