package jlguest.monitor;

import jlguest.debug.Debugger;
import jlguest.debug.GuestMemory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import jlguest.cpu.Cpu;
import jlguest.debug.disasm.Disassembler;
import jlguest.debug.disasm.Instruction;
import jlguest.debug.symbols.Symbols;

/**
 * {@code trace insn|int|exc|hypercall|io|mmio on|off [FILE]}: one line per event, addresses as
 * symbols.
 *
 * <p>Instruction tracing makes the CPU single-step (see {@link Debugger}), so it is slow: a few
 * MIPS. Port I/O and MMIO tracing watch the buses ({@link jlguest.bus.BusObserver}): every IN/OUT,
 * and every physical access that is not RAM (virtio registers), with the guest EIP that made it.
 */
final class Tracer implements Debugger.EventListener {
    enum Kind { INSN, INT, EXC, HYPERCALL, IO, MMIO }

    private final Map<Kind, PrintWriter> sinks = new EnumMap<>(Kind.class);
    private final Symbols symbols;
    private final Debugger debugger;
    private final PrintWriter console;

    Tracer(Debugger debugger, Symbols symbols, PrintWriter console) {
        this.debugger = debugger;
        this.symbols = symbols;
        this.console = console;
    }

    /** Turns a trace on or off; a new file only, unless {@code overwrite}. */
    synchronized void set(Kind kind, boolean on, Path file, boolean overwrite) throws IOException {
        PrintWriter sink = null;
        if (on && file != null) {   // opened first: a refusal leaves the current trace as it was
            sink = new PrintWriter(overwrite ? Files.newBufferedWriter(file)
                    : Files.newBufferedWriter(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), true);
        }
        PrintWriter old = sinks.remove(kind);
        if (old != null && old != console) {
            old.close();
        }
        if (on) {
            sinks.put(kind, file == null ? console : sink);
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

    @Override
    public void io(int port, int size, boolean write, int value) {
        if (sinks.containsKey(Kind.IO)) {
            emit(Kind.IO, access(write ? "out" : "in ", "port 0x%04x", port, size, value));
        }
    }

    // exercise:07 Name the virtio registers in `trace mmio`. Today a line reads "write 0xd0000050 ...";
    // make it "write 0xd0000050 QueueNotify ..." for every register of a virtio window, so that a
    // driver's whole initialization reads like section 3.1 of the spec. Hint: the windows are
    // 0xD0000000 + 0x1000*n (tour:machine:015); a static table of names by offset next to the
    // REG_ constants in VirtioMmio keeps it in one place; offsets from 0x100 are configuration space.
    // Test: ExercisesTest.exercise07TraceMmioNamesVirtioRegisters.
    @Override
    public void mmio(int address, int size, boolean write, int value) {
        if (sinks.containsKey(Kind.MMIO)) {
            emit(Kind.MMIO, access(write ? "write" : "read ", "0x%08x", address, size, value));
        }
    }

    private String access(String verb, String where, int address, int size, int value) {
        String v = size == 1 ? String.format("0x%02x", value & 0xFF)
                : size == 2 ? String.format("0x%04x", value & 0xFFFF) : String.format("0x%08x", value);
        return String.format("%s " + where + " %s at %s", verb, address, v, symbols.format(debugger.cpu().eip()));
    }

    /** Used for the monitor console sink; flushes are the console's business. */
    static PrintWriter wrap(Writer w) {
        return new PrintWriter(w, true);
    }
}
