package jlguest.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The option syntax the launcher reads (Main's table is MainTest's business). */
class OptionsTest {
    private final List<String> log = new ArrayList<>();

    private Options table() {
        return new Options()
                .value("--initrd", "FILE", v -> log.add("initrd " + v), "An initrd.")
                .repeatable("--block", "FILE", v -> log.add("block " + v), "A disk.")
                .flag(List.of("--no-reboot"), v -> log.add("no-reboot " + v), "Exit on reboot.")
                .negatable("--compiler", v -> log.add("compiler " + v), "Compile.")
                .flag(List.of("-S"), v -> log.add("S " + v), "Paused.")
                .flag(List.of("-h", "--help"), v -> log.add("help " + v), "Help.");
    }

    @Test
    void optionsMayComeAnywhereAndTakeTheirValueEitherWay() throws UsageException {
        List<String> words = table().parse(new String[] {"--initrd", "i.img", "64m", "-S", "vmlinux",
            "--block=a.img", "root=/dev/vda", "--block", "b.img", "--no-compiler", "quiet"});
        assertEquals(List.of("64m", "vmlinux", "root=/dev/vda", "quiet"), words);
        assertEquals(List.of("initrd i.img", "S true", "block a.img", "block b.img", "compiler false"), log);
    }

    @Test
    void aDoubleDashEndsTheOptionsAndAnEqualsSignMayBePartOfAValue() throws UsageException {
        List<String> words = table().parse(new String[] {"--initrd=a=b", "--", "--help", "-S", "-"});
        assertEquals(List.of("--help", "-S", "-"), words);
        assertEquals(List.of("initrd a=b"), log);
    }

    @Test
    void mistakesAreOneSentence() {
        assertEquals("Unknown option: '--blok=x' (did you mean --block?)", error("--blok=x"));
        assertEquals("Unknown option: '--frobnicate'", error("--frobnicate"));
        assertEquals("Unknown option: '--no-block=x'", error("--no-block=x"));     // not negatable
        assertEquals("Unknown option: '--init' (did you mean --initrd?)", error("--init"));
        assertEquals("Missing required parameter for option '--initrd' (FILE)", error("64m", "--initrd"));
        assertEquals("option '--no-reboot' takes no value (got 'yes')", error("--no-reboot=yes"));
        assertEquals("option '--initrd' should be specified only once", error("--initrd=a", "--initrd=b"));
        assertEquals("option '--compiler' should be specified only once", error("--compiler", "--no-compiler"));
        assertEquals("option '--help' should be specified only once", error("-h", "--help"));
    }

    @Test
    void theHelpKeepsToTheTerminalsWidth() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        new Options().value("--block", "FILE", v -> { }, "A virtio block device backed by the raw image FILE "
                + "(repeatable: vda, vdb, ...); ro: never written; snapshot: the guest writes to a copy.", "  ro: never written")
                .negatable("--compiler", v -> { }, "Compile.")
                .flag(List.of("-h", "--help"), v -> { }, "Help.")
                .printHelp(new PrintStream(buf, true, StandardCharsets.UTF_8), 60);
        String help = buf.toString(StandardCharsets.UTF_8);
        for (String line : help.split("\n")) {
            assertTrue(line.length() <= 60, line);
        }
        assertTrue(help.startsWith("      --block=FILE          A virtio block device"), help);
        assertTrue(help.contains("\n                              ro: never written\n"), help);
        assertTrue(help.contains("      --[no-]compiler       Compile.\n"), help);
        assertTrue(help.contains("  -h, --help                Help.\n"), help);
    }

    private String error(String... args) {
        return assertThrows(UsageException.class, () -> table().parse(args)).getMessage();
    }
}
