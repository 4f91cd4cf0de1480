; Integer benchmark: arithmetic, memory, branches, calls and short string ops.
; 16 instructions per iteration in the main loop, plus a call (3) and a REP MOVSD every 16 iterations.
bits 32
org 0x1000
start:
    mov esi, 0x100000
    mov edi, 0x100100
    mov ebx, 1
    mov ebp, 0
outer:
    mov ecx, 0x7fffffff
loop:
    mov eax, [esi]
    add eax, ebx
    xor edx, eax
    shl eax, 3
    mov [edi], eax
    call f
    inc ebx
    test ebx, 15
    jnz skip
    push ecx
    push esi
    push edi
    mov ecx, 8
    add edi, 64
    rep movsd
    pop edi
    pop esi
    pop ecx
skip:
    and ebx, 0xffff
    sub edx, ebx
    cmp edx, 1000
    jb small
    adc ebp, 0
small:
    dec ecx
    jnz loop
    jmp outer
f:
    lea eax, [eax + ebx*2 + 1]
    sub eax, edx
    ret
