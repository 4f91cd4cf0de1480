; jlguest-exit N: end the run, handing N (0..255) to the host as an exit status.
;
; Where this sits: /init runs `jlguest-exit $?` after a scripted command (jlguest.run=...).
; It asks the kernel for access to I/O port 0xF4 (ioperm) and writes N there with OUTB. On
; jlguest, a write to the test exit port ends the run and the launcher exits with N. On QEMU
; with `-device isa-debug-exit,iobase=0xf4,iosize=1` the same write ends QEMU with exit
; status (N << 1) | 1. Where nothing listens at 0xF4 the write is ignored; we then exit 0 and
; /init falls back to `poweroff -f`.
;
; Build: nasm -f elf32 jlguest-exit.asm && ld -m elf_i386 -static -nostdlib -n -s ...
; No libc: the Linux i386 system call ABI is `int 0x80` with the number in EAX and the
; arguments in EBX, ECX, EDX; the result (or -errno) comes back in EAX.

SYS_exit    equ 1
SYS_write   equ 4
SYS_ioperm  equ 101
EXIT_PORT   equ 0xF4

        section .text
        global  _start
_start:
        ; The kernel starts us with [esp] = argc, [esp+4] = argv[0], [esp+8] = argv[1], ...
        xor     edx, edx                ; EDX = N, 0 when no argument is given
        cmp     dword [esp], 2
        jb      .have_n
        mov     esi, [esp + 8]          ; ESI -> argv[1], decimal digits
        xor     eax, eax
.digit:
        movzx   ecx, byte [esi]
        inc     esi
        test    ecx, ecx
        jz      .parsed
        sub     ecx, '0'
        cmp     ecx, 9
        ja      usage                   ; not a digit (unsigned compare catches < '0' too)
        imul    eax, eax, 10
        add     eax, ecx
        cmp     eax, 255
        ja      usage                   ; out of range for one byte
        jmp     .digit
.parsed:
        mov     edx, eax
.have_n:
        push    edx                     ; keep N across the system call

        ; ioperm(EXIT_PORT, 1, 1): allow this process to touch port 0xF4 from ring 3
        ; (needs CONFIG_X86_IOPL_IOPERM and root).
        mov     eax, SYS_ioperm
        mov     ebx, EXIT_PORT
        mov     ecx, 1
        mov     edx, 1
        int     0x80
        test    eax, eax
        jnz     no_ioperm

        pop     eax                     ; AL = N
        mov     dx, EXIT_PORT
        out     dx, al                  ; the run ends here on jlguest and on QEMU

        ; Still running: nothing listens at 0xF4. Exit 0 and let /init power off.
        mov     eax, SYS_exit
        xor     ebx, ebx
        int     0x80

no_ioperm:
        mov     ecx, msg_ioperm
        mov     edx, msg_ioperm_len
        jmp     fail
usage:
        mov     ecx, msg_usage
        mov     edx, msg_usage_len
fail:
        mov     eax, SYS_write
        mov     ebx, 2                  ; stderr
        int     0x80
        mov     eax, SYS_exit
        mov     ebx, 125
        int     0x80

        section .rodata
msg_usage:      db  "usage: jlguest-exit [0..255]", 10
msg_usage_len   equ $ - msg_usage
msg_ioperm:     db  "jlguest-exit: ioperm(0xf4) failed", 10
msg_ioperm_len  equ $ - msg_ioperm

        ; No executable stack (otherwise the kernel warns "started with executable stack").
        section .note.GNU-stack noalloc noexec nowrite progbits
