package jlguest.machine;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the command line a Linux guest receives: the user's words, then what the machine needs.
 *
 * <p>tour:launcher:030 Like lguest (and Firecracker), the launcher tells the kernel about the
 * machine on its command line instead of through firmware tables: the console is the first serial
 * port unless the user chose one, and each virtio-mmio device is announced with one
 * {@code virtio_mmio.device=4K@ADDRESS:IRQ} word (machine.md).
 */
public final class KernelCommandLine {
    private KernelCommandLine() {
    }

    /** The parameter that puts the bundled initrd's /init in scripted mode (guest-images/README.md). */
    public static final String SCRIPT_PARAMETER = "jlguest.run=";

    public static String build(List<String> userWords, List<String> machineWords) {
        List<String> words = new ArrayList<>();
        for (String w : userWords) {
            words.add(quoted(w));
        }
        if (userWords.stream().noneMatch(w -> w.startsWith("console="))) {
            words.add("console=ttyS0");
        }
        words.addAll(machineWords);
        return String.join(" ", words);
    }

    /** A multiboot kernel's command line: its file name, then the user's words. */
    public static String multiboot(String kernelName, List<String> userWords) {
        List<String> words = new ArrayList<>();
        words.add(kernelName);
        for (String w : userWords) {
            words.add(quoted(w));
        }
        return String.join(" ", words);
    }

    /**
     * A word the shell delivered with spaces inside (the user typed {@code jlguest.run="ls -l"})
     * gets its double quotes back, in the form Linux's parser understands: {@code key="value"}.
     */
    public static String quoted(String word) {
        if (!word.matches("(?s).*\\s.*") || word.contains("\"")) {
            return word;
        }
        int eq = word.indexOf('=');
        return eq < 0 ? '"' + word + '"' : word.substring(0, eq + 1) + '"' + word.substring(eq + 1) + '"';
    }

    /** True when the command line asks the bundled /init to run one command and power off. */
    public static boolean isScripted(String cmdline) {
        return cmdline.startsWith(SCRIPT_PARAMETER) || cmdline.contains(" " + SCRIPT_PARAMETER);
    }
}
