package jlguest.devices.legacy;

import jlguest.bus.IrqLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class Pic8259PairTest {
    private Pic8259Pair pic;
    private final List<Boolean> intrChanges = new ArrayList<>();

    @BeforeEach
    void initAsLinuxDoes() {
        pic = new Pic8259Pair();
        pic.setIntrListener(intrChanges::add);
        // probe_8259A: mask everything, then check that the mask reads back.
        pic.out(0x21, 1, 0xFF);
        pic.out(0x21, 1, 0xFB);
        assertEquals(0xFB, pic.in(0x21, 1));
        // init_8259A: ICW1..ICW4 for both chips, vectors 0x30 and 0x38.
        pic.out(0x21, 1, 0xFF);
        pic.out(0xA1, 1, 0xFF);
        pic.out(0x20, 1, 0x11);
        pic.out(0x21, 1, 0x30);
        pic.out(0x21, 1, 0x04);
        pic.out(0x21, 1, 0x01);
        pic.out(0xA0, 1, 0x11);
        pic.out(0xA1, 1, 0x38);
        pic.out(0xA1, 1, 0x02);
        pic.out(0xA1, 1, 0x01);
        // Restore masks: everything open except what a test masks itself.
        pic.out(0x21, 1, 0x00);
        pic.out(0xA1, 1, 0x00);
    }

    private int isr(int cmdPort) {
        pic.out(cmdPort, 1, 0x0B);
        int v = pic.in(cmdPort, 1);
        pic.out(cmdPort, 1, 0x0A);
        return v;
    }

    private int irr(int cmdPort) {
        pic.out(cmdPort, 1, 0x0A);
        return pic.in(cmdPort, 1);
    }

    @Test
    void timerTickDeliversVectorAndSpecificEoiEndsIt() {
        assertFalse(pic.intr());
        pic.line(0).pulse();
        assertTrue(pic.intr());
        assertEquals(List.of(true), intrChanges);
        assertEquals(0x30, pic.acknowledge());
        assertFalse(pic.intr());
        assertEquals(0x01, isr(0x20));
        assertEquals(0x00, irr(0x20));
        pic.out(0x20, 1, 0x60); // specific EOI, IRQ 0
        assertEquals(0x00, isr(0x20));
        assertEquals(List.of(true, false), intrChanges);
    }

    @Test
    void higherPriorityPreemptsLowerWaits() {
        pic.line(3).pulse();
        pic.line(1).pulse();
        assertEquals(0x31, pic.acknowledge());
        assertFalse(pic.intr(), "IRQ 3 ranks below IRQ 1 in service");
        pic.line(0).pulse();
        assertTrue(pic.intr(), "IRQ 0 outranks IRQ 1");
        assertEquals(0x30, pic.acknowledge());
        pic.out(0x20, 1, 0x20); // non-specific EOI ends IRQ 0, the highest in service
        assertEquals(0x02, isr(0x20));
        assertFalse(pic.intr());
        pic.out(0x20, 1, 0x20);
        assertTrue(pic.intr());
        assertEquals(0x33, pic.acknowledge());
    }

    @Test
    void maskedRequestsWaitInIrr() {
        pic.out(0x21, 1, 0x10); // mask IRQ 4
        pic.line(4).pulse();
        assertFalse(pic.intr());
        assertEquals(0x10, irr(0x20));
        pic.out(0x21, 1, 0x00);
        assertTrue(pic.intr());
        assertEquals(0x34, pic.acknowledge());
    }

    @Test
    void slaveInterruptsComeThroughTheCascade() {
        pic.line(10).pulse();
        assertTrue(pic.intr());
        assertEquals(0x3A, pic.acknowledge());
        assertEquals(0x04, isr(0x20));
        assertEquals(0x04, isr(0xA0));
        // Linux: specific EOI to the slave, then to the master's cascade input.
        pic.out(0xA0, 1, 0x62);
        pic.out(0x20, 1, 0x62);
        assertEquals(0, isr(0x20));
        assertEquals(0, isr(0xA0));
        assertFalse(pic.intr());
    }

    @Test
    void levelTriggeredLineKeepsRequestingUntilLowered() {
        pic.setLevelTriggered(10, true);
        assertEquals(0x04, pic.in(0x4D1, 1));
        IrqLine virtio = pic.line(10);
        virtio.set(true);
        assertEquals(0x3A, pic.acknowledge());
        pic.out(0xA0, 1, 0x62);
        pic.out(0x20, 1, 0x62);
        assertTrue(pic.intr(), "still asserted after EOI");
        virtio.set(false);
        assertFalse(pic.intr());
        assertEquals(0, irr(0xA0));
    }

    @Test
    void requestThatWentAwayGivesSpuriousIrq7() {
        pic.setLevelTriggered(5, true);
        pic.setIrq(5, true);
        assertTrue(pic.intr());
        pic.setIrq(5, false);
        assertFalse(pic.intr());
        assertEquals(0x37, pic.acknowledge());
        assertEquals(0, isr(0x20), "a spurious IRQ 7 is not in service");
        // The same from the slave: the cascade input drops with it.
        pic.setLevelTriggered(11, true);
        pic.setIrq(11, true);
        pic.setIrq(11, false);
        assertEquals(0x37, pic.acknowledge());
    }

    @Test
    void edgeInputsIgnoreAHeldLineAndElcrIgnoresFixedEdgeIrqs() {
        pic.setIrq(4, true);
        assertEquals(0x34, pic.acknowledge());
        pic.out(0x20, 1, 0x64);
        assertFalse(pic.intr(), "no new edge while the line stays high");
        pic.setIrq(4, false);
        pic.setIrq(4, true);
        assertTrue(pic.intr());
        pic.out(0x4D0, 1, 0xFF);
        assertEquals(0xF8, pic.in(0x4D0, 1), "IRQ 0-2 cannot be level-triggered");
    }

    @Test
    void autoEoiLeavesNothingInService() {
        pic.out(0x20, 1, 0x11);
        pic.out(0x21, 1, 0x30);
        pic.out(0x21, 1, 0x04);
        pic.out(0x21, 1, 0x03); // 8086 mode, auto-EOI
        assertEquals(0, pic.in(0x21, 1), "ICW1 clears the mask");
        pic.line(1).pulse();
        assertEquals(0x31, pic.acknowledge());
        assertEquals(0, isr(0x20));
    }

    @Test
    void pollModeReadsAndAcknowledges() {
        pic.out(0x21, 1, 0xFF);
        pic.line(6).pulse();
        pic.out(0x20, 1, 0x0C); // OCW3 poll
        assertEquals(0x00, pic.in(0x20, 1), "masked: nothing to poll");
        pic.out(0x21, 1, 0x00);
        pic.out(0x20, 1, 0x0C);
        assertEquals(0x86, pic.in(0x20, 1));
        assertEquals(0x40, isr(0x20));
        assertFalse(pic.intr());
    }

    @Test
    void setPriorityRotatesWhoComesFirst() {
        pic.out(0x20, 1, 0xC3); // IRQ 3 lowest, so IRQ 4 highest
        pic.line(1).pulse();
        pic.line(5).pulse();
        assertEquals(0x35, pic.acknowledge());
        pic.out(0x20, 1, 0xA0); // rotate on non-specific EOI: 5 becomes lowest
        assertEquals(0x31, pic.acknowledge());
    }

    @Test
    void specialMaskModeLetsLowerPrioritiesIn() {
        pic.line(1).pulse();
        assertEquals(0x31, pic.acknowledge());
        pic.line(6).pulse();
        assertFalse(pic.intr());
        pic.out(0x21, 1, 0x02); // mask the in-service IRQ 1...
        pic.out(0x20, 1, 0x68); // ...and enter special mask mode
        assertTrue(pic.intr());
        assertEquals(0x36, pic.acknowledge());
    }

    @Test
    void unknownPortsAndSizesNeverThrow() {
        assertEquals(0xFF, pic.in(0x22, 1));
        pic.out(0x22, 1, 0x12);
        pic.setIrq(2, true);
        pic.setIrq(16, true);
        pic.setIrq(-1, true);
        assertFalse(pic.intr());
        assertTrue(pic.describe().contains("base=0x30"));
        assertTrue(pic.describe().contains("base=0x38"));
    }
}
