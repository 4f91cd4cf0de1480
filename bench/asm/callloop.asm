; Calls across pages: a loop that calls small functions on other pages, as a program calls into
; its libraries and helpers (an interpreter's, libc's): direct CALLs out of the loop's page and
; the RETs back into it. 13 instructions per turn, 4 of them a CALL or a RET to another page.
; A compiled region that stays on one page leaves the unit at each of them; one that follows
; them (tour:jit:019) runs the whole turn as one method.
bits 32
org 0x1000
data equ 0x100000
start:
    xor ebx, ebx
    mov esi, data
outer:
    mov ecx, 1000
turn:
    mov eax, ecx
    call hash                   ; on the next page
    add ebx, eax
    mov edx, ebx
    call mix                    ; two pages on
    mov [esi + ecx*4], edx
    dec ecx
    jnz turn
    jmp outer

    times 0x1000 - ($ - $$) db 0xCC
hash:                           ; 0x2000
    imul eax, eax, 0x9E3779B1
    mov edx, eax
    shr edx, 15
    xor eax, edx
    ret

    times 0x2000 - ($ - $$) db 0xCC
mix:                            ; 0x3000
    rol edx, 5
    xor edx, eax
    add edx, [esi]
    ret
