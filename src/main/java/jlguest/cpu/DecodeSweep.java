package jlguest.cpu;

/**
 * The one door the JMH benchmarks (bench/) need into the CPU beyond its public API: decoder
 * throughput over a buffer of code, without running it. The benchmarks live in their own package
 * (jlguest.bench) and build their machines from public classes only (Ram, PhysicalBus, Cpu); the
 * decoder and its Insn stay package-private, so this class decodes on their behalf.
 */
public final class DecodeSweep {
    private final byte[] code;
    private final int limit;
    private final Insn insn = new Insn();
    private final Decoder.Fetch fetch;
    private int at;

    /** Sweeps {@code code} linearly from its start, wrapping 16 bytes before its end. */
    public DecodeSweep(byte[] code) {
        this.code = code.clone();
        this.limit = code.length - 16;
        if (limit <= 0) {
            throw new IllegalArgumentException("a code buffer needs more than 16 bytes");
        }
        byte[] c = this.code;
        this.fetch = lin -> c[lin] & 0xFF;
    }

    /** Decodes the next {@code n} 32-bit instructions; returns the sum of their opcodes (for a blackhole). */
    public int decode(int n) {
        Insn i = insn;
        int a = at, sum = 0;
        for (int k = 0; k < n; k++) {
            Decoder.decode(fetch, a, true, i);
            sum += i.op;
            a += Math.max(i.len, 1);
            if (a >= limit) {
                a = 0;
            }
        }
        at = a;
        return sum;
    }
}
