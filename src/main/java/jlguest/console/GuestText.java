package jlguest.console;

/**
 * Text that came from the guest, made safe for the host's terminal and logs.
 *
 * <p>tour:launcher:045 A guest may say why it shut down (our SHUTDOWN hypercall carries a string),
 * and we print it as an {@code lguest: ...} line. Printed raw, that string could carry escape
 * sequences (move the cursor, rewrite the line, change the window title) and newlines, and so
 * forge lines that look like jlguest's own. So every character outside printable ASCII becomes a
 * visible {@code \xNN} before guest text reaches stderr or a log. The guest's serial console is
 * the one exception, by design: it is the guest's terminal (docs/security.md).
 */
public final class GuestText {
    private GuestText() {
    }

    /** {@code text} with every character outside 0x20..0x7E written as {@code \xNN} (or {@code \\u{NNNN}}). */
    public static String printable(CharSequence text) {
        StringBuilder s = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean plain = c >= 0x20 && c < 0x7F;
            if (!plain && s == null) {
                s = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (s != null) {
                if (plain) {
                    s.append(c);
                } else if (c <= 0xFF) {
                    s.append(String.format("\\x%02x", (int) c));
                } else {
                    s.append(String.format("\\u{%04x}", (int) c));
                }
            }
        }
        return s == null ? text.toString() : s.toString();
    }
}
