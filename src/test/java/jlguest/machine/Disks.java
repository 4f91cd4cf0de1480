package jlguest.machine;

import java.util.ArrayList;
import java.util.List;

import jlguest.cli.DiskOption;
import jlguest.cli.UsageException;

/** Tests write disks as the user does ({@code FILE[,ro]}); this parses them as the CLI would. */
public final class Disks {
    private Disks() {
    }

    public static List<DiskConfig> of(List<String> specs) {
        List<DiskConfig> out = new ArrayList<>();
        for (String s : specs) {
            try {
                out.add(DiskOption.parse(s));
            } catch (UsageException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        }
        return out;
    }

    public static List<DiskConfig> of(String... specs) {
        return of(List.of(specs));
    }
}
