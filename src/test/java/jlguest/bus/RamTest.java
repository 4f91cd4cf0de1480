package jlguest.bus;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Issue 17 item 1: the range check that every guest address goes through. */
class RamTest {
    private final Ram ram = new Ram(1 << 20);

    @Test
    void rangesInsideAndAtTheEdge() {
        assertTrue(ram.contains(0, 0));
        assertTrue(ram.contains(0, 1 << 20));
        assertTrue(ram.contains((1 << 20) - 4, 4));
        assertTrue(ram.contains(1 << 20, 0));
        assertFalse(ram.contains((1 << 20) - 3, 4));
        assertFalse(ram.contains(1 << 20, 1));
        assertFalse(ram.contains(0, (1 << 20) + 1));
    }

    @Test
    void sumsThatWrapAroundAreOutside() {
        // addr + len wraps to a negative number; the old check (addr + len <= size) let these pass.
        assertFalse(ram.contains(Long.MAX_VALUE - 15, 0x100));
        assertFalse(ram.contains(0x7FFF_FFFF_FFFF_FF00L, 0x1000));
        assertFalse(ram.contains(1, Long.MAX_VALUE));
        assertFalse(ram.contains(Long.MAX_VALUE, Long.MAX_VALUE));
        assertFalse(ram.contains(-1, 1));
        assertFalse(ram.contains(0, -1));
        assertFalse(ram.contains(0xFFFF_FFFFL, 0xFFFF_FFFFL));
    }
}
