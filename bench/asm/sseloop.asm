; SSE2 benchmark: the loop gcc -msse2 -mfpmath=sse -O2 -ftree-vectorize makes of array code.
; Inner loop: 13 instructions, 9 of them SSE: scalar doubles (MOVSD, MULSD, ADDSD, DIVSD) and
; packed singles and integers (MOVAPS, MULPS, ADDPS, PADDD, MOVAPS store).
bits 32
org 0x1000
start:
    mov esi, 0x100000
    xor ecx, ecx
init:
    cvtsi2sd xmm0, ecx
    movsd [esi + ecx*8], xmm0
    inc ecx
    cmp ecx, 512
    jb init
    movsd xmm6, [half]
    movsd xmm7, [three]
    movaps xmm5, [scale]
outer:
    xor ecx, ecx
    xorpd xmm2, xmm2
inner:
    movsd xmm0, [esi + ecx*8]
    mulsd xmm0, xmm0
    addsd xmm0, xmm6
    addsd xmm2, xmm0
    movsd xmm1, [esi + ecx*8]
    divsd xmm1, xmm7
    movsd [esi + ecx*8 + 4096], xmm1
    movaps xmm3, [esi + ecx*8]
    mulps xmm3, xmm5
    addps xmm3, xmm5
    paddd xmm3, xmm5
    movaps [esi + ecx*8 + 8192], xmm3
    add ecx, 2
    cmp ecx, 512
    jb inner
    jmp outer
align 16
scale: dd 1.5, 0.25, 3.0, 1.0
half:  dq 0.5
three: dq 3.0
