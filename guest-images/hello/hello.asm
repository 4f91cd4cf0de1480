; hello.asm: the first guest of our own. A multiboot kernel that does, in the open, the things
; Linux does behind a million lines: it prints, builds page tables and turns paging on, takes a
; page fault and handles it, counts timer interrupts, reads a disk sector by driving a virtqueue by
; hand, and powers off.
;
; Where this sits in the tour (docs/tour.md): every part of the story is one section here.
;   boot      the multiboot header below; the loader leaves the magic in EAX, the info in EBX
;   cpu       every instruction here goes through the decoder and the block cache
;   faults    setup_idt, the page-fault handler, the timer and virtio interrupt handlers
;   mmu       setup_paging, and the deliberate fault at FAULT_ADDR
;   bus       the PIC (ports 0x20/0xA0) and the virtio window (MMIO at 0xD0000000)
;   time      SET_TIMER and HALT: ticks without a busy loop
;   virtio    read_sector: reset, negotiate, one queue, a 3-descriptor request, the used ring
;   paravirt  every `vmcall`: the hypercalls of docs/hypercalls.md
;
; Run it (disk.img is one sector of text, made by build.sh):
;   ./lguest 16m guest-images/hello/hello.elf --block=guest-images/hello/disk.img
; or paused, to watch it in the monitor (Ctrl-A c): ./lguest -S 16m guest-images/hello/hello.elf ...
;
; Expected output: see guest-images/hello/README.md (HelloGuestTest checks it, with a disk of its own).
;
; Built by guest-images/build.sh (nasm -f elf32, linked at 1 MiB with multiboot/multiboot-test.ld).

bits 32

; ---- the hypercalls (docs/hypercalls.md): number in EAX, arguments in EBX, ECX, EDX ----
HC_CONSOLE_WRITE equ 1                ; EBX = physical address, ECX = length
HC_HALT          equ 2                ; sleep until an interrupt is pending
HC_SET_TIMER     equ 3                ; EBX:ECX = nanoseconds from now: IRQ 0 once
HC_GET_TIME      equ 4                ; EDX:EAX = nanoseconds since boot
HC_SHUTDOWN      equ 5                ; EBX = 0 power off, ECX = message, EDX = exit status

; ---- our memory map: identity mapped, so a virtual address is its physical address ----
FAULT_ADDR       equ 0x00800000       ; 8 MiB: deliberately left unmapped until the fault
VIRTIO_BASE      equ 0xD0000000       ; the first virtio-mmio window (docs/virtio.md)
VIRTIO_VECTOR    equ 0x25             ; its IRQ 5, through the master PIC at 0x20 + 5
TIMER_VECTOR     equ 0x20             ; IRQ 0
TICKS_WANTED     equ 5

; ---- virtio-mmio v2 registers (offsets from VIRTIO_BASE; VirtioMmio.java) ----
VIRTIO_MAGIC          equ 0x000       ; "virt"
VIRTIO_VERSION        equ 0x004       ; 2
VIRTIO_DEVICE_ID      equ 0x008       ; 2 = block
VIRTIO_DEV_FEATURES   equ 0x010
VIRTIO_DEV_FEAT_SEL   equ 0x014
VIRTIO_DRV_FEATURES   equ 0x020
VIRTIO_DRV_FEAT_SEL   equ 0x024
VIRTIO_QUEUE_SEL      equ 0x030
VIRTIO_QUEUE_NUM_MAX  equ 0x034
VIRTIO_QUEUE_NUM      equ 0x038
VIRTIO_QUEUE_READY    equ 0x044
VIRTIO_QUEUE_NOTIFY   equ 0x050
VIRTIO_INT_STATUS     equ 0x060
VIRTIO_INT_ACK        equ 0x064
VIRTIO_STATUS         equ 0x070
VIRTIO_DESC_LOW       equ 0x080
VIRTIO_DESC_HIGH      equ 0x084
VIRTIO_DRIVER_LOW     equ 0x090       ; the available ring
VIRTIO_DRIVER_HIGH    equ 0x094
VIRTIO_DEVICE_LOW     equ 0x0A0       ; the used ring
VIRTIO_DEVICE_HIGH    equ 0x0A4
VIRTIO_CONFIG         equ 0x100       ; virtio_blk: capacity in 512-byte sectors (u64)

S_ACKNOWLEDGE equ 1                   ; device status bits, in the order a driver sets them
S_DRIVER      equ 2
S_FEATURES_OK equ 8
S_DRIVER_OK   equ 4

