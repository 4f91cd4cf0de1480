package jlguest.machine;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything the user asked for on the command line, parsed into values (by jlguest.cli) but not
 * yet acted on: no file is open and no socket bound until the launcher builds the machine.
 *
 * @param deterministic guest time from the instruction count, so runs repeat exactly
 * @param kernelArgs the words after the kernel that are not options: the user's kernel command line
 */
public record MachineConfig(long ramSize, Path kernel, Path initrd, List<DiskConfig> disks,
                            List<NetworkConfig> networks, boolean noReboot, boolean testExit,
                            boolean deterministic, List<String> kernelArgs) {
    public MachineConfig {
        disks = List.copyOf(disks);
        networks = List.copyOf(networks);
        kernelArgs = List.copyOf(kernelArgs);
    }
}
