package jlguest.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class KernelCommandLineTest {
    @Test
    void appendsSerialConsoleUnlessTheUserChoseOne() {
        assertEquals("root=/dev/vda console=ttyS0", KernelCommandLine.build(List.of("root=/dev/vda"), List.of()));
        assertEquals("console=tty0", KernelCommandLine.build(List.of("console=tty0"), List.of()));
        assertEquals("console=ttyS0 virtio_mmio.device=4K@0xd0000000:5",
                KernelCommandLine.build(List.of(), List.of("virtio_mmio.device=4K@0xd0000000:5")));
    }

    @Test
    void aVirtioConsoleIsHvc0WithTheSerialPortAsEarlyConsoleUnlessTheUserChose() {
        assertEquals("root=/dev/vda earlyprintk=serial,ttyS0,115200 console=hvc0",
                KernelCommandLine.build(List.of("root=/dev/vda"), List.of(), true));
        assertEquals("console=ttyS0", KernelCommandLine.build(List.of("console=ttyS0"), List.of(), true));
        assertEquals("earlycon console=hvc0", KernelCommandLine.build(List.of("earlycon"), List.of(), true));
        assertTrue(KernelCommandLine.consoleIsHvc("earlyprintk=serial,ttyS0 console=hvc0 x=1"));
        assertFalse(KernelCommandLine.consoleIsHvc("console=hvc0 console=ttyS0"), "the last console= is /dev/console");
        assertFalse(KernelCommandLine.consoleIsHvc("root=/dev/vda"));
    }

    @Test
    void wordsWithSpacesGetTheirQuotesBack() {
        assertEquals("jlguest.run=\"echo hi; exit 3\" console=ttyS0",
                KernelCommandLine.build(List.of("jlguest.run=echo hi; exit 3"), List.of()));
        assertEquals("\"a b\"", KernelCommandLine.quoted("a b"));
        assertEquals("plain", KernelCommandLine.quoted("plain"));
    }

    @Test
    void recognisesScriptedMode() {
        assertTrue(KernelCommandLine.isScripted("jlguest.run=\"ls\" console=ttyS0"));
        assertTrue(KernelCommandLine.isScripted("quiet jlguest.run=ls"));
        assertFalse(KernelCommandLine.isScripted("xjlguest.run=ls"));
    }
}
