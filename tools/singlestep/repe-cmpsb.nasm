; One of SingleStepTest's sequences, in 64-bit form for the host (see step.c).
bits 64
org 0x10001000
xor ebx, ebx
mov esi, 0x10004000
mov edi, 0x10005000
mov ecx, 5
mov byte [0x10004002], 1
pushfq
or qword [rsp], 0x100
popfq
repe cmpsb
pushfq
and qword [rsp], ~0x100
popfq
ret
