; Ring 0 -> ring 3 with IRET, INT 0x80 through an interrupt gate back to ring 0, IRET to ring 3,
; then HLT at ring 3 raises #GP(0), caught at ring 0.
bits 32
org 0x1000
start:
%include "ring3.inc"
user:
    mov eax, 1
    int 0x80
    mov edx, cs
    mov ebp, esp
user_hlt:
    hlt
times 0x800-($-$$) db 0
int80:                          ; 0x1800
    mov ebx, esp
    mov ecx, cs
    inc eax
    iret
times 0x900-($-$$) db 0
gp:                             ; 0x1900
    pop esi
    mov edi, [esp]
    hlt
