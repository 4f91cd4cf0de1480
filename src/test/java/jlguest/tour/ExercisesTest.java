package jlguest.tour;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jlguest.machine.Disks;
import jlguest.machine.VirtioBuilder;
import jlguest.bus.IoPorts;
import jlguest.bus.PhysicalBus;
import jlguest.bus.Ram;
import jlguest.console.ConsoleOutput;
import jlguest.cpu.Cpu;
import jlguest.cpu.CpuHost;
import jlguest.bus.IrqLine;
import jlguest.devices.virtio.VirtioDevice;
import jlguest.devices.virtio.VirtioDevices;
import jlguest.devices.virtio.VirtioMmio;
import jlguest.hypercall.Hypercalls;
import jlguest.launch.Launcher;
import jlguest.machine.Machine;
import jlguest.machine.MachineConfig;
import jlguest.debug.Debugger;
import jlguest.monitor.Monitor;
import jlguest.debug.symbols.Symbols;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tests the exercises (docs/exercises.md) name. Each is disabled until its exercise is done:
 * remove the @Disabled line, build the feature, and make it pass. They compile today, so they only
 * use what exists; the behaviour they check is the exercise's.
 */
class ExercisesTest {

    @Test
    @Disabled("exercise 1: enable when hypercall 7, PUTCHAR, exists (Hypercalls.java)")
    void exercise01PutcharHypercall() {
        Ram ram = new Ram(1 << 20);
        StringBuilder console = new StringBuilder();
        Hypercalls calls = new Hypercalls(ram, new Hypercalls.Services() {
            public void consoleWrite(byte[] b, int off, int len) {
                console.append(new String(b, off, len, StandardCharsets.ISO_8859_1));
            }
            public void haltUntilInterrupt() { }
            public void setTimer(long delayNanos) { }
            public long nanos() {
                return 0;
            }
            public void shutdown(boolean reboot, String message, int status) { }
            public boolean notifyQueue(int device, int queue) {
                return false;
            }
        });
        Cpu cpu = new Cpu(new PhysicalBus(ram), new IoPorts(), CpuHost.NONE);
        for (char c : "hi!".toCharArray()) {
            cpu.setReg(0, 7);    // EAX = PUTCHAR
            cpu.setReg(3, c);    // EBX = the character
            assertEquals(0, calls.call(cpu));
        }
        assertEquals("hi!", console.toString());
    }

    @Test
    @Disabled("exercise 2: enable when jlguest.devices.virtio.rng.VirtioRng exists")
    void exercise02VirtioRng() throws Exception {
        VirtioDevice rng = (VirtioDevice) Class.forName("jlguest.devices.virtio.rng.VirtioRng")
                .getConstructor().newInstance();
        assertEquals(4, rng.deviceId());
        Ram ram = new Ram(1 << 20);
        VirtioMmio t = new VirtioMmio(ram, IrqLine.NONE, rng);
        rng.attach(t);
        // The driver's side, as hello.asm does it: status, features (VERSION_1 only), queue 0.
        t.write(VirtioMmio.REG_STATUS, 4, 1);
        t.write(VirtioMmio.REG_STATUS, 4, 3);
        t.write(VirtioMmio.REG_DRIVER_FEATURES_SEL, 4, 1);
        t.write(VirtioMmio.REG_DRIVER_FEATURES, 4, 1);
        t.write(VirtioMmio.REG_STATUS, 4, 11);
        t.write(VirtioMmio.REG_QUEUE_SEL, 4, 0);
        t.write(VirtioMmio.REG_QUEUE_NUM, 4, 8);
        t.write(VirtioMmio.REG_QUEUE_DESC_LOW, 4, 0x1000);
        t.write(VirtioMmio.REG_QUEUE_DRIVER_LOW, 4, 0x2000);
        t.write(VirtioMmio.REG_QUEUE_DEVICE_LOW, 4, 0x3000);
        t.write(VirtioMmio.REG_QUEUE_READY, 4, 1);
        t.write(VirtioMmio.REG_STATUS, 4, 15);
        ram.write64(0x1000, 0x4000);      // one descriptor: 64 device-writable bytes at 0x4000
        ram.write32(0x1008, 64);
        ram.write16(0x100C, 2);           // VRING_DESC_F_WRITE
        ram.write16(0x2004, 0);           // avail.ring[0] = 0
        ram.write16(0x2002, 1);           // avail.idx = 1
        t.write(VirtioMmio.REG_QUEUE_NOTIFY, 4, 0);
        t.poll();
        assertEquals(1, ram.read16(0x3002), "used.idx");
        assertEquals(64, ram.read32(0x3008), "used.ring[0].len");
        int nonZero = 0;
        for (int i = 0; i < 64; i++) {
            nonZero += ram.read8(0x4000 + i) != 0 ? 1 : 0;
        }
        assertTrue(nonZero > 32, "random bytes, not zeros");
    }

