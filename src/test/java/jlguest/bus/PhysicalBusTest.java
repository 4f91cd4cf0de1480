package jlguest.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** MMIO windows on the physical bus never overlap RAM, each other, or the end of the address space. */
class PhysicalBusTest {
    private static final MmioDevice NOTHING = new MmioDevice() {
        @Override
        public int read(int offset, int size) {
            return 0x5A;
        }

        @Override
        public void write(int offset, int size, int value) {
        }
    };

    private static String refused(PhysicalBus bus, int base, int size) {
        return assertThrows(IllegalArgumentException.class, () -> bus.map(base, size, NOTHING)).getMessage();
    }

    @Test
    void overlapsOfEveryKindAreRefused() {
        PhysicalBus bus = new PhysicalBus(new Ram(1 << 20));
        bus.map(0xD0001000, 0x1000, NOTHING);
        assertTrue(refused(bus, 0xD0000000, 0x3000).contains("overlaps 0xd0001000+0x1000"));   // swallows it
        refused(bus, 0xD0001800, 0x100);      // inside it
        refused(bus, 0xD0000800, 0x1000);     // across its start
        refused(bus, 0xD0001800, 0x1000);     // across its end
        refused(bus, 0xD0001000, 0x1000);     // the same window
        assertTrue(refused(bus, 0x000F0000, 0x1000).contains("overlaps RAM"));
        assertTrue(refused(bus, 0xFFFFF000, 0x2000).contains("leaves the 4 GiB space"));
        refused(bus, 0xE0000000, 0);
        bus.map(0xD0000000, 0x1000, NOTHING);  // touching is not overlapping
        bus.map(0xD0002000, 0x1000, NOTHING);
        bus.map(0xFFFFF000, 0x1000, NOTHING);  // the very top
        assertEquals(0x5A, bus.read(0xD0002000, 1));
        assertEquals(0x5A, bus.read(0xFFFFFFFF, 1));
    }
}
