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
        return build(userWords, machineWords, false);
    }

    /**
     * tour:launcher:035 With a virtio console ({@code hvc}) the guest's console is hvc0, which knows
     * the terminal's size; the 16550 still speaks first, as the kernel's early console, until hvc0
     * registers (then Linux hands over without printing anything twice). A {@code console=} the user
     * typed wins over both.
     */
    public static String build(List<String> userWords, List<String> machineWords, boolean hvc) {
        List<String> words = new ArrayList<>();
        for (String w : userWords) {
            words.add(quoted(w));
        }
        if (userWords.stream().noneMatch(w -> w.startsWith("console="))) {
            if (hvc) {
                if (userWords.stream().noneMatch(w -> w.startsWith("earlyprintk=") || w.startsWith("earlycon"))) {
                    words.add(EARLY_SERIAL);
                }
                words.add("console=hvc0");
            } else {
                words.add("console=ttyS0");
            }
        }
        words.addAll(machineWords);
        return String.join(" ", words);
    }

    /** The kernel's boot console on the 16550 while hvc0 is not up yet (x86 early printk). */
    public static final String EARLY_SERIAL = "earlyprintk=serial,ttyS0,115200";

    /** True when the last {@code console=} on the command line names an hvc device (Linux's /dev/console). */
    public static boolean consoleIsHvc(String cmdline) {
        String last = null;
        for (String w : cmdline.split(" ")) {
            if (w.startsWith("console=")) {
                last = w.substring("console=".length());
            }
        }
        return last != null && last.startsWith("hvc");
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
