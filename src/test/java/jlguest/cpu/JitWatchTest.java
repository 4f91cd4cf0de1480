package jlguest.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jlguest.cpu.jit.CompilerService;
import org.junit.jupiter.api.Test;

/**
 * Compiled units test for a stop only after instructions that write memory (tour:jit:045), so
 * while the debugger watches reads the run loop must interpret: a watched read has to end the
 * block right after it, in compiled mode as in the interpreter.
 */
class JitWatchTest {
    static {
        Cpu.useBlockCompiler(CompilerService.BACKEND);
    }

    // 0x1000: l: mov eax, [0x8000]; inc ecx; mov [0x8004], ecx; jmp l
    private static final String LOOP = "a100800000" + "41" + "890d04800000" + "ebf2";

    /** Reads of the dword at 0x8000 are watched (its page loses its fast read permission). */
    private static final DataWatch READS_OF_8000 = new DataWatch() {
        @Override
        public int pageMode(int vpn) {
            return vpn == 8 ? READS : 0;
        }

        @Override
        public boolean hit(int lin, int size, boolean write) {
            return !write && lin <= 0x8000 && lin + size > 0x8000;
        }
    };

    @Test
    void aWatchedReadStopsRightAfterItWithTheCompilerOnAsWithout() {
        for (String mode : new String[] {"off", "all"}) {
            TestMachine m = JitLockstepTest.withJit(mode, () -> TestMachine.flat(LOOP));
            m.load(0x8000, new byte[] {0x78, 0x56, 0x34, 0x12});
            m.cpu.setDataWatch(READS_OF_8000);
            assertEquals(Stop.REQUESTED, m.cpu.run(1000), mode + ": the watchpoint stops the run");
            assertEquals(0x1005, m.cpu.eip(), mode + ": EIP right after the read");
            assertEquals(0x12345678, m.r(0), mode + ": EAX read");
            assertEquals(0, m.r(1), mode + ": nothing after the read ran (ECX)");
        }
    }
}
