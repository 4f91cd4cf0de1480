package jlguest.cpu.jit;

import jlguest.cpu.GuestInsn;

/**
 * What the block compiler takes (tour:jit:010): which guest instructions it translates, which of
 * them leave the block on their own, and which touch guest memory, or only read it: those decide
 * where a unit may fault and where it tests for a write to its own code (tour:jit:045).
 */
final class Translatable {
    private Translatable() {
    }

    /** How many instructions of the block (from the first) this compiler can translate. */
    static int translatable(GuestInsn[] insns, int count) {
        int m = 0;
        while (m < count && supported(insns[m])) {
            m++;
        }
        return m;
    }

    /**
     * 16-bit operands (a 0x66 prefix in 32-bit code) for the ALU, MOV, TEST, XCHG and shift forms:
     * they go through the interpreter's general {@code alu}/{@code shift} with size 1.
     * {@code -Djlguest.jit.words=false} leaves them interpreted.
     */
    static final boolean WORDS = !"false".equals(System.getProperty("jlguest.jit.words"));

    /** Translated, or handed to the interpreter in place (tour:jit:016). */
    static boolean supported(GuestInsn i) {
        return translated(i) || callOut(i);
    }

    /**
     * {@code -Djlguest.jit.callouts=false}: no instruction is handed to the interpreter from
     * inside a unit (its block ends the unit there, as before).
     */
    static final boolean CALL_OUTS = !"false".equals(System.getProperty("jlguest.jit.callouts"));

    /**
     * Not translated, but a unit may hand it to the interpreter and go on (tour:jit:016): an
     * instruction that works on registers, flags, memory, the x87 or the SIMD registers and
     * nothing else. Never one that may change control flow (jumps, calls, returns, INT, LOOP),
     * a segment register, a control, debug or model-specific register, the interrupt flag
     * (CLI, STI, POPF), or one that reads the instruction count or the clock (RDTSC), whose
     * value inside a unit would differ from the interpreter's; nor port I/O or HLT.
     */
    static boolean callOut(GuestInsn i) {
        if (!CALL_OUTS || i.source() == null || !i.a32() || translated(i)) {
            return false;
        }
        int op = i.op();
        if (op >= 0xD8 && op <= 0xDF || op == 0x9B) {
            return true;        // x87, FWAIT
        }
        if (op >= 0xA4 && op <= 0xA7 || op >= 0xAA && op <= 0xAF) {
            return true;        // MOVS, CMPS, STOS, LODS, SCAS, with or without REP
        }
        if (op >= 0x110 && op <= 0x117 || op >= 0x128 && op <= 0x12F || op >= 0x150 && op <= 0x17F
                || op >= 0x1C2 && op <= 0x1C6 || op >= 0x1D0 && op <= 0x1FF) {
            return true;        // MMX, SSE, SSE2
        }
        return switch (op) {
            case 0x9C, 0x9E, 0x9F, 0xF5, 0xF8, 0xF9 -> true;       // PUSHF, SAHF, LAHF, CMC, CLC, STC
            case 0x1A2 -> true;                                     // CPUID
            case 0x1A3, 0x1AB, 0x1B3, 0x1BB, 0x1BA, 0x1BC, 0x1BD -> true;  // BT, BTS, BTR, BTC, BSF, BSR
            case 0x1B0, 0x1B1, 0x1C0, 0x1C1 -> true;                // CMPXCHG, XADD
            case 0x1C7 -> i.reg() == 1 && i.mod() != 3;             // CMPXCHG8B
            case 0x1AE -> i.mod() != 3 && i.reg() <= 3;             // FXSAVE, FXRSTOR, LDMXCSR, STMXCSR
            case 0xF6, 0xF7 -> i.reg() >= 4;                        // MUL, IMUL, DIV, IDIV of the other sizes
            default -> false;
        };
    }

