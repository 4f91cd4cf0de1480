; #DF through a task gate, and back: the #DF task skips the faulting instruction in the old
; task's saved EIP and returns with IRET (NT set), which switches back to the old task.
bits 32
org 0x1000
start:
    mov ax, 0x30
    ltr ax
    mov ax, 0x99                ; beyond the GDT limit: #GP(0x98) -> #NP -> #DF
    mov ds, ax
    mov ebx, 0x600d             ; back in the first task
    str cx
    pushfd
    pop edx
    hlt
times 0x800-($-$$) db 0
df_task:                        ; 0x1800
    add esp, 4                  ; the error code
    add dword [0x3000 + 0x20], 2   ; skip MOV DS (2 bytes) in the old task's saved EIP
    iret
