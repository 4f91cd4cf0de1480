package jlguest.machine;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything the user asked for on the command line, parsed into values (by jlguest.cli) but not
 * yet acted on: no file is open and no socket bound until the launcher builds the machine.
 *
 * @param deterministic guest time from the instruction count, so runs repeat exactly
 * @param kernelArgs the words after the kernel that are not options: the user's kernel command line
 * @param guestDecompress a bzImage runs its own decompressor in the guest, and the kernel unpacks a compressed
 *                        initramfs, instead of the launcher unpacking both
 * @param virtioConsole a virtio console (hvc0, which knows the terminal's size) is the Linux guest's console,
 *                      when its kernel has the driver; otherwise the 16550 (ttyS0) is
 */
public record MachineConfig(long ramSize, Path kernel, Path initrd, List<DiskConfig> disks,
                            List<NetworkConfig> networks, boolean noReboot, boolean testExit,
                            boolean deterministic, List<String> kernelArgs, boolean guestDecompress,
                            boolean virtioConsole) {
    public MachineConfig {
        disks = List.copyOf(disks);
        networks = List.copyOf(networks);
        kernelArgs = List.copyOf(kernelArgs);
    }

    /** A configuration whose bzImage, if any, the launcher unpacks (the default). */
    public MachineConfig(long ramSize, Path kernel, Path initrd, List<DiskConfig> disks, List<NetworkConfig> networks,
                         boolean noReboot, boolean testExit, boolean deterministic, List<String> kernelArgs) {
        this(ramSize, kernel, initrd, disks, networks, noReboot, testExit, deterministic, kernelArgs, false);
    }

    /** A configuration whose console is the 16550 (ttyS0) alone. */
    public MachineConfig(long ramSize, Path kernel, Path initrd, List<DiskConfig> disks, List<NetworkConfig> networks,
                         boolean noReboot, boolean testExit, boolean deterministic, List<String> kernelArgs,
                         boolean guestDecompress) {
        this(ramSize, kernel, initrd, disks, networks, noReboot, testExit, deterministic, kernelArgs, guestDecompress,
                false);
    }

    /** The same configuration with the virtio console on or off. */
    public MachineConfig withVirtioConsole(boolean on) {
        return new MachineConfig(ramSize, kernel, initrd, disks, networks, noReboot, testExit, deterministic,
                kernelArgs, guestDecompress, on);
    }
}
