package jlguest.state;

/** A snapshot that cannot be restored: damaged, of another version, or made for another machine. One sentence. */
public final class StateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StateException(String message) {
        super(message);
    }
}