    @Test
    @Disabled("exercise 3: enable when the monitor has `info tlb` (TLB misses per page)")
    void exercise03TlbMissesPerPage() throws Exception {
        try (HelloSession s = new HelloSession(null)) {
            s.runTo("count_ticks");
            String out = s.run("info tlb");
            assertTrue(out.contains("0x00800000") && out.contains("misses"), out);
        }
    }

    @Test
    @Disabled("exercise 4: enable when the monitor has `watch ADDR`")
    void exercise04Watch() throws Exception {
        try (HelloSession s = new HelloSession(null)) {
            s.runTo("count_ticks");
            s.run("delete");
            s.run("watch ticks");
            s.run("continue");
            assertTrue(s.debugger.awaitPause(30_000), "the watch stops the guest");
            String out = s.run("info registers");
            assertTrue(s.all().contains("watch ticks: 0x00000000 -> 0x00000001")
                    || s.all().contains("watch ticks: 0 -> 1"), s.all());
            assertTrue(out.contains("timer_irq"), "stopped in the handler that changed it: " + out);
        }
    }

    @Test
    @Disabled("exercise 5: enable when `info counters` reports idle time")
    void exercise05IdleTime() throws Exception {
        try (HelloSession s = new HelloSession(null)) {
            s.runTo("read_sector");
            Matcher m = Pattern.compile("idle (\\d+) ms").matcher(s.run("info counters"));
            assertTrue(m.find(), s.all());
            assertTrue(Long.parseLong(m.group(1)) >= 40, "five 10 ms ticks are mostly idle: " + m.group());
        }
    }

    @Test
    @Disabled("exercise 6: enable when `stats` counts code invalidations")
    void exercise06CodeInvalidations() throws Exception {
        try (HelloSession s = new HelloSession(null)) {
            s.runTo("read_sector");
            Matcher m = Pattern.compile("code pages invalidated (\\d+)").matcher(s.run("stats"));
            assertTrue(m.find(), s.all());
            // hello never writes to a page it runs code from, so nothing was invalidated.
            assertEquals(0, Long.parseLong(m.group(1)), m.group());
        }
    }

