package jlguest.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jlguest.boot.GuestLayout;

/**
 * Parses a RAM size the way lguest and QEMU users write it: {@code 64} (a bare number is MiB, as
 * {@code qemu -m 64}), {@code 64m}, {@code 512m}, {@code 1g}, {@code 65536k}, or an exact byte count
 * with a {@code b}.
 */
public final class MemorySize {
    private MemorySize() {
    }

    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})([kmgb]?)");

    /** @return the size in bytes, between 16 MiB and {@link GuestLayout#MAX_RAM}, a multiple of 4 KiB */
    public static long parse(String text) throws UsageException {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new UsageException("bad memory size '" + text + "': write it like 64 or 64m (MiB), 512m, 1g");
        }
        long n = Long.parseLong(m.group(1));
        long bytes = switch (m.group(2)) {
            case "k" -> n << 10;
            case "m" -> n << 20;
            case "g" -> n << 30;
            case "b" -> n;          // an exact byte count, for the rare one who needs it
            default -> n << 20;     // a bare number is MiB, as lguest's and QEMU's -m take it
        };
        if (bytes < GuestLayout.MIN_RAM) {
            throw new UsageException("memory size '" + text + "' is too small: the guest needs at least 16m");
        }
        if (bytes > GuestLayout.MAX_RAM) {
            throw new UsageException("memory size '" + text + "' is too large: at most 2047m (one Java array holds guest RAM)");
        }
        if ((bytes & 0xFFF) != 0) {
            throw new UsageException("memory size '" + text + "' is not a multiple of 4 KiB");
        }
        return bytes;
    }
}
