; TLB-heavy benchmark: touches one dword in each of 256 pages spread over 64 MiB of virtual space
; (mapped with 4 KiB pages), so every access is a different TLB entry; CR3 reloaded every round.
bits 32
org 0x1000
start:
    mov ebx, 0
round:
    mov eax, cr3
    mov cr3, eax
    mov esi, 0x40000000
    mov ecx, 256
touch:
    add ebx, [esi]
    mov [esi + 4], ebx
    add esi, 0x40000        ; 256 KiB stride: 256 pages over 64 MiB
    dec ecx
    jnz touch
    jmp round
