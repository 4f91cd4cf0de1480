; Decompressor benchmark: the bit loop of an LZMA-style range decoder (what XZ self-decompression
; runs), byte-oriented: 16-bit probabilities in a table (MOVZX, a 16-bit read-modify-write),
; bound = (range >> 11) * prob (IMUL), the new range and code chosen with SETcc and CMOVcc,
; normalisation that shifts a fresh input byte in (MOVZX, SHL, OR), a bit-tree index (LEA) and
; an output byte every 8 bits through a 256-entry translation table. About 27 instructions a bit.
bits 32
org 0x1000
input  equ 0x100000            ; 64 KiB of pseudo-random input bytes
probs  equ 0x120000            ; 256 16-bit probabilities
xtab   equ 0x121000            ; 256-byte translation table
output equ 0x140000            ; 64 KiB output ring
tmp    equ 0x122000            ; a scratch dword (data stays off the code page)
start:
    mov edi, input             ; the input: a linear congruential sequence
    mov eax, 12345
    mov ecx, 0x10000
fillin:
    imul eax, eax, 1103515245
    add eax, 12345
    mov edx, eax
    shr edx, 16
    mov [edi], dl
    inc edi
    dec ecx
    jnz fillin
    xor ecx, ecx               ; the translation table: i*37+11
fillx:
    imul eax, ecx, 37
    add eax, 11
    mov [xtab + ecx], al
    inc ecx
    cmp ecx, 256
    jb fillx
restart:
    mov edi, probs             ; every probability = 1024 (one half)
    mov ecx, 256
    mov eax, 1024
fillp:
    mov [edi], ax
    add edi, 2
    dec ecx
    jnz fillp
    mov esi, input
    mov edi, output
    mov ebx, 0xFFFFFFFF        ; range
    xor edx, edx               ; code
    mov ebp, 1                 ; bit-tree index (1..255)
bit:
    movzx eax, word [probs + ebp*2]
    mov ecx, ebx
    shr ecx, 11
    imul ecx, eax              ; bound
    mov [tmp], ecx
    sub ebx, ecx               ; bit 1: range -= bound
    cmp edx, ecx
    setae al                   ; the bit: code >= bound
    cmovb ebx, [tmp]           ; bit 0: range = bound
    mov ecx, 0
    cmovae ecx, [tmp]
    sub edx, ecx               ; bit 1: code -= bound
    movzx eax, al
    movzx ecx, word [probs + ebp*2]
    test eax, eax
    jnz .one
    neg ecx                    ; bit 0: prob += (2048 - prob) >> 5
    add ecx, 2048
    sar ecx, 5
    jmp .update
.one:
    shr ecx, 5                 ; bit 1: prob -= prob >> 5
    neg ecx
.update:
    add [probs + ebp*2], cx
    lea ebp, [ebp*2 + eax]
    cmp ebx, 0x01000000        ; normalise: shift in a byte while range < 2^24
    jae .normal
    shl ebx, 8
    shl edx, 8
    movzx ecx, byte [esi]
    or edx, ecx
    inc esi
    and esi, 0x10FFFF          ; wrap within the input
.normal:
    cmp ebp, 256
    jb bit
    movzx eax, byte [xtab + ebp - 256]   ; a whole byte: translate and store it
    mov [edi], al
    inc edi
    and edi, 0x14FFFF          ; wrap within the output
    mov ebp, 1
    cmp edi, output
    jne bit
    jmp restart

