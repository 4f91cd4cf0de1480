; Self-modifying code: a store into the running block, and into a block already decoded.
bits 32
org 0x1000
start:
    mov byte [patch+1], 42
patch:
    mov al, 0
    call f
    mov bl, cl
    mov byte [f+1], 7
    call f
    hlt
f:
    mov cl, 3
    ret
