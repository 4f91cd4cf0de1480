package jlguest.cpu;

/**
 * The CPU state a loader hands to the machine: where to start and what the registers hold.
 *
 * <p>Every kernel format we load is entered in 32-bit protected mode with paging off, flat 4 GiB
 * segments (base 0, limit 0xFFFFFFFF) and interrupts disabled; only the selectors and the general
 * registers differ (machine.md, "Loading and entry").
 *
 * @param eip  the physical (= linear, = virtual: paging is off) entry address
 * @param cs   code selector (a flat 32-bit ring-0 code segment)
 * @param ds   data selector used for DS, ES, SS, FS and GS (a flat ring-0 data segment)
 */
public record EntryState(int eip, int eax, int ebx, int ecx, int edx, int esi, int edi, int ebp,
                         int esp, int cs, int ds) {
    /** Linux 32-bit boot protocol: CS=0x10, DS=ES=SS=0x18, ESI=boot_params, EBP=EDI=EBX=0. */
    public static EntryState linux(int entry, int bootParams) {
        return new EntryState(entry, 0, 0, 0, 0, bootParams, 0, 0, 0, 0x10, 0x18);
    }

    /** Multiboot v1: EAX=0x2BADB002, EBX=multiboot_info. Selectors as for Linux. */
    public static EntryState multiboot(int entry, int multibootInfo) {
        return new EntryState(entry, 0x2BADB002, multibootInfo, 0, 0, 0, 0, 0, 0, 0x10, 0x18);
    }
}
