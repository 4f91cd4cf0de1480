package jlguest.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class SmallPortsTest {
    @Test
    void delayPortSwallowsWritesAndFloats() {
        DelayPort80 p = new DelayPort80();
        p.out(0x80, 1, 0x12);
        assertEquals(0xFF, p.in(0x80, 1));
        assertEquals(0xFFFF, p.in(0x80, 2));
        assertEquals(0xFFFFFFFF, p.in(0x80, 4));
    }

    @Test
    void qemuDebugExitEncoding() {
        List<Integer> exits = new ArrayList<>();
        TestExitPort p = new TestExitPort(exits::add, TestExitPort.Mode.QEMU);
        p.out(0xF4, 1, 0x10);
        p.out(0xF4, 1, 0);
        p.out(0xF4, 1, 0x1FF);
        p.out(0xF4, 4, 0x31);
        assertEquals(List.of(0x21, 1, 0x1FF, 0x63), exits);
        assertEquals(0, p.in(0xF4, 1), "reads return 0 as in QEMU");
    }

    @Test
    void statusModePassesTheValueThrough() {
        List<Integer> exits = new ArrayList<>();
        TestExitPort p = new TestExitPort(exits::add, TestExitPort.Mode.STATUS);
        p.out(0xF4, 1, 0);
        p.out(0xF4, 1, 3);
        p.out(0xF4, 1, 0x1FE);
        assertEquals(List.of(0, 3, 0xFE), exits);
        assertEquals(0x2A, p.statusFor(0x2A, 1));
    }
}
