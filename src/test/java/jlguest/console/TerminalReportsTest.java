package jlguest.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Terminal reports go to the guest, keys to whoever has them (issue 15 item 10). */
class TerminalReportsTest {
    private final ByteArrayOutputStream keys = new ByteArrayOutputStream();
    private final ByteArrayOutputStream reports = new ByteArrayOutputStream();
    private final TerminalReports split = new TerminalReports(new TerminalReports.Sink() {
        @Override
        public void keys(byte[] b, int off, int len) {
            keys.write(b, off, len);
        }

        @Override
        public void report(byte[] b, int off, int len) {
            reports.write(b, off, len);
        }
    });

    private void type(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        split.accept(b, 0, b.length);
    }

    @Test
    void aCursorReportBeforeACommandGoesToTheGuest() {
        type("\033[50;12Rstats\r");
        assertEquals("stats\r", keys.toString(StandardCharsets.ISO_8859_1));
        assertEquals("\033[50;12R", reports.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void reportsSplitAcrossReadsAndDeviceAttributes() {
        type("x\033[5");
        type("0;1");
        type("2Ry\033[?1;2c\033[>0;276;0c");
        assertEquals("xy", keys.toString(StandardCharsets.ISO_8859_1));
        assertEquals("\033[50;12R\033[?1;2c\033[>0;276;0c", reports.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void keysThatLookAlikeStayKeys() {
        type("\033[A\033[15~\033[1;5C\033b\033[c");
        assertEquals("\033[A\033[15~\033[1;5C\033b\033[c", keys.toString(StandardCharsets.ISO_8859_1));
        assertEquals("", reports.toString(StandardCharsets.ISO_8859_1));
    }
}
