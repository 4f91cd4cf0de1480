package jlguest.launch;

import jlguest.boot.BootException;
import jlguest.boot.InitramfsUnpacker;
import jlguest.boot.Initrd;
import jlguest.boot.UnpackedKernel;
import jlguest.machine.MachineConfig;

/**
 * The kernel and initrd of one jlguest process, read from the host the first time they are
 * needed and kept: every reboot loads the guest from these bytes instead of reading the files
 * again (a 20 MiB initrd read per reboot was most of what a reboot loop allocated). A kernel file
 * rebuilt while the guest runs is therefore seen by the next jlguest, not by the next reboot, as
 * with a firmware that loaded the kernel once.
 */
final class GuestFiles {
    private final MachineConfig config;
    private byte[] kernel;
    private Initrd initrd;
    private Initrd unpackedInitrd;
    /** A bzImage's payload once the host has unpacked it, for the next reboot. */
    final UnpackedKernel unpacked = new UnpackedKernel();

    GuestFiles(MachineConfig config) {
        this.config = config;
    }

    /** The kernel image; neither it nor the initrd can be larger than the guest's RAM, which they must fit in. */
    byte[] kernel() throws BootException {
        if (kernel == null) {
            kernel = HostFiles.read(config.kernel(), "kernel", config.ramSize());
        }
        return kernel;
    }

    /** The initrd, or null when the command line names none. */
    Initrd initrd() throws BootException {
        if (initrd == null && config.initrd() != null) {
            initrd = new Initrd(HostFiles.read(config.initrd(), "initrd", config.ramSize()), config.initrd().toString());
        }
        return initrd;
    }

    /** The initrd with its compressed streams unpacked on the host (InitramfsUnpacker), or null. */
    Initrd unpackedInitrd() throws BootException {
        if (unpackedInitrd == null && initrd() != null) {
            unpackedInitrd = InitramfsUnpacker.unpack(initrd, config.ramSize());
        }
        return unpackedInitrd;
    }
}
