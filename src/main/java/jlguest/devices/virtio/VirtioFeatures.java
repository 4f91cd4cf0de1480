package jlguest.devices.virtio;

/** Feature bits and status bits shared by every virtio device (virtio 1.x, sections 2.1 and 6). */
public final class VirtioFeatures {
    private VirtioFeatures() {
    }

    /** The driver may use indirect descriptor tables. */
    public static final int RING_INDIRECT_DESC = 28;
    /** used_event / avail_event suppress interrupts and notifications. */
    public static final int RING_EVENT_IDX = 29;
    /** A modern (non-legacy) device: little-endian, 12-byte net headers, and so on. */
    public static final int VERSION_1 = 32;

    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_NEEDS_RESET = 0x40;
    public static final int STATUS_FAILED = 0x80;

    public static long bit(int n) {
        return 1L << n;
    }

    /** Names of the bits set in {@code features}, for the monitor. */
    public static String names(long features, String[] deviceNames) {
        StringBuilder sb = new StringBuilder();
        for (int b = 0; b < 64; b++) {
            if ((features & (1L << b)) == 0) {
                continue;
            }
            String n = switch (b) {
                case RING_INDIRECT_DESC -> "INDIRECT_DESC";
                case RING_EVENT_IDX -> "EVENT_IDX";
                case VERSION_1 -> "VERSION_1";
                default -> b < deviceNames.length && deviceNames[b] != null ? deviceNames[b] : "bit" + b;
            };
            sb.append(sb.length() == 0 ? "" : " ").append(n);
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
