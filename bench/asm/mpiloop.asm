; Bignum benchmark: a 32x32->64 multiply-accumulate over an array of limbs, the inner loop of
; Linux's mpihelp_addmul_1 (lib/mpi; RSA and DH self-tests spend their time here): res[] +=
; s1[] * limb with the carry chained through EDX. 9 instructions per limb (MUL, ADD, ADC r,imm,
; ADD m,r, ADC, MOV, INC, JNZ and a load); 64 limbs per call, then a tail that varies the limb
; with IMUL and a SETcc/CMOVcc pair, as the C callers around it do.
bits 32
org 0x1000
N equ 64
s1  equ 0x100000
res equ 0x100400
start:
    mov edi, s1                 ; fill s1[] with a pattern
    mov eax, 0x9E3779B9
    mov ecx, N
fill:
    mov [edi], eax
    imul eax, eax, 0x01000193
    add edi, 4
    dec ecx
    jnz fill
    mov ebp, 0xDEADBEEF         ; the multiplier limb
outer:
    mov esi, s1 + N*4
    mov edi, res + N*4
    mov ecx, -N
    xor ebx, ebx                ; carry limb
addmul:
    mov eax, [esi + ecx*4]
    mul ebp
    add eax, ebx
    adc edx, 0
    add [edi + ecx*4], eax
    adc edx, 0
    mov ebx, edx
    inc ecx
    jnz addmul
    ; the caller: keep the carry-out, vary the limb
    imul ebp, ebp, 0x6C078965
    inc ebp
    test ebx, ebx
    setnz al
    movzx eax, al
    cmovz ebx, ebp
    add ebp, eax
    jmp outer
