package jlguest.devices.virtio.blk;

import jlguest.devices.virtio.DescriptorChain;

/**
 * One virtio_blk request on its way from the available ring to the used ring.
 *
 * <p>The CPU thread fills it in from the chain (and, for a write, copies the data out of guest RAM
 * into {@link #data}); the I/O worker touches only the fields below {@code data}, and the host file;
 * the CPU thread then copies read data back into the chain. {@link #generation} ties it to one
 * device lifetime: a request finishing after the driver reset the device is dropped, its chain no
 * longer means anything.
 */
final class BlockRequest {
    final DescriptorChain chain;
    final long generation;
    final int type;
    final long sector;
    /** Read: filled by the worker. Write: filled by the CPU thread. */
    byte[] data;
    /** A VIRTIO_BLK_S_* value, set by whoever served the request. */
    int status;
    /** Bytes of {@link #data} (or of the GET_ID answer) to copy into the writable stream. */
    int answerLength;
    /** Bytes this request counts against the device's in-flight bound (CPU thread only). */
    long hostBytes;

    BlockRequest(DescriptorChain chain, long generation, int type, long sector) {
        this.chain = chain;
        this.generation = generation;
        this.type = type;
        this.sector = sector;
    }
}
