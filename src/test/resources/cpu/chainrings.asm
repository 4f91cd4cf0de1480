; Block chaining across system calls: ring 3 calls a small function (on another page) and makes
; a system call (INT 0x80 into ring 0 and IRET back) ECX times over, then HLT at ring 3 raises
; #GP(0), caught at ring 0. The test counts block lookups: links made in ring 3 must hold again
; after each round trip through ring 0, so the lookups do not grow with ECX.
bits 32
org 0x1000
start:
%include "ring3.inc"
user:
    call func
    int 0x80
    dec ecx
    jnz user
    hlt                         ; #GP at ring 3
times 0x800-($-$$) db 0
int80:                          ; 0x1800
    inc ebx
    iret
times 0x900-($-$$) db 0
gp:                             ; 0x1900
    hlt
times 0x1000-($-$$) db 0
func:                           ; 0x2000
    inc esi
    ret
