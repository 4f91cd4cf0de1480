package jlguest.cpu.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import jlguest.cpu.GuestBlock;
import jlguest.cpu.GuestInsn;
import org.junit.jupiter.api.Test;

/** Which blocks a region gets, and that its method stays small enough for HotSpot to compile. */
class RegionPlanTest {
    /** add [ebx+0x100], eax: a read-modify-write, one of the longest translations. */
    private static final GuestInsn RMW = new GuestInsn(0x01, 6, 2, true, true, 0, 3, 2, 0, 3, 3, -1, 0, 0x100, 0);
    /** jmp rel8 to {@code rel} bytes after it. */
    private static GuestInsn jmp(int rel) {
        return new GuestInsn(0xEB, 2, 2, true, true, 0, 3, 3, 0, 0, -1, -1, 0, 0, rel);
    }

    /** Eight blocks of 20 read-modify-writes that fall through into each other. */
    private static GuestBlock[] chain(int perBlock) {
        GuestBlock[] out = new GuestBlock[8];
        for (int b = 0; b < 8; b++) {
            GuestInsn[] body = new GuestInsn[perBlock];
            Arrays.fill(body, RMW);
            out[b] = new GuestBlock(b * perBlock * 6, body);
        }
        return out;
    }

    @Test
    void aRegionTooLargeForHotSpotDropsBlocksUntilItFits() {
        UnitClass.Unit all = UnitClass.make(List.of(chain(20)), false, 20, false);
        assertTrue(all.codeSize() > RegionPlan.MAX_CODE, "the test needs a region over the limit: " + all.codeSize());
        UnitClass.Unit u = RegionPlan.compile(chain(20), false);
        assertTrue(u.codeSize() <= RegionPlan.MAX_CODE, "bytecode " + u.codeSize());
        assertTrue(u.blocks() > 1 && u.blocks() < 8, "blocks " + u.blocks());
    }

    @Test
    void onlyReachableTranslatableBlocksWithinTheLimitsAreChosen() {
        GuestBlock[] c = chain(4);
        // Block 2 ends in a jump to block 5 (so 3 and 4 are not reached), and block 6 holds an
        // instruction that is not translated (HLT), so 6 is left out and 7 is not reached.
        GuestInsn[] b2 = c[2].insns().clone();
        b2[3] = jmp(5 * 24 - (c[2].start() + 3 * 6 + 2));
        c[2] = new GuestBlock(c[2].start(), b2);
        GuestInsn[] b6 = c[6].insns().clone();
        b6[0] = new GuestInsn(0xF4, 1, 2, true, true, 0, 3, 3, 0, 0, -1, -1, 0, 0, 0);
        c[6] = new GuestBlock(c[6].start(), b6);
        List<GuestBlock> chosen = RegionPlan.choose(c);
        assertEquals(List.of(0, 24, 48, 120),
                chosen.stream().map(GuestBlock::start).toList(), "0, 1, 2, then 5 (2's jump)");
        GuestBlock[] many = chain(30);
        assertEquals(160 / 30, RegionPlan.choose(many).size(), "at most 160 instructions");
    }
}