    @Test
    @Disabled("exercise 7: enable when `trace mmio` names virtio registers")
    void exercise07TraceMmioNamesVirtioRegisters(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[512]);
        try (HelloSession s = new HelloSession(disk)) {
            s.runTo("read_sector");
            s.run("trace mmio on");
            s.runTo("read_sector.done");
            for (String reg : new String[] {"MagicValue", "Status", "QueueNumMax", "QueueReady", "QueueNotify",
                    "InterruptStatus", "InterruptACK"}) {
                assertTrue(s.all().contains(reg), reg + " in " + s.all());
            }
        }
    }

    @Test
    @Disabled("exercise 8: enable when `info pic` counts interrupts per IRQ")
    void exercise08InterruptsPerIrq(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[512]);
        try (HelloSession s = new HelloSession(disk)) {
            s.runTo("read_sector.done");
            String out = s.run("info pic");
            assertTrue(out.contains("irq0=5") && out.contains("irq5=1"), out);
        }
    }

    @Test
    @Disabled("exercise 9: enable when hello.asm writes sector 1 and reads it back")
    void exercise09HelloWritesASector(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[4 * 512]);
        String out = HelloSession.runToEnd(disk);
        assertTrue(out.contains("hello: wrote sector 1 and read back: "), out);
        byte[] after = Files.readAllBytes(disk);
        assertTrue(after[512] != 0, "sector 1 was written");
    }

    @Test
    @Disabled("exercise 10: enable when hello.asm visits ring 3 and catches its #UD")
    void exercise10HelloVisitsRing3() throws Exception {
        String out = HelloSession.runToEnd(null);
        assertTrue(out.contains("hello: #UD from ring 3 at EIP="), out);
        assertTrue(out.contains("hello: powering off"), out);
    }

    /** Not an exercise: the harness the exercises use works today (hello under the monitor). */
    @Test
    void helloRunsUnderTheMonitor(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk.img");
        Files.write(disk, "sector zero".getBytes(StandardCharsets.US_ASCII));
        Files.write(disk, new byte[512 - 11], java.nio.file.StandardOpenOption.APPEND);
        try (HelloSession s = new HelloSession(disk)) {
            s.runTo("read_sector.done");
            String counters = s.run("info counters");
            assertTrue(counters.contains("interrupts 6") && counters.contains("exception #PF  1"), counters);
            assertTrue(s.run("x/s sector_buf").contains("\"sector zero\""), s.all());
            assertTrue(s.run("info virtio").contains("(idx 1, taken 1)"), s.all());
        }
        assertTrue(HelloSession.runToEnd(null).contains("hello: powering off"));
    }

    /** hello.elf under the monitor, paused before its first instruction, optionally with a disk. */
    static final class HelloSession implements AutoCloseable {
        final Debugger debugger = new Debugger(true);
        final StringWriter text = new StringWriter();
        final Monitor monitor;
        final VirtioDevices virtio;
        final CompletableFuture<Machine.Outcome> run;
        private int mark;

        HelloSession(Path disk) throws Exception {
            MachineConfig config = config(disk);
            virtio = VirtioBuilder.open(config.disks(), config.networks(), false);
            Launcher.Prepared guest = Launcher.prepare(config, virtio.commandLineWords());
            monitor = new Monitor(debugger, Symbols.fromElf(Files.readAllBytes(config.kernel())),
                    new PrintWriter(text, true));
            CompletableFuture<Machine> made = new CompletableFuture<>();
            run = CompletableFuture.supplyAsync(() -> {
                Machine m = new Machine(guest.ram(), guest.kernel(), config,
                        new ConsoleOutput(new ByteArrayOutputStream()), virtio);
                debugger.attach(m);
                made.complete(m);
                return m.run();
            });
            made.get(10, TimeUnit.SECONDS);
            assertTrue(debugger.awaitPause(10_000), "-S pauses before the first instruction");
        }

        static MachineConfig config(Path disk) {
            return new MachineConfig(16 << 20, Path.of("guest-images/hello/hello.elf"), null,
                    disk == null ? List.of() : Disks.of(disk.toString()), List.of(), true, false, true, List.of());
        }

        /** Runs hello to the end without a monitor; returns its console output. */
        static String runToEnd(Path disk) throws Exception {
            MachineConfig config = config(disk);
            try (VirtioDevices v = VirtioBuilder.open(config.disks(), config.networks(), false)) {
                Launcher.Prepared guest = Launcher.prepare(config, v.commandLineWords());
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                new Machine(guest.ram(), guest.kernel(), config, new ConsoleOutput(out), v).run();
                return out.toString(StandardCharsets.US_ASCII);
            }
        }

        /** One command; returns what it printed. */
        String run(String line) {
            mark = text.getBuffer().length();
            monitor.execute(line);
            return text.getBuffer().substring(mark);
        }

        String all() {
            return text.toString();
        }

        void runTo(String symbol) throws InterruptedException {
            run("delete");
            run("break " + symbol);
            run("continue");
            Thread.sleep(50);
            assertTrue(debugger.awaitPause(30_000), "stopped at " + symbol + ": " + all());
        }

        @Override
        public void close() throws Exception {
            monitor.execute("quit");
            run.get(10, TimeUnit.SECONDS);
            virtio.close();
        }
    }
}