QSIZE         equ 8                   ; our queue: 8 entries (we use 3 descriptors)
VRING_NEXT    equ 1                   ; descriptor flags
VRING_WRITE   equ 2                   ; the device writes this buffer

section .multiboot
align 4
    dd 0x1BADB002                     ; magic: "I am a multiboot kernel"
    dd 0x00000003                     ; flags: page-align modules, give us memory info
    dd -(0x1BADB002 + 3)              ; checksum: the three words sum to 0

section .text
global _start
_start:
    ; The loader (MultibootLoader.java) left us in 32-bit protected mode, paging off, with
    ; EAX = 0x2BADB002 and EBX = the multiboot_info it wrote in low memory.
    mov esp, stack_top
    mov [mb_magic], eax
    mov [mb_info], ebx
    ; Our own GDT: the CPU has flat segments cached, but no table behind them, and the IDT's gates
    ; must name a code selector the CPU can look up (tour: mmu, Segments.java).
    lgdt [gdt_descriptor]
    jmp 0x10:.reloaded                ; a far jump reloads CS from the new table
.reloaded:
    mov ax, 0x18
    mov ds, ax
    mov es, ax
    mov ss, ax

    mov esi, msg_hello
    call puts
    mov eax, [mb_magic]
    call puthex
    mov esi, msg_mem
    call puts
    mov ebx, [mb_info]
    mov eax, [ebx + 8]                ; multiboot_info.mem_upper, KiB above 1 MiB
    call putdec
    mov esi, msg_kib
    call puts

    call setup_idt
    call setup_pic
    call setup_paging
    call fault_on_purpose
    call count_ticks
    call read_sector

    mov esi, msg_bye
    call puts
    mov eax, HC_SHUTDOWN
    xor ebx, ebx                      ; 0 = power off
    mov ecx, msg_shutdown             ; printed by the launcher
    xor edx, edx                      ; exit status 0
    vmcall
.forever:                             ; SHUTDOWN does not return; if it did, stop here
    cli
    hlt
    jmp .forever

; ------------------------------------------------------------------------------------------------
; Paging (tour part "mmu"). Two levels: CR3 -> page directory (1024 PDEs, 4 MiB each) -> page
; table (1024 PTEs, 4 KiB each) -> the frame. We map the first 4 MiB one to one (our code, data and
; stack live at 1 MiB), and one page of the virtio window, uncached. FAULT_ADDR stays unmapped.
; ------------------------------------------------------------------------------------------------
PTE_P   equ 1                         ; present
PTE_RW  equ 2                         ; writable
PTE_PCD equ 0x10                      ; cache disable: device registers

setup_paging:
    ; Page table 0: PTE[i] = i * 4096 | P | RW, for i = 0..1023: 0..4 MiB, identity.
    mov edi, page_table_low
    mov eax, PTE_P | PTE_RW
    mov ecx, 1024
.fill:
    mov [edi], eax
    add eax, 4096
    add edi, 4
    loop .fill
    ; The directory: PDE[0] -> page_table_low; PDE[0xD0000000 >> 22] -> page_table_mmio.
    mov eax, page_table_low
    or eax, PTE_P | PTE_RW
    mov [page_directory], eax
    mov eax, page_table_mmio
    or eax, PTE_P | PTE_RW
    mov [page_directory + (VIRTIO_BASE >> 22) * 4], eax
    mov dword [page_table_mmio + ((VIRTIO_BASE >> 12) & 0x3FF) * 4], VIRTIO_BASE | PTE_P | PTE_RW | PTE_PCD
    ; Turn it on: CR3 = the directory, then CR0.PG (and WP: the kernel too respects read-only).
    mov eax, page_directory
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80010000                ; PG | WP
    mov cr0, eax
    jmp .paged                        ; the next fetch is already translated (identity: same place)
.paged:
    mov esi, msg_paging
    call puts
    mov eax, cr3
    call puthex
    mov esi, msg_nl
    call puts
    ret

; Write to an address nobody mapped. The CPU's page walk (Memory.walk) finds PDE[2] not present
; and raises #PF: CR2 = the address, error code 2 (not present | write | kernel). page_fault maps
; a spare page there and returns to this very instruction, which then succeeds.
fault_on_purpose:
    mov esi, msg_fault_try
    call puts
    mov dword [FAULT_ADDR + 0x10], 0x600DF00D     ; faults once, then lands in spare_page
    mov eax, [spare_page + 0x10]                  ; the same bytes through the identity map
    cmp eax, 0x600DF00D
    jne fail
    mov esi, msg_fault_ok
    call puts
    ret

; ------------------------------------------------------------------------------------------------
; Interrupts (tour part "faults"). The IDT: every exception 0..31 goes to `unexpected` unless we
; say otherwise; #PF (14), the timer (0x20) and the virtio disk (0x25) have handlers of their own.
; ------------------------------------------------------------------------------------------------
; set_gate: EAX = vector, EDX = handler. A 32-bit interrupt gate: selector 0x10, present, DPL 0.
set_gate:
    push edi
    lea edi, [idt + eax * 8]
    mov [edi], dx                     ; offset 15..0
    mov word [edi + 2], 0x10          ; code selector
    mov word [edi + 4], 0x8E00        ; P=1, DPL=0, type 0xE (interrupt gate: IF cleared on entry)
    shr edx, 16
    mov [edi + 6], dx                 ; offset 31..16
    pop edi
    ret

setup_idt:
    xor eax, eax
.each:
    mov edx, unexpected
    call set_gate
    inc eax
    cmp eax, 32
    jb .each
    mov eax, 14
    mov edx, page_fault
    call set_gate
    mov eax, TIMER_VECTOR
    mov edx, timer_irq
    call set_gate
    mov eax, VIRTIO_VECTOR
    mov edx, virtio_irq
    call set_gate
    lidt [idt_descriptor]
    ret

