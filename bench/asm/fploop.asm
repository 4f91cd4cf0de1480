; x87 benchmark: the kind of loop compiled C runs over an array of doubles.
; Inner loop: 11 instructions, 7 of them x87 (FLD m64, FMUL, FADD m64, FADDP, FLD m64, FDIV m64,
; FSTP m64); every 256 iterations an FISTP m32 and a fresh FLDZ.
bits 32
org 0x1000
start:
    finit
    mov esi, 0x100000
    xor ecx, ecx
init:
    mov [tmp], ecx
    fild dword [tmp]
    fstp qword [esi + ecx*8]
    inc ecx
    cmp ecx, 256
    jb init
outer:
    xor ecx, ecx
    fldz
inner:
    fld qword [esi + ecx*8]
    fmul st0, st0
    fadd qword [half]
    faddp st1, st0
    fld qword [esi + ecx*8]
    fdiv qword [three]
    fstp qword [esi + ecx*8 + 2048]
    inc ecx
    cmp ecx, 256
    jb inner
    fistp dword [tmp]
    jmp outer
align 8
half:  dq 0.5
three: dq 3.0
tmp    equ 0x3000           ; written data stays out of the code page (else every FISTP is SMC)
