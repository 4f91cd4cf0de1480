package jlguest.cli;

import java.nio.file.Path;

import jlguest.machine.DiskConfig;

/** Parses {@code --block=FILE[,ro][,snapshot][,serial=S]} into a {@link DiskConfig}. */
public final class DiskOption {
    private DiskOption() {
    }

    public static DiskConfig parse(String spec) throws UsageException {
        String[] parts = spec.split(",");
        if (parts.length == 0 || parts[0].isEmpty()) {
            throw new UsageException("--block " + spec + ": missing file name (--block=FILE[,ro])");
        }
        boolean ro = false;
        boolean overlay = false;
        String serial = null;
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].equals("ro")) {
                ro = true;
            } else if (parts[i].equals("snapshot")) {
                overlay = true;
            } else if (parts[i].startsWith("serial=")) {
                serial = parts[i].substring(7);
            } else {
                throw new UsageException("--block " + spec + ": unknown option '" + parts[i] + "' (ro, snapshot, serial=S)");
            }
        }
        Path path = Path.of(parts[0]);
        if (ro && overlay) {
            throw new UsageException("--block " + spec + ": ro and snapshot exclude each other (snapshot lets the guest write, "
                    + "to a copy that vanishes)");
        }
        return new DiskConfig(path, ro, serial != null ? serial : DiskConfig.defaultSerial(path), overlay);
    }
}
