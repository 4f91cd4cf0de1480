; One of SingleStepTest's sequences, in 64-bit form for the host (see step.c).
bits 64
org 0x10001000
xor ebx, ebx
mov eax, ss
pushfq
or qword [rsp], 0x100
popfq
nop
mov ss, ax
nop
nop
pushfq
and qword [rsp], ~0x100
popfq
ret
