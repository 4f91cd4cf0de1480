; multiboot-test.asm: the smallest kernel that proves a Multiboot (v1) loader works.
;
; Where this sits: jlguest can boot three kinds of kernel: a Linux vmlinux, a Linux bzImage,
; and a Multiboot kernel such as this one. A Multiboot loader reads the header below, loads
; the image, and jumps to our entry point in 32-bit protected mode with paging off,
;     EAX = 0x2BADB002 (the "a Multiboot loader started me" magic)
;     EBX = physical address of the multiboot_info structure it filled in.
; We check the magic, print what the loader told us on COM1, write 0 to the test exit port
; 0xF4 and halt. Nothing else: no interrupts, no paging, no BIOS, no C.
;
; It is built two ways from this one file (see build.sh):
;   multiboot-test.elf         ELF32; the loader places it by its program headers.
;   multiboot-test-kludge.bin  flat binary (nasm -f bin -DKLUDGE); header flag bit 16, the
;                              "a.out kludge", tells the loader where to put the bytes instead.
;
; Expected output (values depend on the machine and the command line):
;   multiboot ok: mem_lower=639KB mem_upper=64384KB cmdline=multiboot-test.elf hello
;   mmap: base=0x0000000000000000 len=0x000000000009fc00 type=1
;   ...
;
; Reference: the Multiboot Specification version 0.6.96 (GNU GRUB), sections 3.1 and 3.3.

; ------------------------------------------------------------------------------------------
; Constants
; ------------------------------------------------------------------------------------------
MB_HEADER_MAGIC  equ 0x1BADB002       ; identifies the header; the loader searches for it
MB_BOOT_MAGIC    equ 0x2BADB002       ; what the loader puts in EAX

MB_PAGE_ALIGN    equ 1 << 0           ; load modules on 4 KiB boundaries
MB_MEMORY_INFO   equ 1 << 1           ; we want mem_lower/mem_upper and the memory map
MB_AOUT_KLUDGE   equ 1 << 16          ; the address fields below are valid: use them

%ifdef KLUDGE
MB_FLAGS         equ MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_AOUT_KLUDGE
%else
MB_FLAGS         equ MB_PAGE_ALIGN | MB_MEMORY_INFO
%endif
MB_CHECKSUM      equ -(MB_HEADER_MAGIC + MB_FLAGS)   ; magic + flags + checksum == 0 (mod 2^32)

; multiboot_info: which fields are valid is told by bits in its first word, `flags`.
MBI_FLAGS        equ 0
MBI_MEM_LOWER    equ 4                ; KiB of RAM from 0 (at most 640)
MBI_MEM_UPPER    equ 8                ; KiB of RAM from 1 MiB up to the first hole
MBI_CMDLINE      equ 16               ; physical address of a NUL-terminated string
MBI_MMAP_LENGTH  equ 44               ; bytes of memory map
MBI_MMAP_ADDR    equ 48               ; physical address of the first map entry
MBI_LOADER_NAME  equ 64               ; physical address of the boot loader's name
MBI_F_MEM        equ 1 << 0
MBI_F_CMDLINE    equ 1 << 2
MBI_F_MMAP       equ 1 << 6
MBI_F_LOADER     equ 1 << 9

; A memory map entry: `size` comes first and does NOT count itself, so the next entry is at
; entry + size + 4. base and length are 64-bit even on this 32-bit machine.
MMAP_SIZE        equ 0
MMAP_BASE        equ 4
MMAP_LENGTH      equ 12
MMAP_TYPE        equ 20               ; 1 = RAM, anything else = reserved

COM1             equ 0x3F8            ; 16550A UART registers, relative to COM1:
UART_THR         equ 0                ;   transmit holding register (write)
UART_IER         equ 1                ;   interrupt enable (0 = we poll)
UART_FCR         equ 2                ;   FIFO control
UART_LCR         equ 3                ;   line control; bit 7 (DLAB) selects the divisor latch
UART_MCR         equ 4                ;   modem control
UART_LSR         equ 5                ;   line status; bit 5 = THR empty, ready for a byte
UART_LSR_THRE    equ 1 << 5

EXIT_PORT        equ 0xF4             ; test exit: jlguest exits with the value written, QEMU's
                                      ; isa-debug-exit with (value << 1) | 1

LOAD_ADDR        equ 0x100000         ; 1 MiB: the usual place, above the legacy hole

