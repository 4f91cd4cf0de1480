package jlguest.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the jlguest checkout, whose guest-images/ holds the bundled guest. */
final class BundledGuest {
    private BundledGuest() {
    }

    /** The ./lguest script passes -Djlguest.home; otherwise the jar's directory's parent (target/..). */
    static Path home() {
        String prop = System.getProperty("jlguest.home");
        if (prop != null) {
            return Path.of(prop);
        }
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.isDirectory(jar) ? jar : jar.getParent();
            return dir.getParent() == null ? dir : dir.getParent();
        } catch (URISyntaxException | SecurityException e) {
            return Path.of(".");
        }
    }
}
