; #PF with error code and CR2, then restart after the handler maps the page.
bits 32
org 0x1000
start:
    mov dword [0x200010], 1     ; page 0x200000 not present: #PF, error 2 (write, supervisor)
    mov ecx, [0x200010]
    hlt
times 0x800-($-$$) db 0
pf_handler:                     ; at 0x1800
    pop eax                     ; error code
    mov ebx, cr2
    mov dword [0x100000 + 0x200*4], 0x200003   ; PTE for 0x200000: present, writable
    invlpg [ebx]
    iret