; ------------------------------------------------------------------------------------------
; The Multiboot header: must be 32-bit aligned and within the first 8 KiB of the file.
; ------------------------------------------------------------------------------------------
%ifdef KLUDGE
        org     LOAD_ADDR             ; flat binary: byte 0 of the file lands at LOAD_ADDR
        section .text
%else
        section .multiboot            ; the linker script puts this first
%endif
        align   4
mb_header:
        dd      MB_HEADER_MAGIC
        dd      MB_FLAGS
        dd      MB_CHECKSUM
%ifdef KLUDGE
        ; The a.out kludge: physical addresses that say how to load a file the loader cannot
        ; parse. The file is copied from offset (header_addr - load_addr) back, i.e. from its
        ; first byte, to load_addr, up to load_end_addr; then memory up to bss_end_addr is zeroed.
        dd      mb_header             ; header_addr: where this header ends up in memory
        dd      LOAD_ADDR             ; load_addr:   where the file's first byte goes
        dd      image_end             ; load_end_addr: end of the bytes to copy
        dd      bss_end               ; bss_end_addr:  end of the zeroed area (our stack)
        dd      _start                ; entry_addr:  where to jump
%endif

; ------------------------------------------------------------------------------------------
; Entry point
; ------------------------------------------------------------------------------------------
        section .text
        bits    32
        global  _start
_start:
        cli                           ; the loader should have done it; be sure
        cld                           ; string instructions go forward
        mov     esp, stack_top        ; the loader gives us no stack: use our own
        mov     ebp, ebx              ; keep the multiboot_info pointer in EBP throughout
        mov     edi, eax              ; and the magic in EDI, while we set up the UART

        call    serial_init

        cmp     edi, MB_BOOT_MAGIC
        je      .magic_ok
        mov     esi, msg_bad_magic    ; not started by a Multiboot loader: say so, exit 1
        call    puts
        mov     eax, edi
        call    puthex32
        call    newline
        mov     al, 1
        jmp     exit

.magic_ok:
        ; "multiboot ok: mem_lower=...KB mem_upper=...KB cmdline=..."
        mov     esi, msg_ok
        call    puts
        test    dword [ebp + MBI_FLAGS], MBI_F_MEM
        jz      .no_mem
        mov     eax, [ebp + MBI_MEM_LOWER]
        call    putdec
        mov     esi, msg_upper
        call    puts
        mov     eax, [ebp + MBI_MEM_UPPER]
        call    putdec
        mov     esi, msg_kb
        call    puts
        jmp     .cmdline
.no_mem:
        mov     esi, msg_no_mem
        call    puts
.cmdline:
        mov     esi, msg_cmdline
        call    puts
        test    dword [ebp + MBI_FLAGS], MBI_F_CMDLINE
        jz      .no_cmdline
        mov     esi, [ebp + MBI_CMDLINE]
        call    puts
.no_cmdline:
        call    newline

        ; "loader: <name>", if the loader told us its name.
        test    dword [ebp + MBI_FLAGS], MBI_F_LOADER
        jz      .mmap
        mov     esi, msg_loader
        call    puts
        mov     esi, [ebp + MBI_LOADER_NAME]
        call    puts
        call    newline

        ; One line per memory map entry.
.mmap:
        test    dword [ebp + MBI_FLAGS], MBI_F_MMAP
        jz      .no_mmap
        mov     ebx, [ebp + MBI_MMAP_ADDR]        ; EBX -> current entry
        mov     ecx, ebx
        add     ecx, [ebp + MBI_MMAP_LENGTH]      ; ECX = end of the map
.entry:
        cmp     ebx, ecx
        jae     .done
        push    ecx
        mov     esi, msg_base
        call    puts
        mov     eax, [ebx + MMAP_BASE + 4]        ; high dword first: it is printed as one
        call    puthex32                          ; 64-bit number
        mov     eax, [ebx + MMAP_BASE]
        call    puthex32
        mov     esi, msg_len
        call    puts
        mov     eax, [ebx + MMAP_LENGTH + 4]
        call    puthex32
        mov     eax, [ebx + MMAP_LENGTH]
        call    puthex32
        mov     esi, msg_type
        call    puts
        mov     eax, [ebx + MMAP_TYPE]
        call    putdec
        call    newline
        pop     ecx
        mov     eax, [ebx + MMAP_SIZE]
        lea     ebx, [ebx + eax + 4]              ; size does not count its own 4 bytes
        jmp     .entry
.no_mmap:
        mov     esi, msg_no_mmap
        call    puts
.done:
        xor     eax, eax              ; all good: exit status 0

