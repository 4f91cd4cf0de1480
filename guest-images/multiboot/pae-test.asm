; pae-test.asm: a Multiboot kernel that checks PAE paging and NX from inside the guest.
;
; Where this sits: the CPU's unit tests (PaeTest) poke page tables from Java; this kernel does what
; a real kernel does, with its own GDT, IDT and page-fault handler, and reports on COM1:
;   - PAE on (CR4.PAE, CR3 -> four PDPTEs, CR0.PG), 0..2 MiB mapped with 4 KiB pages, 2..4 MiB with
;     one 2 MiB page, and two aliases: a 4 KiB page and a 2 MiB page that map memory a second time;
;   - the accessed and dirty bits of a 2 MiB PDE;
;   - EFER.NXE on (WRMSR 0xC0000080), a CALL into a page whose PTE has XD (bit 63): #PF with error
;     code 0x11 (present | instruction fetch) and CR2 = the page; reading that page is allowed;
;   - NXE off again: bit 63 is now reserved, and a read raises #PF with error code 0x9 (present |
;     reserved bit).
; Each check prints "pae-test: <what> ok" or "... FAILED"; the number of failures goes to the test
; exit port 0xF4 (jlguest --test-exit: status (n << 1) | 1, so 1 means all passed).
;
; Built by build.sh as a flat binary (nasm -f bin) with the a.out kludge, like multiboot-test.
; Reference: Intel SDM vol. 3A, 4.4 (PAE paging), 4.6 (access rights), 4.7 (page-fault exceptions:
; "bit 3 of the error code can be set only if bit 0 is also set", hence 0x9; QEMU's TCG reports 0x8
; there, so under qemu-system-i386 -cpu qemu32,+pae,+nx that one check fails and the rest pass).

MB_HEADER_MAGIC equ 0x1BADB002
MB_FLAGS        equ (1 << 16)                   ; a.out kludge: the address fields are valid
LOAD_ADDR       equ 0x100000

COM1            equ 0x3F8
EXIT_PORT       equ 0xF4

PDPT            equ 0x10000                     ; four 8-byte PDPTEs, 32-byte aligned
PD              equ 0x11000                     ; the page directory for 0..1 GiB
PT              equ 0x12000                     ; the page table for 0..2 MiB
DATA            equ 0x13000                     ; a data page we alias
NXPAGE          equ 0x14000                     ; a page holding RET, mapped with XD
ALIAS4K         equ 0x1FF000                    ; virtual page mapped onto DATA
ALIAS2M         equ 0x400000                    ; virtual 4..6 MiB mapped onto physical 0..2 MiB
XD_HIGH         equ 0x80000000                  ; bit 63, in the high dword of an entry

        org     LOAD_ADDR
        bits    32
mb_header:
        dd      MB_HEADER_MAGIC
        dd      MB_FLAGS
        dd      -(MB_HEADER_MAGIC + MB_FLAGS)
        dd      mb_header
        dd      LOAD_ADDR
        dd      image_end
        dd      bss_end
        dd      start

start:
        cli
        cld
        mov     esp, stack_top
        lgdt    [gdt_ptr]
        jmp     0x08:.reload                    ; our own code segment, then data segments
.reload:
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        ; The IDT: only #PF (vector 14) has a gate; anything else would triple-fault, which the
        ; launcher reports.
        mov     eax, page_fault
        mov     [idt + 14 * 8], ax
        mov     word [idt + 14 * 8 + 2], 0x08
        mov     word [idt + 14 * 8 + 4], 0x8E00 ; present, DPL 0, 32-bit interrupt gate
        shr     eax, 16
        mov     [idt + 14 * 8 + 6], ax
        lidt    [idt_ptr]

        ; Page tables. PDPTE 0 -> PD; PDE 0 -> PT (4 KiB pages), PDE 1 = 2 MiB page at 2 MiB,
        ; PDE 2 = 2 MiB page at 0 (the alias). PT: identity, except ALIAS4K -> DATA.
        mov     edi, PDPT
        mov     ecx, (PT + 0x1000 - PDPT) / 4
        xor     eax, eax
        rep     stosd
        mov     dword [PDPT], PD | 1            ; a PDPTE has only P (bits 1, 2 are reserved)
        mov     dword [PD], PT | 3
        mov     dword [PD + 8], 0x200000 | 0x83 ; P, RW, PS
        mov     dword [PD + 16], 0x000000 | 0x83
        xor     ecx, ecx
