package jlguest.debug.disasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

import jlguest.debug.symbols.ElfImage;
import org.junit.jupiter.api.Test;

/**
 * The disassembler against GNU objdump over the bundled kernel's whole .text: instruction
 * boundaries must agree everywhere, text on at least 99.9% of instructions. Mismatches are listed
 * when it fails.
 */
class DisassemblerObjdumpTest {
    static final Path VMLINUX = Path.of("guest-images/vmlinux");
    static final String REFERENCE = "/disasm/vmlinux-text.objdump.gz";

    static CodeReader text() throws IOException {
        ElfImage elf = new ElfImage(Files.readAllBytes(VMLINUX));
        ElfImage.Section text = elf.section(".text");
        return CodeReader.of(elf.contents(text), (int) text.addr());
    }

    @Test
    void agreesWithTheCommittedObjdumpListing() throws IOException {
        try (InputStream in = getClass().getResourceAsStream(REFERENCE)) {
            assumeTrue(in != null, "no reference listing " + REFERENCE);
            BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.UTF_8));
            check(ObjdumpComparison.run(r, text()));
        }
    }

    @Test
    void agreesWithObjdumpRunLive() throws IOException, InterruptedException {
        Path objdump = Path.of("/usr/bin/objdump");
        assumeTrue(Files.isExecutable(objdump), "objdump (binutils) is not installed: live check skipped");
        Process p = new ProcessBuilder("sh", "-c", "objdump -d -M intel --no-show-raw-insn -j .text "
                + VMLINUX + " | awk -f tools/disasm/compact.awk -v end=0").redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            // the last instruction's length is unknown without the section end: compare all but it
            ObjdumpComparison c = ObjdumpComparison.run(new DropLast(r), text());
            p.waitFor();
            check(c);
        }
    }

    private static void check(ObjdumpComparison c) {
        System.out.print("[disassembler vs objdump] " + (Boolean.getBoolean("disasm.verbose") ? c.report() : c.report().lines().findFirst().orElse("") + "\n"));
        assertTrue(c.instructions > 500_000, "too few instructions in the listing: " + c.instructions);
        assertEquals(0, c.boundaryMismatches, c.report());
        assertTrue(c.agreement() >= 99.9, c.report());
    }

    /** Drops the last line of a reader. */
    private static final class DropLast extends BufferedReader {
        private String pending;

        DropLast(BufferedReader in) throws IOException {
            super(in);
            pending = in.readLine();
        }

        @Override
        public String readLine() throws IOException {
            String next = super.readLine();
            if (next == null) {
                return null;
            }
            String out = pending;
            pending = next;
            return out;
        }
    }
}