; exit: write AL to the test exit port. On jlguest (and QEMU with isa-debug-exit) the run ends
; here. Elsewhere the write goes nowhere and we halt for good: with interrupts off, HLT never
; returns except for an NMI, hence the loop. jlguest treats `cli; hlt` as power-off.
exit:
        out     EXIT_PORT, al
.halt:
        cli
        hlt
        jmp     .halt

; ------------------------------------------------------------------------------------------
; COM1 output by polling. No interrupts: we wait until the transmitter has room.
; ------------------------------------------------------------------------------------------

; serial_init: 115200 baud (divisor 1), 8 data bits, no parity, 1 stop bit, FIFOs on.
serial_init:
        mov     dx, COM1 + UART_IER
        mov     al, 0x00              ; no UART interrupts
        out     dx, al
        mov     dx, COM1 + UART_LCR
        mov     al, 0x80              ; DLAB=1: ports 0 and 1 are now the divisor latch
        out     dx, al
        mov     dx, COM1 + 0
        mov     al, 1                 ; divisor low byte: 115200 / 1
        out     dx, al
        mov     dx, COM1 + 1
        mov     al, 0                 ; divisor high byte
        out     dx, al
        mov     dx, COM1 + UART_LCR
        mov     al, 0x03              ; DLAB=0, 8N1
        out     dx, al
        mov     dx, COM1 + UART_FCR
        mov     al, 0xC7              ; enable and clear FIFOs, 14-byte trigger
        out     dx, al
        mov     dx, COM1 + UART_MCR
        mov     al, 0x03              ; DTR and RTS
        out     dx, al
        ret

; putc: send AL. A '\n' goes out as "\r\n", as a terminal expects.
putc:
        cmp     al, 10
        jne     .raw
        mov     al, 13
        call    .raw
        mov     al, 10
.raw:
        push    edx
        push    eax
        mov     dx, COM1 + UART_LSR
.wait:
        in      al, dx
        test    al, UART_LSR_THRE     ; transmit holding register empty?
        jz      .wait
        pop     eax
        mov     dx, COM1 + UART_THR
        out     dx, al
        pop     edx
        ret

; puts: send the NUL-terminated string at ESI.
puts:
        push    eax
        push    esi
.next:
        lodsb
        test    al, al
        jz      .end
        call    putc
        jmp     .next
.end:
        pop     esi
        pop     eax
        ret

newline:
        push    eax
        mov     al, 10
        call    putc
        pop     eax
        ret

; putdec: EAX as an unsigned decimal number. Digits come out of the division lowest first,
; so they are pushed on the stack and popped in the right order.
putdec:
        pushad
        mov     ebx, 10
        xor     ecx, ecx              ; ECX = number of digits pushed
.divide:
        xor     edx, edx
        div     ebx                   ; EAX = EAX / 10, EDX = remainder
        push    edx
        inc     ecx
        test    eax, eax
        jnz     .divide
.print:
        pop     eax
        add     al, '0'
        call    putc
        loop    .print
        popad
        ret

; puthex32: EAX as exactly 8 hexadecimal digits, most significant first.
puthex32:
        pushad
        mov     ecx, 8
.digit:
        rol     eax, 4                ; bring the top nibble to the bottom
        push    eax
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .out
        add     al, 'a' - '0' - 10
.out:
        call    putc
        pop     eax
        loop    .digit
        popad
        ret

; ------------------------------------------------------------------------------------------
; Strings. (In .text too: a kernel this small needs no separate data section.)
; ------------------------------------------------------------------------------------------
msg_ok:         db  "multiboot ok: mem_lower=", 0
msg_upper:      db  "KB mem_upper=", 0
msg_kb:         db  "KB", 0
msg_no_mem:     db  "? mem_upper=? (no memory info)", 0
msg_cmdline:    db  " cmdline=", 0
msg_loader:     db  "loader: ", 0
msg_base:       db  "mmap: base=0x", 0
msg_len:        db  " len=0x", 0
msg_type:       db  " type=", 0
msg_no_mmap:    db  "mmap: none given", 10, 0
msg_bad_magic:  db  "multiboot FAILED: EAX=0x", 0

        align   4
image_end:                            ; the a.out kludge's load_end_addr

; ------------------------------------------------------------------------------------------
; The stack: zeroed by the loader (bss), never stored in the file.
; ------------------------------------------------------------------------------------------
        section .bss
        alignb  16
stack:  resb    4096
stack_top:
bss_end:
