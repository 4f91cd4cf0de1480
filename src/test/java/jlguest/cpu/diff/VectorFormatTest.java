package jlguest.cpu.diff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Java side of the case format and the data fill agree with themselves and with harness.c. */
class VectorFormatTest {
    @Test
    void dataFillMatchesTheHarness() {
        byte[] page = new byte[Layout.DATA_SIZE];
        DataFill.fill(page, 42);
        int sum = 0;
        for (int i = 0; i < page.length; i += 4) {
            int w = page[i] & 0xFF | (page[i + 1] & 0xFF) << 8 | (page[i + 2] & 0xFF) << 16 | page[i + 3] << 24;
            if (i == 0) {
                assertEquals(0x51a10331, w);   // from fill() in harness.c, seed 42
            }
            sum = sum * 31 + w;
        }
        assertEquals(0x6e35b89b, sum);
    }

    @Test
    void casesRoundTrip() throws Exception {
        int[] regs = {1, 2, 3, 4, 0x2000_0800, 6, 7, 8};
        DiffCase plain = new DiffCase(1, new byte[] {0x01, (byte) 0xD8}, 0xA03, regs, 42,
                List.of(new DiffCase.Patch(0x10, new byte[] {1, 2, 3})), 0x10, null);
        int[] after = regs.clone();
        after[4] = 0x2000_07FC;
        DiffCase ran = plain.withResult(new DiffCase.Result(false, 14, Layout.CODE_START, 6, 0x1FFF_FFFE,
                0x10A03, after, new int[] {0, 0x23, 0x2B, 0x2B}, List.of(new DiffCase.Run(0x7FC, new byte[] {9, 8, 7, 6}))));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (VectorFormat.Writer w = new VectorFormat.Writer(bytes, List.of("a", "ADD Ev,Gv"))) {
            w.write(ran);
        }
        try (VectorFormat.Reader r = new VectorFormat.Reader(new ByteArrayInputStream(bytes.toByteArray()), true)) {
            assertEquals(List.of("a", "ADD Ev,Gv"), r.forms());
            DiffCase back = r.next();
            assertArrayEquals(ran.code(), back.code());
            assertArrayEquals(ran.regsIn(), back.regsIn());
            assertEquals(0x10, back.undefFlags());
            assertArrayEquals(new byte[] {1, 2, 3}, back.patches().get(0).bytes());
            DiffCase.Result res = back.result();
            assertEquals(14, res.vector());
            assertEquals(0x1FFF_FFFE, res.cr2());
            assertArrayEquals(after, res.regs());
            assertArrayEquals(new int[] {0, 0x23, 0x2B, 0x2B}, res.segs());
            assertEquals(0x7FC, res.memory().get(0).offset());
            assertNull(r.next());
        }
    }
}
