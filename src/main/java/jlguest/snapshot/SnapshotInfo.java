package jlguest.snapshot;

import java.util.List;

/**
 * What a snapshot says about the machine it was taken of, before any of its state: enough to
 * build the same machine again (the launcher's {@code --restore}) and to refuse a machine that
 * differs (RAM size, devices, disks).
 *
 * @param kernel      the kernel file the machine booted (for symbols, and to boot again on reboot)
 * @param initrd      the initrd file, or null
 * @param kernelArgs  the user's words on the kernel command line (for a reboot)
 * @param commandLine the command line as the guest saw it
 * @param devices     one "name:virtio device id" per virtio device, in order (vda:2, net0:1)
 * @param disks       the identity of every disk's image
 */
public record SnapshotInfo(long ramSize, String kernel, String initrd, List<String> kernelArgs, String commandLine,
                           boolean deterministic, boolean testExit, List<String> devices, List<DiskIdentity> disks) {
    public SnapshotInfo {
        kernelArgs = List.copyOf(kernelArgs);
        devices = List.copyOf(devices);
        disks = List.copyOf(disks);
    }

    /**
     * One disk as the snapshot saw it: the image's path, size in bytes and SHA-256, and whether
     * the guest wrote to a copy-on-write overlay (then the overlay travels in the snapshot).
     */
    public record DiskIdentity(String name, String path, long size, String sha256, boolean overlay) {
    }
}
