; Ring 3 with IOPL 0: the TSS bitmap allows port 0x80, denies port 0x81.
bits 32
org 0x1000
start:
    mov ax, 0x30
    ltr ax
    push dword 0x2B
    push dword 0x70000
    push dword 0x2
    push dword 0x23
    push dword user
    iret
user:
    mov al, 0x55
    out 0x80, al
    mov ebx, 1
    out 0x81, al
    mov ebx, 2
    hlt
times 0x900-($-$$) db 0
gp:                             ; 0x1900
    pop esi
    mov edi, [esp]
    hlt
