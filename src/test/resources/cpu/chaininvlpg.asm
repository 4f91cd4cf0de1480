; Block chaining and INVLPG (paging on, identity-mapped, set up by the test): ECX times over,
; call a function on page 0x5000 and INVLPG a data page (0x6000), which must not drop the links.
; Then point the PTE of page 0x5000 at frame 0x7000 (another function), INVLPG it and go round
; once more: the same CALL, whose block has a link to the old frame's block, must now run the
; new frame's code. (The test loads the two functions: at 0x5000 inc esi; ret, at 0x7000
; add edi, 0x100; ret.)
bits 32
org 0x1000
PT equ 0x100000
start:
    call 0x5000
    mov eax, [0x6000]           ; the data page is in the TLB
    invlpg [0x6000]
    dec ecx
    jnz start
    test ebp, ebp
    jnz done
    inc ebp
    mov dword [PT + 5 * 4], 0x7003
    invlpg [0x5000]
    inc ecx
    jmp start
done:
    hlt
