package jlguest.boot;

/**
 * Who unpacks a compressed kernel (a bzImage): the launcher, before the guest starts, or the
 * kernel's own decompressor stub, running as guest code.
 *
 * <p>tour:boot:045 A bzImage is mostly a compressed vmlinux with a small program in front that
 * unpacks it. On real hardware that program is the fastest thing around; in an emulator it is
 * billions of interpreted instructions (half a minute for an XZ-packed distribution kernel). So by
 * default the launcher unpacks the payload itself, in native-speed Java, loads the vmlinux inside
 * it and enters it exactly where the stub would have jumped. {@code --guest-decompress} keeps the
 * stub: worth watching once, and the only way to get the stub's KASLR.
 */
public enum Decompression {
    /** The launcher unpacks gzip, XZ and LZMA payloads; other formats fall back to {@link #GUEST}. */
    HOST,
    /** The bzImage is loaded as it is and its decompressor runs in the guest. */
    GUEST
}
