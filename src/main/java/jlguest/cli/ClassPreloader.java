package jlguest.cli;

/**
 * Start-up overlap: the classes every boot needs are initialised on a second thread while the
 * main thread reads the command line and the kernel.
 *
 * <p>tour:launcher:012 A JVM starts single-threaded. Our main thread parses the options, reads
 * the kernel and initrd and unpacks them (50-100 ms for the bundled ones), and only then builds
 * the machine, whose CPU needs its opcode table (a few hundred rows expanded into 130,000 decoder
 * forms), the fast-path specialiser and the devices: another 50 ms of class initialisation, while
 * the second core sat idle. So a daemon thread initialises those classes from the first moment;
 * class initialisation is thread-safe, and a main thread that gets there first simply waits for
 * the other to finish. Nothing here is about correctness: without it, the same classes initialise
 * on first use.
 */
final class ClassPreloader {
    /** The classes whose static initialisers matter (the others follow from these). */
    private static final String[] CLASSES = {
        "jlguest.cpu.OpcodeTable", "jlguest.cpu.Decoder", "jlguest.cpu.FastPath", "jlguest.cpu.Cpu",
        "jlguest.machine.Machine", "jlguest.boot.LinuxLoader", "jlguest.devices.virtio.VirtioDevices",
    };

    private ClassPreloader() {
    }

    /** Starts initialising the boot's classes in the background; returns at once. */
    static void start() {
        Thread t = new Thread(ClassPreloader::load, "class-preloader");
        t.setDaemon(true);
        t.start();
    }

    private static void load() {
        ClassLoader loader = ClassPreloader.class.getClassLoader();
        for (String name : CLASSES) {
            try {
                Class.forName(name, true, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                return;     // first use reports any real problem, on the thread that needs the class
            }
        }
    }
}
