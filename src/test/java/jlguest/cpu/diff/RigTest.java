package jlguest.cpu.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rig and the comparison can tell right from wrong: a recorded ADD passes, and the same case
 * with one defined flag, one register or one memory byte changed in the expectation does not.
 */
class RigTest {
    private static final int ADD_FLAGS = 0x8D5;

    private static DiffCase firstAdd() throws Exception {
        try (VectorFormat.Reader r = VectorFiles.open("alu")) {
            for (DiffCase c; (c = r.next()) != null;) {
                if (r.forms().get(c.form()).equals("ADD Ev,Gv mem") && c.result().completed()
                        && !c.result().memory().isEmpty()) {
                    return c;
                }
            }
        }
        throw new AssertionError("no ADD Ev,Gv mem case in alu.vec.gz");
    }

    @Test
    void recordedAddPassesAndAlteredExpectationsFail() throws Exception {
        DiffCase c = firstAdd();
        GuestRig.Run run = new GuestRig().run(c);
        assertNotNull(run.result(), run.message());
        DiffCase.Result want = c.result();
        assertEquals(List.of(), Comparison.differences(c, want, run.result()));

        DiffCase.Result flags = new DiffCase.Result(true, -1, want.eip(), 0, 0, want.eflags() ^ 0x1, want.regs(),
                want.segs(), want.memory());
        assertFalse(Comparison.differences(c, flags, run.result()).isEmpty(), "CF is compared");
        assertEquals(0, c.undefFlags() & ADD_FLAGS, "ADD leaves no flag undefined");

        int[] regs = want.regs().clone();
        regs[7] ^= 0x100;
        DiffCase.Result reg = new DiffCase.Result(true, -1, want.eip(), 0, 0, want.eflags(), regs, want.segs(),
                want.memory());
        assertFalse(Comparison.differences(c, reg, run.result()).isEmpty(), "EDI is compared");

        DiffCase.Run first = want.memory().get(0);
        byte[] bytes = first.bytes().clone();
        bytes[0] ^= 1;
        DiffCase.Result mem = new DiffCase.Result(true, -1, want.eip(), 0, 0, want.eflags(), want.regs(),
                want.segs(), List.of(new DiffCase.Run(first.offset(), bytes)));
        assertTrue(Comparison.differences(c, mem, run.result()).stream().anyMatch(d -> d.startsWith("memory")));
    }
}
