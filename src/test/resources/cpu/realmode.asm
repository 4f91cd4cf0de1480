; Real mode: a BIOS-style INT through the IVT, then the switch to protected mode.
bits 16
org 0x7c00
start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    mov word [0x10*4], int10
    mov word [0x10*4+2], 0
    mov bx, 0
    int 0x10
    mov [0x600], bx
    lgdt [gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp 0x10:pm
int10:
    mov bx, 0x1234
    iret
gdtr:
    dw 0x47
    dd 0x500
bits 32
pm:
    mov ax, 0x18
    mov ds, ax
    mov ss, ax
    mov esp, 0x80000
    mov eax, 0x12345678
    movzx ecx, word [0x600]
    hlt
