package jlguest.boot;

import jlguest.cpu.EntryState;

/**
 * What a loader did: the format it recognised, where it put things, and how to enter the kernel.
 *
 * @param kernelStart lowest physical address the kernel occupies (including room it needs at run time)
 * @param kernelEnd   first physical address above it
 * @param initrdStart physical address of the initrd (0 when there is none)
 * @param initrdSize  size of the initrd in bytes (0 when there is none)
 * @param commandLine the command line exactly as written into guest memory
 * @param bootInfo    physical address of boot_params (Linux) or multiboot_info (multiboot)
 */
public record LoadedKernel(KernelFormat format, EntryState entry, long kernelStart, long kernelEnd,
                           long initrdStart, long initrdSize, String commandLine, int bootInfo) {
}
