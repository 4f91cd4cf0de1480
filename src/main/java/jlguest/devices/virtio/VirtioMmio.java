package jlguest.devices.virtio;

import static jlguest.devices.virtio.VirtioFeatures.STATUS_DRIVER_OK;
import static jlguest.devices.virtio.VirtioFeatures.STATUS_FEATURES_OK;
import static jlguest.devices.virtio.VirtioFeatures.STATUS_NEEDS_RESET;

import jlguest.bus.MmioDevice;
import jlguest.bus.Ram;
import jlguest.bus.IrqLine;
import jlguest.state.StateException;
import jlguest.state.StateReader;
import jlguest.state.StateWriter;
import jlguest.state.Stateful;

/**
 * The virtio-mmio transport, version 2 (virtio 1.x section 4.2): one 4 KiB register window per
 * device, and one interrupt line.
 *
 * <p>tour:virtio:010 A virtio device is two halves. This class is the half every device shares:
 * the registers Linux's virtio_mmio.c reads and writes (magic, version, IDs, feature negotiation,
 * queue setup, status, interrupt status/acknowledge) and the configuration space at 0x100, which
 * belongs to the device half ({@link VirtioDevice}). Linux finds us from a kernel command-line word
 * {@code virtio_mmio.device=4K@0xd0000000:5}, reads the magic "virt" and version 2, then walks the
 * status bits: ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queues, DRIVER_OK.
 *
 * <p>tour:virtio:020 The interrupt is level-triggered, as the PIC is told: the line is up exactly
 * while InterruptStatus is non-zero (bit 0 "used buffers", bit 1 "configuration changed"), and
 * goes down when the driver acknowledges the last bit. When the guest breaks the protocol
 * ({@link RingException}) we do what the spec offers: set DEVICE_NEEDS_RESET, raise a
 * configuration-change interrupt and ignore the device's queues until the driver resets it.
 */
public final class VirtioMmio implements MmioDevice, Stateful {
    public static final int MAGIC = 0x74726976;   // "virt"
    public static final int VERSION = 2;
    /** "JLGQ" in memory byte order, as QEMU's 0x554D4551 spells "QEMU". Linux ignores it. */
    public static final int VENDOR_ID = 0x51474C4A;
    public static final int WINDOW_SIZE = 0x1000;
    public static final int CONFIG_OFFSET = 0x100;

    public static final int INT_USED_BUFFER = 1;
    public static final int INT_CONFIG_CHANGE = 2;

    // Register offsets (virtio 1.x, 4.2.2).
    public static final int REG_MAGIC = 0x000;
    public static final int REG_VERSION = 0x004;
    public static final int REG_DEVICE_ID = 0x008;
    public static final int REG_VENDOR_ID = 0x00C;
    public static final int REG_DEVICE_FEATURES = 0x010;
    public static final int REG_DEVICE_FEATURES_SEL = 0x014;
    public static final int REG_DRIVER_FEATURES = 0x020;
    public static final int REG_DRIVER_FEATURES_SEL = 0x024;
    public static final int REG_QUEUE_SEL = 0x030;
    public static final int REG_QUEUE_NUM_MAX = 0x034;
    public static final int REG_QUEUE_NUM = 0x038;
    public static final int REG_QUEUE_READY = 0x044;
    public static final int REG_QUEUE_NOTIFY = 0x050;
    public static final int REG_INTERRUPT_STATUS = 0x060;
    public static final int REG_INTERRUPT_ACK = 0x064;
    public static final int REG_STATUS = 0x070;
    public static final int REG_QUEUE_DESC_LOW = 0x080;
    public static final int REG_QUEUE_DESC_HIGH = 0x084;
    public static final int REG_QUEUE_DRIVER_LOW = 0x090;
    public static final int REG_QUEUE_DRIVER_HIGH = 0x094;
    public static final int REG_QUEUE_DEVICE_LOW = 0x0A0;
    public static final int REG_QUEUE_DEVICE_HIGH = 0x0A4;
    public static final int REG_SHM_LEN_LOW = 0x0B0;
    public static final int REG_SHM_BASE_HIGH = 0x0BC;
    public static final int REG_CONFIG_GENERATION = 0x0FC;

    private final Ram ram;
    private final IrqLine irq;
    private final VirtioDevice device;
    private final Virtqueue[] queues;
    private final long deviceFeatures;

    private int status;
    private long driverFeatures;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private int queueSel;
    private int interruptStatus;
    private int configGeneration;
    private String resetReason;

