package jlguest.debug.disasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import jlguest.debug.symbols.ElfImage;
import org.junit.jupiter.api.Test;

/**
 * The disassembler against GNU objdump on SSE-heavy code: tools/disasm/sse-corpus.c compiled with
 * gcc -m32 -msse2 -mfpmath=sse -O2 -ftree-vectorize (vectorized loops and most MMX/SSE/SSE2
 * intrinsics). Every instruction must agree, boundaries and text.
 */
class SseCorpusObjdumpTest {
    @Test
    void everySimdFormReadsAsObjdumpWritesIt() throws IOException {
        byte[] object;
        try (InputStream in = getClass().getResourceAsStream("/disasm/sse-corpus.o")) {
            object = in.readAllBytes();
        }
        ElfImage elf = new ElfImage(object);
        ElfImage.Section text = elf.section(".text");
        CodeReader code = CodeReader.of(elf.contents(text), 0);
        try (InputStream in = getClass().getResourceAsStream("/disasm/sse-corpus.objdump.gz")) {
            BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.UTF_8));
            ObjdumpComparison c = ObjdumpComparison.run(r, code);
            System.out.print("[disassembler vs objdump, SSE corpus] " + c.report());
            assertTrue(c.instructions > 500, "too few instructions: " + c.instructions);
            assertEquals(0, c.boundaryMismatches, c.report());
            assertEquals(0, c.textMismatches, c.report());
        }
    }
}