    /** Translated into bytecode of its own. */
    static boolean translated(GuestInsn i) {
        if (!i.a32()) {
            return false;
        }
        int op = i.op();
        int sz = i.sz();
        boolean mem = i.mod() != 3;
        boolean sized = sz != 1 || WORDS;     // byte and dword operands; words unless switched off
        if (op < 0x40 && (op & 7) <= 5 && (op & 6) != 6 && op != 0x0F) {
            return sized;
        }
        if (op >= 0x40 && op <= 0x5F || op >= 0x91 && op <= 0x97 || op >= 0xB8 && op <= 0xBF
                || op >= 0x140 && op <= 0x14F || op >= 0x1C8 && op <= 0x1CF) {
            return i.o32();
        }
        if (op >= 0x70 && op <= 0x7F || op >= 0x180 && op <= 0x18F) {
            return i.o32();
        }
        if (op >= 0x190 && op <= 0x19F || op >= 0xB0 && op <= 0xB7) {
            return true;
        }
        switch (op) {
            case 0x80: case 0x81: case 0x82: case 0x83:
            case 0x84: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89: case 0x8A: case 0x8B:
            case 0xA0: case 0xA1: case 0xA2: case 0xA3: case 0xA8: case 0xA9:
            case 0xC0: case 0xC1: case 0xD0: case 0xD1: case 0xD2: case 0xD3:
                return sized;
            case 0x8D:
                return i.o32() && mem;
            case 0xC6: case 0xC7:
                return sized && i.reg() == 0;
            case 0x68: case 0x6A: case 0x69: case 0x6B: case 0x1AF:
            case 0x98: case 0x99: case 0xC2: case 0xC3: case 0xC9: case 0xE8: case 0xE9: case 0xEB:
                return i.o32();
            case 0x90: case 0xFC: case 0xFD:     // NOP (XCHG AX,AX and PAUSE too), CLD, STD
                return true;
            case 0x1A4: case 0x1A5: case 0x1AC: case 0x1AD:     // SHLD, SHRD
                return sized;
            case 0x1AE:     // LFENCE, MFENCE, SFENCE (the kernel's speculation barriers): one CPU, nothing to wait for
                return i.mod() == 3 && i.reg() >= 5 && i.o32() && i.rep() == 0;
            case 0x1B6: case 0x1B7: case 0x1BE: case 0x1BF:
                return i.o32();
            case 0xF6:
                return i.reg() <= 3;
            case 0xF7:     // TEST, NOT, NEG of any size; MUL, IMUL, DIV, IDIV of EDX:EAX
                return i.reg() <= 3 ? sized : i.o32();
            case 0xFE:
                return i.reg() <= 1;
            case 0xFF:
                return i.o32() && (i.reg() <= 2 || i.reg() == 4 || i.reg() == 6);
            default:
                return false;
        }
    }

    /** Always leaves the block (it exits on its own, so no abort check follows it). */
    static boolean endsBlock(GuestInsn i) {
        int op = i.op();
        return op == 0xC2 || op == 0xC3 || op == 0xE8 || op == 0xE9 || op == 0xEB
                || op == 0xFF && (i.reg() == 2 || i.reg() == 4);
    }

    /** Reads guest memory but never writes it (so it cannot write the running code page). */
    static boolean onlyReads(GuestInsn i) {
        int op = i.op();
        if (op < 0x40 && (op & 7) <= 3) {
            return (op & 2) != 0 || (op & 0x38) == 0x38;     // G,E forms, and CMP E,G
        }
        return switch (op) {
            case 0x84, 0x85, 0x8A, 0x8B, 0xA0, 0xA1, 0xC9, 0x69, 0x6B, 0x1AF, 0x1B6, 0x1B7, 0x1BE, 0x1BF -> true;
            case 0x80, 0x81, 0x82, 0x83 -> i.reg() == 7;
            case 0xF6, 0xF7 -> i.reg() == 0 || i.reg() >= 4;
            default -> op >= 0x58 && op <= 0x5F || op >= 0x140 && op <= 0x14F;
        };
    }

    /** Reads or writes guest memory (so it may fault, or write the running code page). */
    static boolean touchesMemory(GuestInsn i) {
        int op = i.op();
        return i.mod() != 3 && op != 0x8D || op >= 0x50 && op <= 0x5F || op == 0x68 || op == 0x6A
                || op == 0xC2 || op == 0xC3 || op == 0xC9 || op == 0xE8 || op == 0xFF && i.reg() >= 2;
    }
}
