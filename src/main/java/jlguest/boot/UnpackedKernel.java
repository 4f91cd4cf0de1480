package jlguest.boot;

/**
 * A bzImage's payload as the host unpacked it (an ELF vmlinux), kept by whoever loads the same
 * kernel again: a reboot then copies it into RAM once more instead of decompressing a few
 * megabytes into a new array every time (issue 17: a reboot allocates nothing of the guest's
 * size). Empty until the first load; the loader only reads the array it holds.
 */
public final class UnpackedKernel {
    byte[] vmlinux;
}
