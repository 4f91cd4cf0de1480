package jlguest.cpu.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import jlguest.cpu.BlockCompilerBackend.Request;
import jlguest.cpu.CompiledUnit;
import jlguest.cpu.GuestBlock;
import org.junit.jupiter.api.Test;

/** The compiler thread takes the request whose block has been interpreted most while it waited (tour:jit:052). */
class CompileOrderTest {
    private record Waiting(String name, long waste) implements Request {
        @Override
        public GuestBlock[] region() {
            return new GuestBlock[0];
        }

        @Override
        public int version() {
            return 0;
        }

        @Override
        public boolean hot() {
            return false;
        }

        @Override
        public CompiledUnit define(byte[] classBytes, int version, int length, int blocks, Object[] callOuts) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void install(CompiledUnit unit) {
        }

        @Override
        public void uninstall() {
        }
    }

    private static String next(Waiting... pending) {
        return pending[CompilerService.mostWaited(List.of(pending))].name();
    }

    @Test
    void theBlockThatRanMostWhileWaitingGoesFirst() {
        assertEquals("busy", next(new Waiting("old", 40), new Waiting("busy", 9_000), new Waiting("new", 0)));
    }

    @Test
    void amongEqualsTheOldestGoesFirst() {
        assertEquals("first", next(new Waiting("first", 0), new Waiting("second", 0), new Waiting("third", 0)));
        assertEquals("b", next(new Waiting("a", 5), new Waiting("b", 70), new Waiting("c", 70)));
    }
}
