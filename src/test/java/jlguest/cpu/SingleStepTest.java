package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import jlguest.cpu.EntryState;
import org.junit.jupiter.api.Test;

/**
 * Single-step traps (TF) around REP string instructions and MOV SS / POP SS, and the interrupt
 * shadows of STI and MOV SS.
 *
 * <p>The expected trap sequences are the host CPU's: tools/singlestep/ runs the same instruction
 * sequences in 64-bit user mode (this host cannot run 32-bit programs) under a SIGTRAP handler that
 * records RIP and RCX at every single-step trap. It printed, per instruction of the sequence:
 * <pre>
 *   cld; rep movsb (ECX=3)       -> rep/3 rep/2 rep/1 next/0 ...
 *   repe cmpsb (ECX=5, differ@2) -> rep/4 rep/3 next/2 ...
 *   nop; mov ss; nop; nop        -> (mov ss) (2nd nop) ...       no trap right after MOV SS
 * </pre>
 * (POP SS does not exist in 64-bit mode; the SDM gives it MOV SS's rule.)
 */
class SingleStepTest {
    static final int ECX = 1, EBX = 3, EDI = 7;

    /** Flat ring 0 with the standard tables; #DB at 0x1800 records [EIP, ECX] at 0x6000 + 8 * EBX. */
    static TestMachine machine(String code) {
        TestMachine m = new TestMachine();
        m.load(0x1000, TestMachine.hex(code));
        m.cpu.enter(new EntryState(0x1000, 0, 0, 0, 0, 0, 0, 0, 0x80000, 0x10, 0x18));
        m.standardTables();
        // push eax; mov eax,[esp+4]; mov [0x6000+ebx*8],eax; mov [0x6004+ebx*8],ecx; inc ebx; pop eax; iretd
        m.load(0x1800, TestMachine.hex("508b4424048904dd00600000890cdd046000004358cf"));
        m.gate(TestMachine.IDT, 1, 0x10, 0x1800, 0xE, 0);
        return m;
    }

    static int[] traps(TestMachine m) {
        int n = m.r(EBX);
        int[] t = new int[2 * n];
        for (int i = 0; i < n; i++) {
            t[2 * i] = m.ram.read32(0x6000 + 8 * i);
            t[2 * i + 1] = m.ram.read32(0x6004 + 8 * i);
        }
        return t;
    }

    /**
     * {@code xor ebx,ebx; mov esi,0x4000; mov edi,0x5000; mov ecx,3; (TF on: pushf/or/popf); cld;
     * rep movsb (0x101B); pushf (0x101D); and [esp],~TF (0x101E); popf (0x1025); hlt (0x1026)}
     */
    @Test
    void repMovsbTrapsAfterEveryIteration() {
        TestMachine m = machine("31dbbe00400000bf00500000b9030000009c810c24000100009dfcf3a49c812424fffeffff9df4");
        m.ram.write32(0x4000, 0x00CCBBAA);
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertArrayEquals(new int[] {0x101B, 3, 0x101B, 2, 0x101B, 1, 0x101D, 0, 0x101E, 0, 0x1025, 0, 0x1026, 0},
                traps(m));
        assertEquals(0xCCBBAA, m.ram.read32(0x5000));
    }

    /** {@code ... mov ecx,5; mov byte [0x4002],1; (TF on); repe cmpsb (0x1021); pushf (0x1023); ...} */
    @Test
    void repeCmpsbTrapsAfterEveryIterationUntilTheMismatch() {
        TestMachine m = machine("31dbbe00400000bf00500000b905000000c60502400000019c810c24000100009df3a6"
                + "9c812424fffeffff9df4");
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        assertArrayEquals(new int[] {0x1021, 4, 0x1021, 3, 0x1023, 2, 0x1024, 2, 0x102B, 2, 0x102C, 2}, traps(m));
    }

    /**
     * {@code xor ebx,ebx; mov eax,ss; (TF on); nop (0x100D); mov ss,ax (0x100E); nop (0x1010);
     * push ss (0x1011); pop ss (0x1012); nop (0x1013); pushf (0x1014); and (0x1015); popf (0x101C); hlt}:
     * no trap after MOV SS or POP SS, the next one comes after the instruction that follows them.
     */
    @Test
    void movSsAndPopSsHoldOffTheSingleStepTrap() {
        TestMachine m = machine("31db8cd09c810c24000100009d908ed0901617909c812424fffeffff9df4");
        assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
        int[] t = traps(m);
        int[] eips = new int[t.length / 2];
        for (int i = 0; i < eips.length; i++) {
            eips[i] = t[2 * i];
        }
        assertArrayEquals(new int[] {0x100E, 0x1011, 0x1012, 0x1014, 0x1015, 0x101C, 0x101D}, eips);
    }

    /** The same with STI: its shadow holds off interrupts only; the single-step trap after it is taken. */
    @Test
    void stiDoesNotHoldOffTheSingleStepTrap() {
        // xor ebx,ebx; (TF on); sti (0x100B); nop (0x100C); pushf; and; popf; hlt
        TestMachine m = machine("31db9c810c24000100009dfb909c812424fffeffff9df4");
        assertEquals(Stop.HALT, m.run(), m.cpu.stopMessage());   // HLT with IF=1
        assertEquals(0x100C, traps(m)[0]);
    }

    /** An interrupt handler at vector 0x20 that counts in EDI. */
    static TestMachine interruptible(int at, String code) {
        TestMachine m = machine("e9" + String.format("%08x", Integer.reverseBytes(at - 0x1005)));
        m.load(at, TestMachine.hex(code));
        m.load(0x2000, TestMachine.hex("faf4"));   // cli; hlt
        m.load(0x1900, TestMachine.hex("47cf"));   // inc edi; iretd
        m.gate(TestMachine.IDT, 0x20, 0x10, 0x1900, 0xE, 0);
        return m;
    }

    /**
     * STI as the last instruction of a page (so of a block), then CLI: the interrupt pending since
     * before STI is never taken, since the shadow covers the CLI. With a NOP between them it is.
     */
    @Test
    void stiShadowCoversExactlyOneInstruction() {
        TestMachine shadowed = interruptible(0x1FFF, "fb");
        shadowed.cpu.setIntrLine(true);
        assertEquals(Stop.HALT_FOREVER, shadowed.run(), shadowed.cpu.stopMessage());
        assertEquals(0, shadowed.r(EDI));

        TestMachine after = interruptible(0x1FFE, "fb90");   // sti; nop
        after.cpu.setIntrLine(true);
        assertEquals(Stop.HALT_FOREVER, after.run(), after.cpu.stopMessage());
        assertEquals(1, after.r(EDI));
    }

    /**
     * {@code mov eax,ss; sti; nop; mov ss,ax} ends the page, with INTR up since before the STI: the MOV
     * SS shadow covers the CLI that follows, so no interrupt. With a NOP after the MOV SS, the
     * interrupt comes before the CLI.
     */
    @Test
    void movSsShadowHoldsOffInterrupts() {
        for (boolean withNop : new boolean[] {false, true}) {
            String code = "8cd0fb908ed0" + (withNop ? "90" : "");
            TestMachine m = interruptible(0x2000 - code.length() / 2, code);
            m.cpu.setIntrLine(true);
            assertEquals(Stop.HALT_FOREVER, m.run(), m.cpu.stopMessage());
            assertEquals(withNop ? 1 : 0, m.r(EDI), "with a NOP after MOV SS: " + withNop);
        }
    }
}