    public VirtioMmio(Ram ram, IrqLine irq, VirtioDevice device) {
        this.ram = ram;
        this.irq = irq;
        this.device = device;
        this.deviceFeatures = device.info().features() | VirtioFeatures.bit(VirtioFeatures.VERSION_1);
        this.queues = new Virtqueue[device.info().queueCount()];
        for (int i = 0; i < queues.length; i++) {
            queues[i] = new Virtqueue(ram, i, device.info().queueMaxSize());
            queues[i].reset();
        }
        device.attach(this);
    }

    public Ram ram() {
        return ram;
    }

    public VirtioDevice device() {
        return device;
    }

    public Virtqueue queue(int i) {
        return queues[i];
    }

    /** True when both sides agreed on feature bit {@code bit}. */
    public boolean negotiated(int bit) {
        return (status & STATUS_FEATURES_OK) != 0 && (driverFeatures & (1L << bit)) != 0;
    }

    /** True when the driver is running the device and the device is not broken. */
    public boolean live() {
        return (status & STATUS_DRIVER_OK) != 0 && (status & STATUS_NEEDS_RESET) == 0;
    }

    public int status() {
        return status;
    }

    @Override
    public int read(int offset, int size) {
        if (offset >= CONFIG_OFFSET) {
            return readConfig(offset - CONFIG_OFFSET, size);
        }
        if (size != 4 || (offset & 3) != 0) {
            return 0;   // registers are 32-bit only (4.2.2.2)
        }
        Virtqueue q = selectedQueue();
        return switch (offset) {
            case REG_MAGIC -> MAGIC;
            case REG_VERSION -> VERSION;
            case REG_DEVICE_ID -> device.info().deviceId();
            case REG_VENDOR_ID -> VENDOR_ID;
            case REG_DEVICE_FEATURES -> Integer.compareUnsigned(deviceFeaturesSel, 1) > 0 ? 0
                    : (int) (deviceFeatures >>> (32 * deviceFeaturesSel));
            case REG_QUEUE_NUM_MAX -> q == null ? 0 : q.maxSize();
            case REG_QUEUE_READY -> q != null && q.ready ? 1 : 0;
            case REG_INTERRUPT_STATUS -> interruptStatus;
            case REG_STATUS -> status;
            case REG_CONFIG_GENERATION -> configGeneration;
            default -> offset >= REG_SHM_LEN_LOW && offset <= REG_SHM_BASE_HIGH ? -1 : 0;   // no shared memory
        };
    }

    /**
     * The queue QueueSel names, or null. The guest writes QueueSel as an unsigned 32-bit number:
     * 0x80000000 is a large index, not a negative one, so the bound is checked unsigned.
     */
    private Virtqueue selectedQueue() {
        return Integer.compareUnsigned(queueSel, queues.length) < 0 ? queues[queueSel] : null;
    }

    private int readConfig(int offset, int size) {
        byte[] config = device.config();
        int v = 0;
        for (int i = 0; i < size; i++) {
            int o = offset + i;
            v |= (o < config.length ? config[o] & 0xFF : 0) << (8 * i);
        }
        return v;
    }

    @Override
    public void write(int offset, int size, int value) {
        if (offset >= CONFIG_OFFSET || size != 4 || (offset & 3) != 0) {
            return;   // our configuration spaces are read-only; registers are 32-bit only
        }
        Virtqueue q = selectedQueue();
        switch (offset) {
            case REG_DEVICE_FEATURES_SEL -> deviceFeaturesSel = value;
            case REG_DRIVER_FEATURES_SEL -> driverFeaturesSel = value;
            case REG_DRIVER_FEATURES -> {
                if ((status & STATUS_FEATURES_OK) == 0 && driverFeaturesSel >= 0 && driverFeaturesSel <= 1) {
                    int shift = 32 * driverFeaturesSel;
                    driverFeatures = driverFeatures & ~(0xFFFF_FFFFL << shift) | (value & 0xFFFF_FFFFL) << shift;
                }
            }
            case REG_QUEUE_SEL -> queueSel = value;
            case REG_QUEUE_NUM -> {
                if (q != null && !q.ready) {
                    q.size = value;
                }
            }
            case REG_QUEUE_DESC_LOW, REG_QUEUE_DESC_HIGH -> {
                if (q != null && !q.ready) {
                    q.descAddr = half(q.descAddr, offset == REG_QUEUE_DESC_HIGH, value);
                }
            }
            case REG_QUEUE_DRIVER_LOW, REG_QUEUE_DRIVER_HIGH -> {
                if (q != null && !q.ready) {
                    q.availAddr = half(q.availAddr, offset == REG_QUEUE_DRIVER_HIGH, value);
                }
            }
            case REG_QUEUE_DEVICE_LOW, REG_QUEUE_DEVICE_HIGH -> {
                if (q != null && !q.ready) {
                    q.usedAddr = half(q.usedAddr, offset == REG_QUEUE_DEVICE_HIGH, value);
                }
            }
            case REG_QUEUE_READY -> queueReady(q, value);
            case REG_QUEUE_NOTIFY -> notifyQueue(value);
            case REG_INTERRUPT_ACK -> {
                interruptStatus &= ~value;
                irq.set(interruptStatus != 0);
            }
            case REG_STATUS -> writeStatus(value);
            default -> { }
        }
    }

