; A #GP whose gate is not present becomes #NP, which makes a #DF, delivered through a task gate.
bits 32
org 0x1000
start:
    mov ax, 0x30
    ltr ax
    mov eax, 0x11111111
    mov ax, 0x99                ; beyond the GDT limit: #GP(0x98)
    mov ds, ax
    hlt
times 0x800-($-$$) db 0
df_task:                        ; 0x1800, runs in the task of TSS 0x40
    pop ebp                     ; error code 0
    str bx
    mov ecx, [0x3000 + 0x20]    ; EIP saved in the old TSS
    mov edx, [0x5000]           ; back link
    pushfd
    pop esi
    hlt