.pte:
        mov     eax, ecx
        shl     eax, 12
        or      eax, 3
        mov     [PT + ecx * 8], eax
        inc     ecx
        cmp     ecx, 512
        jb      .pte
        mov     dword [PT + (ALIAS4K >> 12) * 8], DATA | 3
        mov     byte [NXPAGE], 0xC3             ; RET

        mov     eax, cr4
        or      eax, 0x20                       ; CR4.PAE
        mov     cr4, eax
        mov     eax, PDPT
        mov     cr3, eax                        ; loads the four PDPTEs
        mov     eax, cr0
        or      eax, 0x80000000                 ; CR0.PG
        mov     cr0, eax
        mov     esi, msg_on
        call    puts

        ; A 4 KiB alias: a write through ALIAS4K lands in DATA.
        mov     dword [ALIAS4K + 8], 0x12345678
        cmp     dword [DATA + 8], 0x12345678
        mov     esi, msg_alias4k
        call    check

        ; A 2 MiB alias: ALIAS2M + x is physical x.
        mov     dword [ALIAS2M + DATA + 16], 0xCAFEBABE
        cmp     dword [DATA + 16], 0xCAFEBABE
        mov     esi, msg_alias2m
        call    check

        ; The 2 MiB PDE we wrote through is accessed (0x20) and dirty (0x40).
        mov     eax, [PD + 16]
        and     eax, 0x60
        cmp     eax, 0x60
        mov     esi, msg_dirty
        call    check

        ; EFER.NXE on, XD on NXPAGE, then CALL it: the fetch faults.
        mov     ecx, 0xC0000080
        rdmsr
        or      eax, 1 << 11
        wrmsr
        mov     dword [PT + (NXPAGE >> 12) * 8 + 4], XD_HIGH
        invlpg  [NXPAGE]
        mov     dword [pf_resume], .after_call
        mov     dword [pf_err], -1
        call    NXPAGE
        jmp     .no_fault                       ; RET ran: NX did nothing
.after_call:
        add     esp, 4                          ; the CALL's return address is still there
.no_fault:
        cmp     dword [pf_err], 0x11            ; present | instruction fetch
        mov     esi, msg_nx_err
        call    check
        cmp     dword [pf_cr2], NXPAGE
        mov     esi, msg_nx_cr2
        call    check

        ; Data reads from an XD page are fine.
        mov     dword [pf_err], -1
        mov     dword [pf_resume], .after_read
        movzx   eax, byte [NXPAGE]
.after_read:
        cmp     eax, 0xC3
        mov     esi, msg_nx_read
        call    check

        ; NXE off: bit 63 becomes a reserved bit, and any access to the page faults with RSVD.
        mov     ecx, 0xC0000080
        rdmsr
        and     eax, ~(1 << 11)
        wrmsr
        mov     eax, cr3
        mov     cr3, eax
        mov     dword [pf_err], -1
        mov     dword [pf_resume], .after_rsvd
        mov     eax, [NXPAGE]
.after_rsvd:
        cmp     dword [pf_err], 0x9             ; present | reserved bit
        mov     esi, msg_rsvd
        call    check

        mov     esi, msg_failures
        call    puts
        mov     eax, [failures]
        add     al, '0'
        call    putc
        mov     al, 10
        call    putc
        mov     eax, [failures]
        out     EXIT_PORT, al
.halt:
        hlt
        jmp     .halt

; The page-fault handler: record the error code and CR2, go on at [pf_resume].
page_fault:
        pop     dword [pf_err]
        push    eax
        mov     eax, cr2
        mov     [pf_cr2], eax
        mov     eax, [pf_resume]
        mov     [esp + 4], eax                  ; the saved EIP
        pop     eax
        iretd

; check: ZF set = pass. Prints "pae-test: <esi> ok" or "... FAILED" and counts failures.
check:
        pushfd
        push    esi
        mov     esi, msg_prefix
        call    puts
        pop     esi
        call    puts
        popfd
        je      .ok
        inc     dword [failures]
        mov     esi, msg_failed
        jmp     .out
.ok:
        mov     esi, msg_ok
.out:
        jmp     puts

puts:                                           ; ESI -> NUL-terminated string
        lodsb
        test    al, al
        jz      .done
        call    putc
        jmp     puts
.done:
        ret

putc:                                           ; AL -> COM1 (polling the line status)
        push    edx
        push    eax
        mov     dx, COM1 + 5
.wait:
        in      al, dx
        test    al, 0x20
        jz      .wait
        pop     eax
        mov     dx, COM1
        out     dx, al
        pop     edx
        ret

msg_prefix:     db "pae-test: ", 0
msg_on:         db "pae-test: paging on with CR4.PAE", 10, 0
msg_alias4k:    db "4 KiB page alias", 0
msg_alias2m:    db "2 MiB page alias", 0
msg_dirty:      db "2 MiB PDE accessed and dirty", 0
msg_nx_err:     db "NX fetch fault error code 0x11", 0
msg_nx_cr2:     db "NX fetch fault CR2", 0
msg_nx_read:    db "data read from an XD page", 0
msg_rsvd:       db "XD without NXE: reserved-bit fault 0x9", 0
msg_ok:         db " ok", 10, 0
msg_failed:     db " FAILED", 10, 0
msg_failures:   db "pae-test: failures: ", 0

        align   8
gdt:
        dq      0
        dq      0x00CF9A000000FFFF              ; 0x08: code, base 0, 4 GiB, 32-bit
        dq      0x00CF92000000FFFF              ; 0x10: data
gdt_ptr:
        dw      3 * 8 - 1
        dd      gdt
idt_ptr:
        dw      15 * 8 - 1
        dd      idt

        align   4
failures:       dd 0
pf_err:         dd 0
pf_cr2:         dd 0
pf_resume:      dd 0
        align   8
image_end:

        absolute image_end                      ; zeroed by the loader, not in the file
idt:            resb 15 * 8
                resb 4096
stack_top:
bss_end:
