; hypercall-test.asm: a multiboot kernel that uses every jlguest hypercall (docs/hypercalls.md).
;
; Where this sits: a stock Linux finds jlguest through KVM's CPUID leaves and kvmclock and never
; makes one of our own hypercalls. Small guests of ours do, lguest-style: `vmcall` with the call
; number in EAX and arguments in EBX, ECX, EDX, ESI. This kernel makes each call once and checks
; what comes back, so the test suite can watch the whole path: decode of VMCALL, the CPU handing
; it to the machine, the machine's console, timer, clock and power-off.
;
; Expected output (and exit status 7 from the shutdown call):
;   hypercall: console write ok
;   hypercall: unknown call returns -1000 ok
;   hypercall: 3 timer interrupts, 30 ms or more of guest time ok
;   hypercall: shutting down with status 7
;   (the launcher prints the shutdown message "bye from hypercall-test")

bits 32

HC_CONSOLE_WRITE equ 1
HC_HALT          equ 2
HC_SET_TIMER     equ 3
HC_GET_TIME      equ 4
HC_SHUTDOWN      equ 5

section .multiboot
align 4
    dd 0x1BADB002                     ; magic
    dd 0x00000003                     ; page-align modules, give us memory info
    dd -(0x1BADB002 + 3)              ; checksum

section .text
global _start
_start:
    mov esp, stack_top
    ; Our own GDT: the loader left flat segments in the CPU but no table behind them, and an
    ; interrupt gate needs a code selector it can look up.
    lgdt [gdt_descriptor]
    jmp 0x10:.reloaded
.reloaded:
    mov ax, 0x18
    mov ds, ax
    mov es, ax
    mov ss, ax

    mov esi, msg_console
    call puts

    ; An unknown number must come back as -1000, KVM's -ENOSYS.
    mov eax, 0x7777
    vmcall
    cmp eax, -1000
    jne fail
    mov esi, msg_unknown
    call puts

    ; IRQ 0 (where SET_TIMER delivers) at vector 0x20: an IDT and a remapped PIC.
    call setup_idt
    call setup_pic
    mov eax, HC_GET_TIME
    vmcall
    mov [t0], eax
    mov [t0 + 4], edx
    sti

    ; Three times: ask for a timer event 10 ms from now, then halt until it has arrived.
    mov edi, 1
.next_tick:
    mov eax, HC_SET_TIMER
    xor ebx, ebx                      ; delay, high half
    mov ecx, 10000000                 ; delay, low half: 10 ms in ns
    vmcall
.wait:
    mov eax, HC_HALT
    vmcall                            ; returns once an interrupt is pending; it is taken right after
    cmp [ticks], edi
    jb .wait
    inc edi
    cmp edi, 3
    jbe .next_tick

    mov eax, HC_GET_TIME
    vmcall
    sub eax, [t0]
    sbb edx, [t0 + 4]                 ; EDX:EAX = elapsed ns
    jnz .long_enough                  ; more than 4 s: surely enough
    cmp eax, 30000000
    jb fail
.long_enough:
    cmp dword [ticks], 3
    jne fail
    mov esi, msg_timer
    call puts

    mov esi, msg_shutdown
    call puts
    mov eax, HC_SHUTDOWN
    xor ebx, ebx                      ; 0 = power off
    mov ecx, msg_bye                  ; message for the launcher to print
    mov edx, 7                        ; exit status
    vmcall
    jmp halt_forever

fail:
    mov esi, msg_fail
    call puts
    mov eax, HC_SHUTDOWN
    xor ebx, ebx
    mov ecx, msg_fail
    mov edx, 1
    vmcall
halt_forever:
    cli
    hlt
    jmp halt_forever

; puts: ESI = NUL-terminated string; one CONSOLE_WRITE hypercall (EBX = address, ECX = length).
puts:
    push eax
    push ebx
    push ecx
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
    cmp eax, ecx                      ; the call returns the number of bytes written
    jne fail
    pop ecx
    pop ebx
    pop eax
    ret

; The IDT has one live entry, vector 0x20, an interrupt gate to irq0 in our code segment.
setup_idt:
    mov eax, irq0
    mov [idt + 0x20 * 8], ax          ; offset 15..0
    mov word [idt + 0x20 * 8 + 2], 0x10
    mov word [idt + 0x20 * 8 + 4], 0x8E00  ; present, DPL 0, 32-bit interrupt gate
    shr eax, 16
    mov [idt + 0x20 * 8 + 6], ax      ; offset 31..16
    lidt [idt_descriptor]
    ret

; Both 8259As: vectors 0x20 (master) and 0x28 (slave), cascade on IRQ 2, only IRQ 0 unmasked.
setup_pic:
    mov al, 0x11                      ; ICW1: edge triggered, cascade, ICW4 follows
    out 0x20, al
    out 0xA0, al
    mov al, 0x20                      ; ICW2: vector bases
    out 0x21, al
    mov al, 0x28
    out 0xA1, al
    mov al, 0x04                      ; ICW3: slave on IRQ 2 / slave id 2
    out 0x21, al
    mov al, 0x02
    out 0xA1, al
    mov al, 0x01                      ; ICW4: 8086 mode
    out 0x21, al
    out 0xA1, al
    mov al, 0xFE                      ; OCW1: masks
    out 0x21, al
    mov al, 0xFF
    out 0xA1, al
    ret

irq0:
    push eax
    inc dword [ticks]
    mov al, 0x20                      ; non-specific EOI
    out 0x20, al
    pop eax
    iret

section .data
align 8
gdt:
    dq 0                              ; 0x00: null
    dq 0                              ; 0x08: unused
    dq 0x00CF9A000000FFFF             ; 0x10: code, base 0, limit 4 GiB, ring 0
    dq 0x00CF92000000FFFF             ; 0x18: data, base 0, limit 4 GiB, ring 0
gdt_end:
gdt_descriptor:
    dw gdt_end - gdt - 1
    dd gdt
idt_descriptor:
    dw 0x21 * 8 - 1
    dd idt
ticks: dd 0
t0:    dq 0

msg_console:  db "hypercall: console write ok", 10, 0
msg_unknown:  db "hypercall: unknown call returns -1000 ok", 10, 0
msg_timer:    db "hypercall: 3 timer interrupts, 30 ms or more of guest time ok", 10, 0
msg_shutdown: db "hypercall: shutting down with status 7", 10, 0
msg_bye:      db "bye from hypercall-test", 0
msg_fail:     db "hypercall: FAILED", 10, 0

section .bss
align 8
idt:       resb 0x21 * 8
           resb 4096
stack_top:
