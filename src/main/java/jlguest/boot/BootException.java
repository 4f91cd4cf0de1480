package jlguest.boot;

/**
 * A kernel, initrd or layout problem the user must fix. The message is one line, written for the
 * person at the terminal (the launcher prints it as is and exits with status 2).
 */
public final class BootException extends Exception {
    private static final long serialVersionUID = 1L;

    public BootException(String message) {
        super(message, null, false, false);
    }
}
