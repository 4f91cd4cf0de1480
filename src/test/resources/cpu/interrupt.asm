; STI; HLT waits for the INTR line; the interrupt handler runs; HLT with IF=0 stops.
bits 32
org 0x1000
start:
    mov esp, 0x80000
    sti
    hlt
    mov ebx, eax
    cli
    hlt
times 0x800-($-$$) db 0
irq:                            ; 0x1800
    mov eax, 0x77
    iret
