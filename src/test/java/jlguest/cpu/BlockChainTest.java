package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Block chaining and the block cache (tour:cpu:070) (tour:cpu:072): what keeps a remembered
 * successor, what must drop it, and two blocks that share a cache slot. Each program runs a few
 * rounds and then many: what the CPU looks up or decodes must not grow with the rounds.
 */
class BlockChainTest {
    static final int EBX = 3, ECX = 1, ESI = 6, EDI = 7;

    /** A count after 1,000 rounds is within a few of the count after 10 (it once grew by 2-5 a round). */
    private static void assertDoesNotGrow(String what, java.util.function.IntToLongFunction count) {
        long few = count.applyAsLong(10);
        long many = count.applyAsLong(1000);
        assertTrue(many - few < 50, what + ": " + few + " for 10 rounds, " + many + " for 1000");
    }

    private static TestMachine rings(int rounds) {
        TestMachine m = SystemTest.boot("chainrings");
        m.gate(TestMachine.IDT, 0x80, 0x10, 0x1800, 0xE, 3);
        m.gate(TestMachine.IDT, 13, 0x10, 0x1900, 0xE, 0);
        run(m, rounds);
        assertEquals(rounds, m.r(EBX));      // every system call ran
        assertEquals(rounds, m.r(ESI));      // and every call
        assertEquals(13, m.exceptions.get(0)[0]);
        return m;
    }

    /** Every INT 0x80 and IRET changes CS and the CPL: the links made in ring 3 hold again after. */
    @Test
    void linksHoldAcrossSystemCalls() {
        // When a CS or CPL change dropped every link, each round looked up 5 blocks.
        assertDoesNotGrow("lookups", n -> rings(n).cpu.statistics().blockLookups());
    }

    private static TestMachine invlpg(int rounds) {
        TestMachine m = TestMachine.flat("");
        m.load(0x1000, TestMachine.resource("chaininvlpg.bin"));
        m.load(0x5000, TestMachine.hex("46c3"));             // inc esi; ret
        m.load(0x7000, TestMachine.hex("81c700010000c3"));   // add edi, 0x100; ret
        SystemTest.identityPaging(m, 3);
        return run(m, rounds);
    }

    /**
     * Linux flushes single data pages all the time (INVLPG): that must not cost the links. Once a
     * code page is mapped elsewhere and flushed, the next call runs the new frame.
     */
    @Test
    void invlpgDropsLinksOnlyForCodePages() {
        TestMachine m = invlpg(10);
        assertEquals(10, m.r(ESI));
        assertEquals(0x100, m.r(EDI));       // the call after the remap ran frame 0x7000's code
        assertTrue(m.cpu.statistics().blocksChained() > 10);
        assertDoesNotGrow("lookups", n -> invlpg(n).cpu.statistics().blockLookups());
    }

    /**
     * A function called from four places returns to four blocks, more than the two links its
     * block keeps: the jump cache (tour:cpu:071) finds the others without a lookup.
     */
    @Test
    void returnsToManyCallersNeedNoLookups() {
        assertDoesNotGrow("lookups", BlockChainTest::returns);
    }

    private static long returns(int rounds) {
        // 0x1000: call 0x2000 (four times); dec ecx; jnz 0x1000; hlt    0x2000: inc esi; ret
        TestMachine m = callLoop("e8fb0f0000" + "e8f60f0000" + "e8f10f0000" + "e8ec0f0000" + "49" + "75e9" + "f4",
                0x2000, rounds);
        assertEquals(4 * rounds, m.r(ESI));
        return m.cpu.statistics().blockLookups();
    }

    /** Runs a loop of {@code rounds} (ECX) that calls {@code inc esi; ret} at {@code function}. */
    private static TestMachine callLoop(String loop, int function, int rounds) {
        TestMachine m = TestMachine.flat(loop);
        m.load(function, TestMachine.hex("46c3"));
        return run(m, rounds);
    }

    /** Runs the program with ECX = rounds, to its HLT. */
    private static TestMachine run(TestMachine m, int rounds) {
        m.cpu.setReg(ECX, rounds);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        return m;
    }

    /**
     * The same bytes run as 32-bit code, then as 16-bit code (a 16-bit code segment over the same
     * memory; the block is decoded again in place), then as 32-bit code again through a link made
     * before: the link must not hand the 16-bit decode to 32-bit code. {@code dec eax} on 0x20000
     * gives 0x1FFFF; a {@code dec ax} would give 0x2FFFF.
     */
    @Test
    void aLinkNeverRunsADecodeForTheOtherMode() {
        // 0x1000: call x; test ebp,ebp; jnz done; inc ebp; jmp 0x48:code16
        // code16 (bits 16): call x; jmp dword 0x10:0x1000    done: hlt    x: dec eax; ret
        TestMachine m = TestMachine.flat("e818000000" + "85ed" + "7513" + "45" + "ea111000004800"
                + "e80900" + "66ea0010000010 00".replace(" ", "") + "f4" + "48c3");
        m.standardTables();
        m.descriptor(TestMachine.GDT, 9, 0, 0xFFFFF, 0x9B, 0x8);    // 0x48: 16-bit code, base 0
        m.cpu.setGdtr(TestMachine.GDT, 10 * 8 - 1);
        m.cpu.setReg(0, 0x20002);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertEquals(0x1FFFF, m.r(0));      // dec eax, dec ax, dec eax
    }

    /**
     * 0x1000 and 0x41001 hash to the same slot of the block cache's first way: a loop that calls
     * from one to the other decoded both again on every round when the cache had one way.
     */
    @Test
    void twoBlocksOfOneSlotStayDecoded() {
        assertDoesNotGrow("decodes", BlockChainTest::collide);
    }

    private static long collide(int rounds) {
        // 0x1000: call 0x41001; dec ecx; jnz 0x1000; hlt    0x41001: inc esi; ret
        TestMachine m = callLoop("e8fcff0300" + "49" + "75f8" + "f4", 0x41001, rounds);
        assertEquals(rounds, m.r(ESI));
        return m.cpu.statistics().blockDecodes();
    }
}
