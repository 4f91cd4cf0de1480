package jlguest.devices.virtio;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import jlguest.bus.Ram;
import jlguest.bus.IrqLine;

/**
 * The machine's virtio devices, opened from the user's {@code --block} and {@code --net} options.
 *
 * <p>tour:virtio:100 Devices come in command-line order, every {@code --block} first, then every
 * {@code --net}: device n sits at 0xD0000000 + 0x1000*n and raises ISA IRQ 5, 6, 7, 9, 10 or 11
 * (the PC's traditionally free lines; six devices at most). {@link #open} does everything that can
 * fail because of what the user typed (files, locks, sockets) before the guest runs, and the host
 * side lives as long as the launcher. {@link #attach} gives each machine (a reboot makes a new
 * one) fresh transports on its RAM and its interrupt lines, as a power cycle would.
 */
public final class VirtioDevices implements AutoCloseable {
    public static final int MMIO_BASE = 0xD000_0000;
    private static final int[] IRQS = {5, 6, 7, 9, 10, 11};
    /** One per free ISA interrupt line. */
    public static final int MAX_DEVICES = IRQS.length;

    private final List<VirtioDevice> devices;
    private final List<String> names;
    private List<VirtioSlot> slots = List.of();

    /** Opened devices (see jlguest.machine.VirtioBuilder) and their names for the monitor (vda, net0). */
    public VirtioDevices(List<VirtioDevice> devices, List<String> names) {
        if (devices.size() > MAX_DEVICES || names.size() != devices.size()) {
            throw new IllegalArgumentException(devices.size() + " devices, " + names.size() + " names");
        }
        this.devices = List.copyOf(devices);
        this.names = List.copyOf(names);
    }

    /** A machine with no virtio devices. */
    public static VirtioDevices none() {
        return new VirtioDevices(List.of(), List.of());
    }

    /** The IRQ of device n. */
    public static int irq(int n) {
        return IRQS[n];
    }

    /** One {@code virtio_mmio.device=4K@ADDR:IRQ} per device, for the kernel command line. */
    public List<String> commandLineWords() {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            words.add(VirtioSlot.commandLineWord(MMIO_BASE + VirtioMmio.WINDOW_SIZE * i, IRQS[i]));
        }
        return words;
    }

    // exercise:02 Add a virtio-rng device (virtio 1.x section 5.4, device ID 4): one queue, whose
    // buffers are all device-writable; the device fills each with random bytes and returns it at once.
    // Hint: model jlguest.devices.virtio.rng.VirtioRng on VirtioBlk's synchronous path (queueNotified:
    // pop, write, push, then transport.usedBuffers), offer only VERSION_1, use a SecureRandom (a seeded
    // Random in deterministic mode), and add an `--rng` option that opens one here. Test:
    // ExercisesTest.exercise02VirtioRng.
    /**
     * Builds fresh transports for a new machine: on {@code ram}, raising {@code irqLine.apply(irq)},
     * and calling {@code wakeup} (from host threads) when I/O completes. Requests still in flight
     * for a previous machine are dropped.
     */
    public List<VirtioSlot> attach(Ram ram, IntFunction<IrqLine> irqLine, Runnable wakeup) {
        List<VirtioSlot> out = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            VirtioDevice d = devices.get(i);
            VirtioMmio mmio = new VirtioMmio(ram, irqLine.apply(IRQS[i]), d);
            d.reset();
            d.setWakeup(wakeup);
            out.add(new VirtioSlot(i, MMIO_BASE + VirtioMmio.WINDOW_SIZE * i, IRQS[i], names.get(i), mmio));
        }
        slots = List.copyOf(out);
        return slots;
    }

    /** The slots of the last {@link #attach}. */
    public List<VirtioSlot> slots() {
        return slots;
    }

    public int size() {
        return devices.size();
    }

    /** The NOTIFY hypercall: device n, queue q. False when there is no such device or queue. */
    public boolean notifyQueue(int device, int queue) {
        return device >= 0 && device < slots.size() && slots.get(device).notifyQueue(queue);
    }

    /** Every run slice, and after a wakeup: completes host I/O on the CPU thread. */
    public void poll() {
        for (VirtioSlot s : slots) {
            s.poll();
        }
    }

    /** True while any device has requests with a host thread (see {@link VirtioDevice#busy}). */
    public boolean busy() {
        for (VirtioDevice d : devices) {
            if (d.busy()) {
                return true;
            }
        }
        return false;
    }

    /** Device n (in command-line order) and its name (vda, net0, ...), for the monitor. */
    public VirtioDevice device(int n) {
        return devices.get(n);
    }

    public String name(int n) {
        return names.get(n);
    }

    /** For the monitor. */
    public String describe() {
        if (devices.isEmpty()) {
            return "no virtio devices\n";
        }
        StringBuilder sb = new StringBuilder();
        for (VirtioSlot s : slots) {
            sb.append(s.describe());
        }
        return sb.toString();
    }

    /** At shutdown: finishes queued writes, flushes and unlocks images, closes sockets. */
    @Override
    public void close() {
        for (VirtioDevice d : devices) {
            d.close();
        }
    }
}
