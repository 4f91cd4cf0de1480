package jlguest.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class EscapeDecoderTest {
    private final List<EscapeDecoder.Command> commands = new ArrayList<>();
    private final EscapeDecoder decoder = new EscapeDecoder(commands::add);
    private final ByteArrayOutputStream guest = new ByteArrayOutputStream();

    private void type(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        decoder.decode(b, 0, b.length, guest);
    }

    @Test
    void plainBytesGoToTheGuest() {
        type("ls -l\r\u0003");
        assertEquals("ls -l\r\u0003", guest.toString(StandardCharsets.ISO_8859_1));
        assertEquals(List.of(), commands);
    }

    @Test
    void ctrlAFollowedByALetterIsACommand() {
        type("a\u0001xb\u0001h\u0001c\u0001s");
        assertEquals("ab", guest.toString(StandardCharsets.ISO_8859_1));
        assertEquals(List.of(EscapeDecoder.Command.QUIT, EscapeDecoder.Command.HELP, EscapeDecoder.Command.MONITOR,
                EscapeDecoder.Command.SAVE), commands);
    }

    @Test
    void ctrlATwiceSendsOneCtrlAAndUnknownKeysAreDropped() {
        type("\u0001\u0001\u0001z!");
        assertEquals("\u0001!", guest.toString(StandardCharsets.ISO_8859_1));
        assertEquals(List.of(), commands);
    }

    @Test
    void anEscapeSplitAcrossReadsStillWorks() {
        type("q\u0001");
        type("x");
        assertEquals("q", guest.toString(StandardCharsets.ISO_8859_1));
        assertEquals(List.of(EscapeDecoder.Command.QUIT), commands);
    }

    @Test
    void consoleOutputBuffersUntilDrained() {
        ByteArrayOutputStream host = new ByteArrayOutputStream();
        ConsoleOutput out = new ConsoleOutput(host);
        out.write('h');
        out.flush();
        assertEquals(0, host.size(), "a writer's flush is not a system call");
        out.write("ello".getBytes(StandardCharsets.US_ASCII), 0, 4);
        out.drain();
        assertEquals("hello", host.toString(StandardCharsets.US_ASCII));
    }
}
