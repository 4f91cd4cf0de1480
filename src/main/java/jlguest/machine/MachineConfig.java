package jlguest.machine;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything the user asked for on the command line, checked for form but not yet acted on.
 *
 * @param deterministic guest time from the instruction count, so runs repeat exactly
 * @param kernelArgs the words after the kernel that are not options: the user's kernel command line
 * @param guestDecompress a bzImage runs its own decompressor in the guest instead of being unpacked by the launcher
 */
public record MachineConfig(long ramSize, Path kernel, Path initrd, List<String> blockSpecs,
                            List<String> netSpecs, boolean noReboot, boolean testExit,
                            boolean deterministic, List<String> kernelArgs, boolean guestDecompress) {
    public MachineConfig {
        blockSpecs = List.copyOf(blockSpecs);
        netSpecs = List.copyOf(netSpecs);
        kernelArgs = List.copyOf(kernelArgs);
    }

    /** A configuration whose bzImage, if any, the launcher unpacks (the default). */
    public MachineConfig(long ramSize, Path kernel, Path initrd, List<String> blockSpecs, List<String> netSpecs,
                         boolean noReboot, boolean testExit, boolean deterministic, List<String> kernelArgs) {
        this(ramSize, kernel, initrd, blockSpecs, netSpecs, noReboot, testExit, deterministic, kernelArgs, false);
    }
}