    private static long half(long old, boolean high, int value) {
        long v = value & 0xFFFF_FFFFL;
        return high ? (old & 0xFFFF_FFFFL) | v << 32 : (old & ~0xFFFF_FFFFL) | v;
    }

    private void queueReady(Virtqueue q, int value) {
        if (q == null) {
            return;
        }
        if (value == 0) {
            q.ready = false;   // the driver tears the queue down; it resets the device soon after
            return;
        }
        if (q.ready || (status & STATUS_NEEDS_RESET) != 0) {
            return;
        }
        try {
            q.enable(negotiated(VirtioFeatures.RING_EVENT_IDX), negotiated(VirtioFeatures.RING_INDIRECT_DESC));
        } catch (RingException e) {
            needsReset(e.getMessage());
        }
    }

    /**
     * tour:virtio:025 Feature negotiation ends when the driver sets FEATURES_OK: we keep the bit only
     * if the driver accepted VERSION_1 (we have no legacy interface) and nothing we did not offer;
     * the driver reads Status back and gives up if the bit did not stick.
     */
    private void writeStatus(int value) {
        if (value == 0) {
            reset();
            return;
        }
        int v = value & 0xFF & ~STATUS_NEEDS_RESET | status & STATUS_NEEDS_RESET;
        if ((v & STATUS_FEATURES_OK) != 0 && (status & STATUS_FEATURES_OK) == 0) {
            boolean modern = (driverFeatures & VirtioFeatures.bit(VirtioFeatures.VERSION_1)) != 0;
            if (!modern || (driverFeatures & ~deviceFeatures) != 0) {
                v &= ~STATUS_FEATURES_OK;
            }
        }
        boolean starting = (v & STATUS_DRIVER_OK) != 0 && (status & STATUS_DRIVER_OK) == 0;
        status = v;
        if (starting && live()) {
            for (Virtqueue q : queues) {   // buffers made available before DRIVER_OK wait until now
                if (q.ready) {
                    notifyQueue(q.index());
                }
            }
        }
    }

    /** True when the device half can be saved in a snapshot (it implements {@link Stateful}). */
    public boolean savable() {
        return device instanceof Stateful;
    }

    /**
     * tour:snapshot:040 A virtio device is saved in two halves, as it is built: the transport's
     * registers and every queue's ring positions here, then the device half's own state (a block
     * device's counters, a network device's link status), which the device class writes itself
     * as a {@link Stateful}. A device half that is not {@code Stateful} cannot be saved, and the
     * machine refuses the snapshot before writing a byte.
     */
    @Override
    public void save(StateWriter out) {
        if (!(device instanceof Stateful s)) {
            throw new StateException("virtio device " + device.info().deviceId() + " cannot be saved");
        }
        out.i32(status).i64(driverFeatures).i32(deviceFeaturesSel).i32(driverFeaturesSel).i32(queueSel);
        out.i32(interruptStatus).i32(configGeneration).string(resetReason);
        for (Virtqueue q : queues) {
            q.save(out);
        }
        s.save(out);
    }

