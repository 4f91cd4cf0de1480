; Ring 3 calls ring 0 through a call gate (one parameter copied), ring 0 loads a DPL-0 DS and
; returns with RETF 4, which nulls DS on the way out to ring 3.
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
    mov ax, 0x2B
    mov ds, ax
    push dword 0xabcd           ; the parameter
    call 0x63:0                 ; the gate ignores the offset
    mov esi, ds                 ; nulled by the return to ring 3
    mov edi, esp
    hlt                         ; #GP at ring 3 ends the test
times 0x800-($-$$) db 0
kernel:                         ; 0x1800
    mov ebx, cs
    mov ecx, ss
    mov edx, [esp + 8]          ; the copied parameter (above EIP and CS)
    mov ax, 0x18
    mov ds, ax
    retf 4
times 0x900-($-$$) db 0
gp:
    hlt
