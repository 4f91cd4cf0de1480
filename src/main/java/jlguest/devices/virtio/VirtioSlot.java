package jlguest.devices.virtio;

/**
 * One virtio device as the machine sees it: the window to map, the IRQ it raises, the word that
 * tells Linux about it, and the hooks the run loop, the NOTIFY hypercall and the monitor use.
 * Everything here runs on the CPU thread.
 */
public final class VirtioSlot {
    private final int index;
    private final int base;
    private final int irq;
    private final String name;
    private final VirtioMmio mmio;

    VirtioSlot(int index, int base, int irq, String name, VirtioMmio mmio) {
        this.index = index;
        this.base = base;
        this.irq = irq;
        this.name = name;
        this.mmio = mmio;
    }

    /** Device number n (in command-line order). */
    public int index() {
        return index;
    }

    /** Guest-physical base of the 4 KiB window: 0xD0000000 + 0x1000 * n. */
    public int base() {
        return base;
    }

    /** Size of the window to map. */
    public int size() {
        return VirtioMmio.WINDOW_SIZE;
    }

    /** The ISA IRQ (PIC input), to be configured level-triggered. */
    public int irq() {
        return irq;
    }

    /** "vda", "vdb", ... for disks, "net0", "net1", ... for network devices. */
    public String name() {
        return name;
    }

    /** The device to map with {@code bus.map(base(), size(), mmio())}. */
    public VirtioMmio mmio() {
        return mmio;
    }

    /** {@code virtio_mmio.device=4K@0xd0000000:5}. */
    public String commandLineWord() {
        return commandLineWord(base, irq);
    }

    static String commandLineWord(int base, int irq) {
        return String.format("virtio_mmio.device=4K@0x%x:%d", base, irq);
    }

    /** The NOTIFY hypercall: same as a QueueNotify write; false when there is no such queue. */
    public boolean notifyQueue(int queue) {
        return mmio.notifyQueue(queue);
    }

    /** Call every run slice (and when woken): completes I/O that finished on host threads. */
    public void poll() {
        mmio.poll();
    }

    /** For the monitor: status, negotiated features, each queue's indices and last chain, counters. */
    public String describe() {
        return String.format("virtio %d (%s) at 0x%08x irq %d: ", index, name, base, irq) + mmio.describe();
    }
}
