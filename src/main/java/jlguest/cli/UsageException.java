package jlguest.cli;

/** Something the user typed that the launcher cannot run; the message is the one line they see. */
public final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message, null, false, false);
    }
}
