; Self-modifying code in a block reached through block chaining: the block rewrites its own next
; instruction only on the fourth pass, when every block is entered through a successor link.
bits 32
org 0x1000
start:
    mov esi, 4
    xor edx, edx
X:
    jmp Y
times 0x1000-($-$$) db 0x90
Y:                              ; 0x2000
    mov ecx, edx                ; 1 on the last pass, else 0
    mov al, 0x77
    mov edi, patch+1
    rep stosb
patch:
    mov bl, 0
    push ebx
    jmp Z
times 0x2000-($-$$) db 0x90
Z:                              ; 0x3000
    dec esi
    xor edx, edx
    cmp esi, 1
    sete dl
    jne loop_on
    jmp W                       ; before the last pass only: a detour through a new block
loop_on:
    test esi, esi
    jnz X
    hlt
times 0x2100-($-$$) db 0x90
W:
    jmp X
