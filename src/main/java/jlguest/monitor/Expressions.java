package jlguest.monitor;

import java.util.Locale;

import jlguest.cpu.Cpu;
import jlguest.debug.symbols.Symbols;

/**
 * Addresses as the user types them: {@code 0xc0100000}, {@code 1234} (decimal), {@code start_kernel},
 * {@code $eip}, {@code $esp+8}, {@code do_idle+0x5c}: terms joined by + and -.
 */
final class Expressions {
    private Expressions() {
    }

    /** A user mistake in an expression: the message says what. */
    static final class BadExpression extends Exception {
        BadExpression(String message) {
            super(message);
        }
    }

    static int parse(String text, Cpu cpu, Symbols symbols) throws BadExpression {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new BadExpression("missing address");
        }
        long value = 0;
        int sign = 1;
        int i = 0;
        while (i < t.length()) {
            int j = i;
            while (j < t.length() && t.charAt(j) != '+' && (t.charAt(j) != '-' || j == i)) {
                j++;
            }
            value += sign * term(t.substring(i, j).trim(), cpu, symbols);
            if (j < t.length()) {
                sign = t.charAt(j) == '+' ? 1 : -1;
                j++;
                if (j == t.length()) {
                    throw new BadExpression("'" + text + "': ends with an operator");
                }
            }
            i = j;
        }
        return (int) value;
    }

    private static long term(String s, Cpu cpu, Symbols symbols) throws BadExpression {
        if (s.isEmpty()) {
            throw new BadExpression("missing term");
        }
        String lower = s.toLowerCase(Locale.ROOT);
        try {
            if (lower.startsWith("0x")) {
                return Long.parseLong(lower.substring(2), 16);
            }
            if (Character.isDigit(lower.charAt(0))) {
                return Long.parseLong(lower);
            }
        } catch (NumberFormatException e) {
            throw new BadExpression("'" + s + "' is not a number (hex numbers start with 0x)");
        }
        if (lower.startsWith("$") || lower.startsWith("%")) {
            String r = lower.substring(1);
            for (int n = 0; n < 8; n++) {
                if (RegisterView.REGS[n].equals(r)) {
                    return cpu.reg(n) & 0xFFFFFFFFL;
                }
            }
            return switch (r) {
                case "eip", "pc" -> cpu.eip() & 0xFFFFFFFFL;
                case "eflags" -> cpu.eflags() & 0xFFFFFFFFL;
                case "cr0", "cr2", "cr3", "cr4" -> cpu.cr(r.charAt(2) - '0') & 0xFFFFFFFFL;
                default -> throw new BadExpression("unknown register '" + s + "'");
            };
        }
        Long a = symbols.lookup(s);
        if (a == null) {
            throw new BadExpression("unknown symbol '" + s + "'");
        }
        return a;
    }
}
