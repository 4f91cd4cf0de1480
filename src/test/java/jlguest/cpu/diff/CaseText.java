package jlguest.cpu.diff;

import java.util.HexFormat;

/** Human-readable renderings of cases and results, for mismatch reports and the dump tool. */
final class CaseText {
    private CaseText() {
    }

    static final String[] REGS = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};

    static String hex(byte[] b) {
        return HexFormat.ofDelimiter(" ").formatHex(b);
    }

    static String regs(int[] r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            sb.append(i == 0 ? "" : " ").append(REGS[i]).append('=').append(String.format("%08x", r[i]));
        }
        return sb.toString();
    }

    /** The inputs of a case on one line. */
    static String inputs(DiffCase c) {
        StringBuilder sb = new StringBuilder();
        sb.append(regs(c.regsIn())).append(String.format(" EFL=%08x seed=%08x", c.eflagsIn(), c.seed()));
        for (DiffCase.Patch p : c.patches()) {
            sb.append(String.format(" [%08x]=%s", Layout.DATA_BASE + p.offset(), hex(p.bytes()).replace(" ", "")));
        }
        return sb.toString();
    }

    /** The outcome part of a result: where it ended or which exception. */
    static String outcome(DiffCase.Result r) {
        if (r.completed()) {
            return String.format("completed at %08x", r.eip());
        }
        return String.format("exception %d at %08x err=%x cr2=%08x", r.vector(), r.eip(), r.errorCode(), r.cr2());
    }

    /** A result on one line. */
    static String result(DiffCase.Result r) {
        StringBuilder sb = new StringBuilder(outcome(r));
        sb.append(' ').append(regs(r.regs())).append(String.format(" EFL=%08x", r.eflags()));
        if (r.segs()[0] != 0x2B || r.segs()[2] != 0x2B || r.segs()[3] != 0x2B) {
            sb.append(String.format(" ES=%x SS=%x DS=%x", r.segs()[0], r.segs()[2], r.segs()[3]));
        }
        for (DiffCase.Run run : r.memory()) {
            sb.append(String.format(" [%08x]=%s", Layout.DATA_BASE + run.offset(), hex(run.bytes()).replace(" ", "")));
        }
        return sb.toString();
    }
}