; Both 8259As (Pic8259Pair.java): vectors 0x20 and 0x28, cascade on IRQ 2; unmask IRQ 0 (the
; timer hypercall's line) and IRQ 5 (the first virtio device).
setup_pic:
    mov al, 0x11                      ; ICW1: edge, cascade, ICW4 follows
    out 0x20, al
    out 0xA0, al
    mov al, 0x20                      ; ICW2: vector bases
    out 0x21, al
    mov al, 0x28
    out 0xA1, al
    mov al, 0x04                      ; ICW3: slave on IR2 / slave id 2
    out 0x21, al
    mov al, 0x02
    out 0xA1, al
    mov al, 0x01                      ; ICW4: 8086 mode
    out 0x21, al
    out 0xA1, al
    mov al, ~((1 << 0) | (1 << 5)) & 0xFF   ; OCW1: IMR, a 1 masks; IRQ 0 and 5 open
    out 0x21, al
    mov al, 0xFF
    out 0xA1, al
    ret

; #PF. The CPU pushed EFLAGS, CS, EIP (of the faulting instruction) and then the error code.
page_fault:
    pushad
    mov esi, msg_pf_at
    call puts
    mov eax, cr2                      ; the linear address that failed
    call puthex
    mov esi, msg_pf_err
    call puts
    mov eax, [esp + 32]               ; the error code, above the 8 registers pushad saved
    call puthex
    mov esi, msg_nl
    call puts
    ; Only FAULT_ADDR's page is ours to fix; anything else is a bug.
    mov eax, cr2
    and eax, 0xFFFFF000
    cmp eax, FAULT_ADDR
    jne fail
    ; Map it: PDE[2] -> page_table_fault, whose PTE for FAULT_ADDR -> spare_page.
    mov eax, page_table_fault
    or eax, PTE_P | PTE_RW
    mov [page_directory + (FAULT_ADDR >> 22) * 4], eax
    mov eax, spare_page
    or eax, PTE_P | PTE_RW
    mov [page_table_fault + ((FAULT_ADDR >> 12) & 0x3FF) * 4], eax
    mov eax, FAULT_ADDR
    invlpg [eax]                      ; a not-present entry is never cached, but be proper
    mov esi, msg_pf_mapped
    call puts
    popad
    add esp, 4                        ; drop the error code: IRET wants EIP on top
    iret                              ; back to the faulting instruction, which runs again

; exercise:10 Go to ring 3. Add a TSS (its SS0:ESP0 is the stack an interrupt from user mode
; switches to), ring-3 code and data descriptors and user-accessible pages (PTE bit 2), IRET to a
; user routine, and let it try a VMCALL: the CPU refuses (#UD, vector 6, since only CPL 0 may ask).
; Catch it, print "hello: #UD from ring 3 at EIP=...", and power off. Hint: tour step faults:030
; shows where the CPU reads ESP0 from the TSS; `info tss` and `info gdt` in the monitor check your
; tables. Test: ExercisesTest.exercise10HelloVisitsRing3.
unexpected:
    mov esi, msg_unexpected
    call puts
    jmp fail

timer_irq:
    push eax
    inc dword [ticks]
    mov al, 0x20                      ; EOI: tell the master PIC this interrupt is done
    out 0x20, al
    pop eax
    iret

; The virtio interrupt is level-triggered: the line stays up until we acknowledge every bit of
; InterruptStatus, so read it, write it back to InterruptACK, then EOI the PIC.
virtio_irq:
    push eax
    mov eax, [VIRTIO_BASE + VIRTIO_INT_STATUS]
    mov [VIRTIO_BASE + VIRTIO_INT_ACK], eax
    inc dword [virtio_irqs]
    mov al, 0x20
    out 0x20, al
    pop eax
    iret

; ------------------------------------------------------------------------------------------------
; Time (tour parts "time" and "paravirt"). No PIT programming: ask the machine for one IRQ 0 10 ms
; from now, sleep with the HALT hypercall, count the tick in timer_irq, repeat.
; ------------------------------------------------------------------------------------------------
count_ticks:
    sti
.next:
    mov eax, HC_SET_TIMER
    xor ebx, ebx                      ; nanoseconds, high half
    mov ecx, 10000000                 ; low half: 10 ms
    vmcall
    mov edi, [ticks]
.wait:
    ; The race every kernel must avoid: if the tick arrived between our test and the halt, a
    ; plain HLT would sleep forever. So test with interrupts off; HALT returns once an interrupt
    ; is pending even with IF=0 (like STI; HLT), and STI lets it in.
    cli
    cmp [ticks], edi
    jne .ticked
    mov eax, HC_HALT
    vmcall
    sti
    jmp .wait
.ticked:
    sti
    cmp dword [ticks], TICKS_WANTED
    jb .next
    mov esi, msg_ticks
    call puts
    mov eax, [ticks]
    call putdec
    mov esi, msg_ticks2
    call puts
    ret

; ------------------------------------------------------------------------------------------------
; Virtio (tour part "virtio"): read sector 0 of the first virtio_blk device, by hand. The driver
; side of virtio 1.x section 3.1 (device initialization) and 2.7 (split virtqueues).
; ------------------------------------------------------------------------------------------------
; exercise:09 Write before you read. After reading sector 0, write a sector: a request of type
; OUT (1) for sector 1 whose data descriptor the device reads (no VRING_WRITE), then read sector 1
; back and print "hello: wrote sector 1 and read back: ..." with its first bytes. Hint: reuse the
; three descriptors, offer the chain again at avail.ring[1] with avail.idx = 2, and wait for
; used.idx = 2; the disk must not be read-only (no ",ro"). Rebuild with guest-images/build.sh
; multiboot. Test: ExercisesTest.exercise09HelloWritesASector.
read_sector:
    mov ebx, VIRTIO_BASE
    cmp dword [ebx + VIRTIO_MAGIC], 0x74726976    ; "virt"
    jne .none
    cmp dword [ebx + VIRTIO_VERSION], 2
    jne .none
    cmp dword [ebx + VIRTIO_DEVICE_ID], 2         ; block
    jne .none

    ; 1. Reset, then say we have seen it (ACKNOWLEDGE) and can drive it (DRIVER).
    mov dword [ebx + VIRTIO_STATUS], 0
    mov dword [ebx + VIRTIO_STATUS], S_ACKNOWLEDGE
    mov dword [ebx + VIRTIO_STATUS], S_ACKNOWLEDGE | S_DRIVER
    ; 2. Features: the device must offer VERSION_1 (bit 32, bit 0 of the second word); we accept
    ;    exactly that and nothing else (no event index, no indirect descriptors: the simplest rings).
    mov dword [ebx + VIRTIO_DEV_FEAT_SEL], 1
    test dword [ebx + VIRTIO_DEV_FEATURES], 1
    jz fail
    mov dword [ebx + VIRTIO_DRV_FEAT_SEL], 0
    mov dword [ebx + VIRTIO_DRV_FEATURES], 0
    mov dword [ebx + VIRTIO_DRV_FEAT_SEL], 1
    mov dword [ebx + VIRTIO_DRV_FEATURES], 1
    mov dword [ebx + VIRTIO_STATUS], S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK
    test dword [ebx + VIRTIO_STATUS], S_FEATURES_OK   ; still set? then the device agrees
    jz fail
    ; 3. Queue 0: how big may it be, how big is it, where are its three parts.
    mov dword [ebx + VIRTIO_QUEUE_SEL], 0
    cmp dword [ebx + VIRTIO_QUEUE_NUM_MAX], QSIZE
    jb fail
    mov dword [ebx + VIRTIO_QUEUE_NUM], QSIZE
    mov dword [ebx + VIRTIO_DESC_LOW], vq_desc
    mov dword [ebx + VIRTIO_DESC_HIGH], 0
    mov dword [ebx + VIRTIO_DRIVER_LOW], vq_avail
    mov dword [ebx + VIRTIO_DRIVER_HIGH], 0
    mov dword [ebx + VIRTIO_DEVICE_LOW], vq_used
    mov dword [ebx + VIRTIO_DEVICE_HIGH], 0
    mov dword [ebx + VIRTIO_QUEUE_READY], 1
    ; 4. DRIVER_OK: the device is live.
    mov dword [ebx + VIRTIO_STATUS], S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK
    mov esi, msg_vblk
    call puts
    mov eax, [ebx + VIRTIO_CONFIG]    ; capacity, low word (sectors)
    call putdec
    mov esi, msg_sectors
    call puts

    ; 5. The request: three descriptors chained by NEXT. A descriptor is 16 bytes:
    ;    u64 address, u32 length, u16 flags, u16 next.
    ;    [0] the header {u32 type = 0 (IN: read), u32 reserved, u64 sector = 0}, device reads it
    mov dword [vq_desc + 0], blk_header
    mov dword [vq_desc + 8], 16
    mov word  [vq_desc + 12], VRING_NEXT
    mov word  [vq_desc + 14], 1
    ;    [1] 512 bytes the device writes: the sector's data
    mov dword [vq_desc + 16], sector_buf
    mov dword [vq_desc + 16 + 8], 512
    mov word  [vq_desc + 16 + 12], VRING_NEXT | VRING_WRITE
    mov word  [vq_desc + 16 + 14], 2
    ;    [2] one byte the device writes: the status (0 = OK)
    mov dword [vq_desc + 32], blk_status
    mov dword [vq_desc + 32 + 8], 1
    mov word  [vq_desc + 32 + 12], VRING_WRITE
    mov byte  [blk_status], 0xFF      ; so we can see the device wrote it
    ; 6. Offer the chain: avail.ring[avail.idx % QSIZE] = head 0, then avail.idx + 1. The order
    ;    matters on a real SMP machine (a write barrier between the two); x86 keeps stores in order.
    mov word [vq_avail + 4], 0        ; ring[0] = descriptor 0
    mov word [vq_avail + 2], 1        ; idx = 1
    ; 7. Kick: write the queue number to QueueNotify. This MMIO write is where the host takes over
    ;    (tour: virtio:050 onwards): it pops the chain and queues the read for its worker thread.
    mov dword [ebx + VIRTIO_QUEUE_NOTIFY], 0
    ; 8. Wait for used.idx to become 1, sleeping between interrupts (the same race as the ticks).
.wait:
    cli
    cmp word [vq_used + 2], 1
    je .done
    mov eax, HC_HALT
    vmcall
    sti
    jmp .wait
.done:
    sti
    ; used.ring[0] = {id: the head we offered, len: bytes the device wrote (512 + the status byte)}
    mov esi, msg_used
    call puts
    mov eax, [vq_used + 4 + 4]
    call putdec
    mov esi, msg_status
    call puts
    movzx eax, byte [blk_status]
    call putdec
    mov esi, msg_irqs
    call puts
    mov eax, [virtio_irqs]
    call putdec
    mov esi, msg_nl
    call puts
    cmp byte [blk_status], 0
    jne fail
    ; 9. Show the sector's first bytes (up to 64, or to the first NUL), dots for what does not print.
    mov esi, msg_says
    call puts
    mov ecx, 64
    xor esi, esi
.copy:
    mov al, [sector_buf + esi]
    test al, al
    jz .end
    cmp al, 0x20
    jb .dot
    cmp al, 0x7E
    jbe .keep
.dot:
    mov al, '.'
.keep:
    mov [line_buf + esi], al
    inc esi
    loop .copy
.end:
    mov word [line_buf + esi], 0x0A22 ; '"', '\n'
    mov byte [line_buf + esi + 2], 0
    mov esi, line_buf
    call puts
    ret
.none:
    mov esi, msg_no_disk
    call puts
    ret

fail:
    cli
    mov esi, msg_fail
    call puts
    mov eax, HC_SHUTDOWN
    xor ebx, ebx
    mov ecx, msg_fail_short
    mov edx, 1
    vmcall
    jmp fail

; ------------------------------------------------------------------------------------------------
; Printing: one CONSOLE_WRITE hypercall per string. The address is guest-physical; ours are
; identity mapped, so the virtual address will do.
; ------------------------------------------------------------------------------------------------
; puts: ESI = NUL-terminated string. Preserves every register.
puts:
    pushad
    mov ebx, esi
    xor ecx, ecx
.len:
    cmp byte [esi + ecx], 0
    je .write
    inc ecx
    jmp .len
.write:
    mov eax, HC_CONSOLE_WRITE
    vmcall
    popad
    ret

; puthex: EAX as 0x%08x. Preserves every register.
puthex:
    pushad
    mov edi, num_buf
    mov word [edi], '0x'
    add edi, 2
    mov ecx, 8
.digit:
    rol eax, 4
    mov edx, eax
    and edx, 0xF
    mov dl, [hex_digits + edx]
    mov [edi], dl
    inc edi
    loop .digit
    mov byte [edi], 0
    mov esi, num_buf
    call puts
    popad
    ret

; putdec: EAX as an unsigned decimal. Preserves every register.
putdec:
    pushad
    mov edi, num_buf + 15
    mov byte [edi], 0
    mov ecx, 10
.div:
    xor edx, edx
    div ecx
    add dl, '0'
    dec edi
    mov [edi], dl
    test eax, eax
    jnz .div
    mov esi, edi
    call puts
    popad
    ret

section .data
align 8
gdt:
    dq 0                              ; 0x00: the null descriptor
    dq 0                              ; 0x08: unused
    dq 0x00CF9A000000FFFF             ; 0x10: code, base 0, limit 4 GiB, ring 0
    dq 0x00CF92000000FFFF             ; 0x18: data, base 0, limit 4 GiB, ring 0
gdt_end:
gdt_descriptor:
    dw gdt_end - gdt - 1
    dd gdt
idt_descriptor:
    dw 256 * 8 - 1
    dd idt
blk_header:
    dd 0                              ; type: VIRTIO_BLK_T_IN (read)
    dd 0                              ; reserved
    dq 0                              ; sector 0
hex_digits:     db "0123456789abcdef"
msg_hello:      db "hello: multiboot magic ", 0
msg_mem:        db ", ", 0
msg_kib:        db " KiB above 1 MiB", 10, 0
msg_paging:     db "hello: paging on, CR3=", 0
msg_fault_try:  db "hello: writing to unmapped 0x00800010", 10, 0
msg_pf_at:      db "hello: page fault at CR2=", 0
msg_pf_err:     db " error code ", 0
msg_pf_mapped:  db "hello: mapped a page there, returning to retry the write", 10, 0
msg_fault_ok:   db "hello: the write went through after the fault", 10, 0
msg_ticks:      db "hello: ", 0
msg_ticks2:     db " timer interrupts, 10 ms apart", 10, 0
msg_vblk:       db "hello: virtio_blk at 0xd0000000, ", 0
msg_sectors:    db " sectors", 10, 0
msg_used:       db "hello: request done, used.len=", 0
msg_status:     db " status=", 0
msg_irqs:       db " interrupts=", 0
msg_says:       db 'hello: sector 0 says "', 0
msg_no_disk:    db "hello: no virtio_blk at 0xd0000000 (run with --block=FILE)", 10, 0
msg_bye:        db "hello: powering off", 10, 0
msg_shutdown:   db "bye from hello", 0
msg_unexpected: db "hello: unexpected exception", 10, 0
msg_fail:       db "hello: FAILED", 10, 0
msg_fail_short: db "hello failed", 0
msg_nl:         db 10, 0

section .bss
alignb 4096
page_directory:  resb 4096
page_table_low:  resb 4096
page_table_mmio: resb 4096
page_table_fault: resb 4096
spare_page:      resb 4096
vq_desc:         resb 16 * QSIZE      ; descriptor table: 16-byte aligned
vq_avail:        resb 4 + 2 * QSIZE + 2   ; flags, idx, ring[QSIZE], used_event
alignb 4
vq_used:         resb 4 + 8 * QSIZE + 2   ; flags, idx, ring[QSIZE] of {id, len}, avail_event
alignb 16
sector_buf:      resb 512
blk_status:      resb 1
line_buf:        resb 72
num_buf:         resb 16
alignb 4
mb_magic:        resd 1
mb_info:         resd 1
ticks:           resd 1
virtio_irqs:     resd 1
idt:             resb 256 * 8
alignb 16
stack:           resb 8192         ; grows down from stack_top
stack_top:
