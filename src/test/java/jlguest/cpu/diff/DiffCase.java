package jlguest.cpu.diff;

import java.util.List;

/**
 * One differential-test case: an instruction, the state it starts from, and (once the host harness
 * has run it) what the real CPU did.
 *
 * @param form       index into the vector file's form names ("ADD Ev,Gv o16 mem", ...), for reports
 * @param code       the instruction bytes, prefixes included (1..15)
 * @param eflagsIn   initial EFLAGS (always with IF and bit 1 set, never TF or AC)
 * @param regsIn     initial EAX ECX EDX EBX ESP EBP ESI EDI
 * @param seed       seed of the data pages' contents, see {@link DataFill}
 * @param patches    explicit bytes written over the seeded data (edge values at operand addresses)
 * @param undefFlags EFLAGS bits not to compare: the table's undefined flags, refined for this case
 * @param result     what the host CPU did, or null in a not-yet-run case file
 */
record DiffCase(int form, byte[] code, int eflagsIn, int[] regsIn, int seed, List<Patch> patches,
                int undefFlags, Result result) {

    /** {@code bytes} written at data offset {@code offset} before the case runs. */
    record Patch(int offset, byte[] bytes) {
    }

    /** A run of changed data bytes after the case ran. */
    record Run(int offset, byte[] bytes) {
    }

    /**
     * The outcome.
     *
     * @param completed true when the instruction finished and execution reached {@code eip}
     * @param vector    exception vector when not completed (0 #DE, 3 #BP, 4 #OF, 5 #BR, 6 #UD,
     *                  13 #GP, 14 #PF, 17 #AC), else -1
     * @param eip       where execution went (completed), or the EIP the exception reported
     * @param errorCode the exception's error code as the host kernel reported it (0 if none)
     * @param cr2       the faulting linear address for #PF, else 0
     * @param eflags    EFLAGS at the end (or at the exception)
     * @param regs      all eight registers at the end (or at the exception)
     * @param segs      ES CS SS DS selectors at the end (or at the exception)
     * @param memory    the changed data bytes
     */
    record Result(boolean completed, int vector, int eip, int errorCode, int cr2, int eflags, int[] regs,
                  int[] segs, List<Run> memory) {
    }

    DiffCase withResult(Result r) {
        return new DiffCase(form, code, eflagsIn, regsIn, seed, patches, undefFlags, r);
    }
}
