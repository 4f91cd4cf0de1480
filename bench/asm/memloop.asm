; memcpy/memset benchmark: what the kernel's memcpy and memset do for page-sized and small
; copies (REP MOVSD and REP STOSD with DF=0), and a byte tail with REP MOVSB. Per round: one
; 16 KiB copy, one 16 KiB clear, then 64 small copies of 64 bytes, each with its call, setup
; and return (as copy_page, clear_page and the short memcpy calls of a kernel).
bits 32
org 0x1000
src equ 0x100000
dst equ 0x110000
start:
    cld
round:
    mov esi, src
    mov edi, dst
    mov ecx, 4096              ; 16 KiB
    rep movsd
    mov edi, dst
    xor eax, eax
    mov ecx, 4096
    rep stosd
    mov ebx, 64
small:
    mov esi, src
    mov edi, dst
    lea esi, [esi + ebx*8]
    lea edi, [edi + ebx*8]
    mov edx, 67                ; 64 bytes + a 3-byte tail
    call memcpy
    dec ebx
    jnz small
    jmp round
memcpy:                        ; ESI -> EDI, EDX bytes
    mov ecx, edx
    shr ecx, 2
    rep movsd
    mov ecx, edx
    and ecx, 3
    rep movsb
    ret