    @Override
    public void restore(StateReader in) {
        if (!(device instanceof Stateful s)) {
            throw new StateException("virtio device " + device.info().deviceId() + " cannot be restored");
        }
        device.reset();
        status = in.i32(0, 0xFF, "virtio status");
        driverFeatures = in.i64();
        if ((driverFeatures & ~deviceFeatures) != 0) {
            throw new StateException("the driver accepted virtio features this device does not offer");
        }
        deviceFeaturesSel = in.i32();
        driverFeaturesSel = in.i32();
        queueSel = in.i32();
        interruptStatus = in.i32(0, INT_USED_BUFFER | INT_CONFIG_CHANGE, "virtio interrupt status");
        configGeneration = in.i32();
        resetReason = in.string();
        for (Virtqueue q : queues) {
            q.restore(in);
        }
        s.restore(in);
    }

    /** Device reset: the driver wrote 0 to Status. Host resources stay open. */
    public void reset() {
        status = 0;
        driverFeatures = 0;
        deviceFeaturesSel = driverFeaturesSel = queueSel = 0;
        interruptStatus = 0;
        resetReason = null;
        for (Virtqueue q : queues) {
            q.reset();
        }
        device.reset();
        irq.set(false);
    }

    // tour:virtio:050 The trip of one request begins with a kick. The driver has put a chain's head in
    // the available ring and bumped avail->idx; then it writes the queue's number to QueueNotify
    // (0x050). That write is a MOV to an address the TLB never maps (MMIO), so the CPU's slow path
    // hands it to the PhysicalBus, which finds this window and calls write(), which calls us. A
    // transport that is broken or not yet DRIVER_OK ignores the kick; otherwise the device half takes
    // over.
    /**
     * The driver kicked queue {@code queue} (a QueueNotify write or our NOTIFY hypercall). Returns
     * false when there is no such queue.
     */
    public boolean notifyQueue(int queue) {
        if (queue < 0 || queue >= queues.length) {
            return false;
        }
        if ((status & STATUS_NEEDS_RESET) != 0) {
            return true;
        }
        if (!queues[queue].ready) {
            needsReset("queue " + queue + " notified before it was made ready");
            return true;
        }
        if ((status & STATUS_DRIVER_OK) == 0) {
            return true;   // served when DRIVER_OK arrives
        }
        try {
            device.queueNotified(queue);
        } catch (RingException e) {
            needsReset(e.getMessage());
        }
        return true;
    }

    /**
     * The CPU thread's regular visit: lets the device finish host I/O. Called even when the device
     * is not live, so that it can drop work that finished after a reset.
     */
    public void poll() {
        try {
            device.poll();
        } catch (RingException e) {
            needsReset(e.getMessage());
        }
    }

    // tour:virtio:260 The trip home: if the driver asked to hear (event index, or no NO_INTERRUPT flag),
    // set bit 0 of InterruptStatus and raise our level-triggered IRQ line at the PIC (tour:faults:050
    // follows it to the CPU). The driver's handler reads InterruptStatus, writes it to InterruptACK (the
    // line drops), reads used->idx, and finds its status byte and its data in the buffers it offered.
    /** After the device pushed used buffers on {@code q}: interrupt if the driver wants to hear. */
    public void usedBuffers(Virtqueue q) {
        if (q.needsInterrupt()) {
            interrupt(INT_USED_BUFFER);
        }
    }

    /** The device's configuration changed (link status, for instance). */
    public void configChanged() {
        configGeneration++;
        if ((status & STATUS_DRIVER_OK) != 0) {
            interrupt(INT_CONFIG_CHANGE);
        }
    }

    private void interrupt(int bits) {
        interruptStatus |= bits;
        irq.set(true);
    }

    /** The guest broke the protocol: stop serving it until it resets us. */
    public void needsReset(String why) {
        if ((status & STATUS_NEEDS_RESET) != 0) {
            return;
        }
        resetReason = why;
        status |= STATUS_NEEDS_RESET;
        interrupt(INT_CONFIG_CHANGE);
    }

    /** Why the device is in DEVICE_NEEDS_RESET, or null. */
    public String resetReason() {
        return resetReason;
    }

    /** For the monitor: status, negotiated features, every queue. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("status 0x%02x, interrupt status %d, config generation %d%n",
                status, interruptStatus, configGeneration));
        if (resetReason != null) {
            sb.append("needs reset: ").append(resetReason).append('\n');
        }
        sb.append("offered: ").append(VirtioFeatures.names(deviceFeatures, device.info().featureNames())).append('\n');
        sb.append("accepted: ").append(VirtioFeatures.names(driverFeatures, device.info().featureNames())).append('\n');
        for (Virtqueue q : queues) {
            sb.append(q.describe()).append('\n');
        }
        sb.append(device.describe());
        return sb.toString();
    }
}
