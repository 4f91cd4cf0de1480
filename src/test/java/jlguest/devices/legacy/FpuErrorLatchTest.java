package jlguest.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class FpuErrorLatchTest {
    @Test
    void ferrRaisesIrq13UntilPort0xF0IsWritten() {
        List<Boolean> levels = new ArrayList<>();
        FpuErrorLatch latch = new FpuErrorLatch(levels::add);
        latch.raise();
        latch.out(FpuErrorLatch.PORT, 1, 0);
        assertEquals(List.of(true, false), levels);
        assertEquals(0xFF, latch.in(FpuErrorLatch.PORT, 1));
    }
}
