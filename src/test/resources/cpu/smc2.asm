bits 32
org 0x1000
start:
    mov ecx, 3
X:
    jmp Y
times 0x1000-($-$$) db 0x90
Y:
    mov [patch+1], cl
patch:
    mov al, 0
    push eax
    jmp Z
times 0x2000-($-$$) db 0x90
Z:
    dec ecx
    jnz X
    hlt
