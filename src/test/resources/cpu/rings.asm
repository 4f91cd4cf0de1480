; Ring 0 -> ring 3 with IRET, INT 0x80 through an interrupt gate back to ring 0, IRET to ring 3,
; then HLT at ring 3 raises #GP(0), caught at ring 0.
bits 32
org 0x1000
start:
    mov ax, 0x30
    ltr ax
    push dword 0x2B             ; SS
    push dword 0x70000          ; ESP
    push dword 0x202            ; EFLAGS (IF=1)
    push dword 0x23             ; CS
    push dword user
    iret
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
