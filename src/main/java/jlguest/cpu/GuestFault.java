package jlguest.cpu;

/**
 * A guest exception in flight (#GP, #PF, ...), thrown from deep inside an instruction and caught by
 * the run loop, which delivers it through the IDT.
 *
 * <p>tour:faults:010 Faults must cost nothing when they do not happen, and little when they do: each
 * CPU owns one preallocated instance without a stack trace, so a throw is a jump to the handler.
 */
final class GuestFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    int vector;
    /** The error code, or -1 when the exception has none. */
    int errorCode;

    GuestFault() {
        super(null, null, false, false);
    }

    GuestFault set(int vector, int errorCode) {
        this.vector = vector;
        this.errorCode = errorCode;
        return this;
    }

    @Override
    public String getMessage() {
        return "guest exception " + vector + " error " + errorCode;
    }
}
