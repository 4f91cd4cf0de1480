package jlguest.console;

import java.io.ByteArrayOutputStream;

/**
 * Picks the terminal's own reports out of what the user's terminal sends, so that they reach the
 * program that asked for them and never a command line.
 *
 * <p>tour:console:035 A guest shell that wants to know the cursor position writes {@code ESC [6n};
 * the host terminal answers on its input, {@code ESC [50;12R}, a few milliseconds later. If the
 * user has switched to the monitor meanwhile, that answer would land in the monitor's line as
 * {@code [50;12Rstats}. The reports a terminal sends unasked never come (cursor position
 * {@code R}, device attributes {@code ?...c} and {@code >...c}, status {@code n}, window size
 * {@code t}); the monitor never asks for them; so every report belongs to the guest, wherever
 * the keys are going. Keys themselves (arrows {@code ESC [A}, function keys {@code ESC [15~})
 * are not reports and go wherever the user is typing.
 */
public final class TerminalReports {
    /** Where the split bytes go. */
    public interface Sink {
        void keys(byte[] b, int off, int len);

        void report(byte[] b, int off, int len);
    }

    private static final int ESC = 0x1B;
    private static final int MAX_SEQUENCE = 32;

    private final Sink sink;
    /** An escape sequence begun but not finished (it may end in the next chunk). */
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    public TerminalReports(Sink sink) {
        this.sink = sink;
    }

    /** Splits one chunk of terminal input: reports to {@link Sink#report}, the rest to {@link Sink#keys}. */
    public void accept(byte[] b, int off, int len) {
        int keysFrom = off;
        for (int i = off; i < off + len; i++) {
            int c = b[i] & 0xFF;
            if (pending.size() == 0 && c != ESC) {
                continue;
            }
            if (pending.size() == 0) {
                flushKeys(b, keysFrom, i);
                pending.write(c);
                keysFrom = i + 1;
                continue;
            }
            pending.write(c);
            keysFrom = i + 1;
            byte[] seq = pending.toByteArray();
            switch (classify(seq)) {
                case PARTIAL -> {
                    if (seq.length >= MAX_SEQUENCE) {
                        endPending(false);
                    }
                }
                case REPORT -> endPending(true);
                case OTHER -> endPending(false);
            }
        }
        flushKeys(b, keysFrom, off + len);
    }

    private void flushKeys(byte[] b, int from, int to) {
        if (to > from) {
            sink.keys(b, from, to - from);
        }
    }

    private void endPending(boolean report) {
        byte[] seq = pending.toByteArray();
        pending.reset();
        if (report) {
            sink.report(seq, 0, seq.length);
        } else {
            sink.keys(seq, 0, seq.length);
        }
    }

    private enum Kind { PARTIAL, REPORT, OTHER }

    /** ESC [ (? or >)? digits and semicolons, then a final byte. */
    static Kind classify(byte[] s) {
        if (s.length < 2) {
            return Kind.PARTIAL;
        }
        if (s[1] != '[') {
            return Kind.OTHER;          // ESC x: a meta key, not a report
        }
        int i = 2;
        int prefix = i < s.length ? s[i] : -1;
        if (prefix == '?' || prefix == '>') {
            i++;
        }
        while (i < s.length && (Character.isDigit(s[i]) || s[i] == ';')) {
            i++;
        }
        if (i == s.length) {
            return Kind.PARTIAL;
        }
        if (i != s.length - 1) {
            return Kind.OTHER;
        }
        int fin = s[i];
        boolean hasParams = i > 2 + (prefix == '?' || prefix == '>' ? 1 : 0);
        if (fin == 'R' && hasParams || fin == 'c' && (prefix == '?' || prefix == '>') || fin == 'n' && hasParams
                || fin == 't' && hasParams) {
            return Kind.REPORT;
        }
        return Kind.OTHER;
    }
}
