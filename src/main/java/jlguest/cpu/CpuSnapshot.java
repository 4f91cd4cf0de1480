package jlguest.cpu;

import jlguest.cpu.fpu.MmxAlias;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;

/**
 * The CPU's part of a snapshot: every architectural register, the x87, SSE and MXCSR, the PAE
 * PDPTEs, the MSRs we keep, and the retired-instruction count (deterministic time is made of it).
 * It reads and writes the {@link CpuState} fields from outside the run loop, so the hot path
 * knows nothing of snapshots.
 *
 * <p>tour:snapshot:020 The CPU's state is more than its registers: the lazy-flags record (the
 * operation, operands and result of the last ALU instruction, from which CF..OF are computed when
 * asked) is saved as it is, since materializing it would give a different, if equivalent, state;
 * the four PDPTEs are saved because a PAE CPU caches them at MOV CR3 and does not read them again;
 * the interrupt shadow after STI or MOV SS and a pending HLT are saved, since they decide what the
 * very next instruction does. What is left out is a cache: the TLB, the decoded blocks and compiled
 * code are dropped on restore and rebuilt as the guest runs.
 */
public final class CpuSnapshot implements Stateful {
    private final Cpu cpu;

    public CpuSnapshot(Cpu cpu) {
        this.cpu = cpu;
    }

    @Override
    public void save(StateWriter out) {
        Cpu c = cpu;
        out.ints(c.r).i32(c.eip).i32(c.curEip);
        out.i32(c.flags).i32(c.lfOp).i32(c.lfA).i32(c.lfB).i32(c.lfRes);
        out.ints(c.segSel).ints(c.segBase).ints(c.segLimit).ints(c.segAttr);
        out.i32(c.gdtBase).i32(c.gdtLimit).i32(c.idtBase).i32(c.idtLimit);
        out.i32(c.ldtSel).i32(c.ldtBase).i32(c.ldtLimit).i32(c.trSel).i32(c.trBase).i32(c.trLimit).i32(c.trAttr);
        out.i32(c.cpl).bool(c.protectedMode);
        out.i32(c.cr0).i32(c.cr2).i32(c.cr3).i32(c.cr4).ints(c.dr);
        out.i32(c.sysenterCs).i32(c.sysenterEsp).i32(c.sysenterEip).i64(c.tscOffset).i64(c.efer).longs(c.pdpte);
        out.bool(c.intrLine != 0).bool(c.inhibitInterrupts).bool(c.halted).bool(c.reachedUserMode);
        out.bool(c.tripleFault).i32(c.tripleFaultVector).i32(c.tripleFaultError).i32(c.tripleFaultEip);
        // The x87 as FXSAVE sees it (nothing is lost: the full tag is a function of the registers),
        // and the SSE unit.
        out.ints(MmxAlias.header(c.fpu));
        for (int i = 0; i < 8; i++) {
            out.i32(MmxAlias.stSe(c.fpu, i)).i64(MmxAlias.stSig(c.fpu, i));
        }
        out.longs(c.simd.xmm).i32(c.simd.mxcsr());
        out.i64(c.instructions());
    }

    @Override
    public void restore(StateReader in) {
        Cpu c = cpu;
        c.reset();
        in.ints(c.r, "registers");
        c.eip = in.i32();
        c.curEip = in.i32();
        c.flags = in.i32() | 2;
        c.lfOp = in.i32(0, CpuState.K_EAGER | 3, "lazy flags operation");
        c.lfA = in.i32();
        c.lfB = in.i32();
        c.lfRes = in.i32();
        in.ints(c.segSel, "segment selectors");
        in.ints(c.segBase, "segment bases");
        in.ints(c.segLimit, "segment limits");
        in.ints(c.segAttr, "segment attributes");
        c.gdtBase = in.i32();
        c.gdtLimit = in.i32();
        c.idtBase = in.i32();
        c.idtLimit = in.i32();
        c.ldtSel = in.i32();
        c.ldtBase = in.i32();
        c.ldtLimit = in.i32();
        c.trSel = in.i32();
        c.trBase = in.i32();
        c.trLimit = in.i32();
        c.trAttr = in.i32();
        int cpl = in.i32(0, 3, "CPL");
        c.protectedMode = in.bool();
        c.cr0 = in.i32();
        c.cr2 = in.i32();
        c.cr3 = in.i32();
        c.cr4 = in.i32();
        in.ints(c.dr, "debug registers");
        c.sysenterCs = in.i32();
        c.sysenterEsp = in.i32();
        c.sysenterEip = in.i32();
        c.tscOffset = in.i64();
        c.efer = in.i64() & Memory.EFER_NXE;
        in.longs(c.pdpte, "PDPTEs");
        c.intrLine = in.bool() ? OpcodeTable.IF : 0;
        c.inhibitInterrupts = in.bool();
        c.halted = in.bool();
        boolean reachedUser = in.bool();
        c.tripleFault = in.bool();
        c.tripleFaultVector = in.i32();
        c.tripleFaultError = in.i32();
        c.tripleFaultEip = in.i32();
        int[] header = new int[8];
        in.ints(header, "x87 header");
        int[] se = new int[8];
        long[] sig = new long[8];
        for (int i = 0; i < 8; i++) {
            se[i] = in.i32();
            sig[i] = in.i64();
        }
        MmxAlias.restore(c.fpu, header, se, sig);
        in.longs(c.simd.xmm, "XMM registers");
        c.simd.setMxcsr(in.i32());
        long retired = in.i64();
        // What the registers imply, computed as the CPU itself computes it.
        c.paging = (c.cr0 & CpuState.CR0_PG) != 0;
        c.pae = (c.cr4 & CpuState.CR4_PAE) != 0;
        c.nxe = (c.efer & Memory.EFER_NXE) != 0;
        for (int s = 0; s < 6; s++) {
            c.refreshSeg(s);
        }
        c.setCpl(cpl);
        c.reachedUserMode = reachedUser;
        c.restored(retired);
    }
}
