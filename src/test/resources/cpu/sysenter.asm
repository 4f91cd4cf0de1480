; SYSENTER from ring 3 to ring 0 and SYSEXIT back.
bits 32
org 0x1000
start:
    mov ecx, 0x174
    mov eax, 0x10
    xor edx, edx
    wrmsr
    mov ecx, 0x175
    mov eax, 0x90000
    wrmsr
    mov ecx, 0x176
    mov eax, kernel
    wrmsr
    mov ecx, 0x70000
    mov edx, user
    sysexit
user:
    mov eax, 5
    mov ecx, esp
    mov edx, back
    sysenter
back:
    mov esi, cs
    mov edi, 9
    hlt                         ; #GP at ring 3
kernel:
    mov ebx, cs
    inc eax
    sysexit
times 0x900-($-$$) db 0
gp:
    hlt
