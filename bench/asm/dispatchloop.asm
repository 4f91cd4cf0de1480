; An interpreter's dispatch loop, as python's ceval and perl's runops have one: fetch an opcode
; byte, jump through a table to its handler (handlers on two other pages), which does a little
; work on an accumulator and a value stack in memory and jumps back. Every dispatch is an indirect
; jump, which no compiled region follows: each one leaves a unit, and the run loop finds and
; enters the next handler's unit. 6.4 instructions per opcode on average, 2 of them the
; dispatch's jumps.
bits 32
org 0x1000
prog equ 0x100000               ; 4,096 opcodes, written by the loop's first part
stack equ 0x101000              ; 1 KiB value stack, indexed by EDI (wraps)
start:
    mov edi, prog
    mov ecx, 4096
    mov eax, 12345
fill:                           ; a pseudo-random program of opcodes 0..7
    imul eax, eax, 1103515245
    add eax, 12345
    mov edx, eax
    shr edx, 16
    and edx, 7
    mov [edi], dl
    inc edi
    dec ecx
    jnz fill
    xor ebx, ebx
    xor edi, edi
again:
    mov esi, prog
dispatch:
    movzx eax, byte [esi]
    inc esi
    cmp esi, prog + 4096
    jae again
    jmp [table + eax * 4]
table:
    dd op0, op1, op2, op3, op4, op5, op6, op7

    times 0x1000 - ($ - $$) db 0xCC
op0:                            ; 0x2000
    add ebx, 3
    jmp dispatch
op1:
    xor ebx, esi
    rol ebx, 3
    jmp dispatch
op2:                            ; push
    mov [stack + edi], ebx
    add edi, 4
    and edi, 0x3FC
    jmp dispatch
op3:                            ; pop and add
    sub edi, 4
    and edi, 0x3FC
    add ebx, [stack + edi]
    jmp dispatch

    times 0x2000 - ($ - $$) db 0xCC
op4:                            ; 0x3000
    imul ebx, ebx, 33
    add ebx, eax
    jmp dispatch
op5:
    mov ecx, [stack + edi]
    xor ecx, ebx
    mov [stack + edi], ecx
    jmp dispatch
op6:
    test ebx, 1
    jz .even
    add ebx, 7
.even:
    jmp dispatch
op7:
    shr ebx, 1
    adc ebx, 0
    jmp dispatch
