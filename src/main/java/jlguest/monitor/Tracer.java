package jlguest.monitor;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import jlguest.cpu.Cpu;
import jlguest.monitor.disasm.Disassembler;
import jlguest.monitor.disasm.Instruction;
import jlguest.monitor.symbols.Symbols;

/**
 * {@code trace insn|int|exc|hypercall on|off [FILE]}: one line per event, addresses as symbols.
 *
 * <p>Instruction tracing makes the CPU single-step (see {@link Debugger}), so it is slow: a few
 * MIPS. Port I/O and MMIO tracing need a hook on the buses, which do not have one yet.
 */
final class Tracer implements Debugger.EventListener {
    enum Kind { INSN, INT, EXC, HYPERCALL }

    private final Map<Kind, PrintWriter> sinks = new EnumMap<>(Kind.class);
    private final Symbols symbols;
    private final Debugger debugger;
    private final PrintWriter console;

    Tracer(Debugger debugger, Symbols symbols, PrintWriter console) {
        this.debugger = debugger;
        this.symbols = symbols;
        this.console = console;
    }

    synchronized void set(Kind kind, boolean on, Path file) throws IOException {
        PrintWriter old = sinks.remove(kind);
        if (old != null && old != console) {
            old.close();
        }
        if (on) {
            sinks.put(kind, file == null ? console : new PrintWriter(Files.newBufferedWriter(file), true));
        }
        debugger.setEventListener(sinks.isEmpty() ? null : this);
    }

    synchronized String status() {
        StringBuilder s = new StringBuilder();
        for (Kind k : Kind.values()) {
            s.append(k.name().toLowerCase()).append(sinks.containsKey(k) ? " on" : " off").append('\n');
        }
        return s.toString();
    }

    private synchronized void emit(Kind kind, String line) {
        PrintWriter w = sinks.get(kind);
        if (w != null) {
            w.println(line);
        }
    }

    @Override
    public void instruction(Cpu cpu) {
        if (!sinks.containsKey(Kind.INSN)) {
            return;
        }
        GuestMemory mem = new GuestMemory(cpu, debugger.machine().ram());
        Instruction insn = Disassembler.decode(mem.code(false), cpu.eip());
        emit(Kind.INSN, symbols.format(cpu.eip()) + ": " + (insn == null ? "(unreadable)" : insn.text(symbols::describe)));
    }

    @Override
    public void interrupt(int vector) {
        Cpu cpu = debugger.cpu();
        emit(Kind.INT, String.format("interrupt 0x%02x at %s", vector, symbols.format(cpu.eip())));
    }

    @Override
    public void exception(int vector, int errorCode, int eip) {
        emit(Kind.EXC, String.format("exception %d error=0x%x at %s cr2=0x%08x", vector, errorCode,
                symbols.format(eip), debugger.cpu().cr(2)));
    }

    @Override
    public void hypercall(int number) {
        emit(Kind.HYPERCALL, String.format("hypercall %d at %s", number, symbols.format(debugger.cpu().eip())));
    }

    /** Used for the monitor console sink; flushes are the console's business. */
    static PrintWriter wrap(Writer w) {
        return new PrintWriter(w, true);
    }
}
