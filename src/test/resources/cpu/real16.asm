; 16-bit addressing forms, default segments, overrides and 16-bit string ops in real mode.
; Results are stored at 0x0600.. (DS = 0) for the test to check.
bits 16
org 0x7c00
start:
    xor ax, ax
    mov ds, ax
    mov ax, 0x1000
    mov es, ax              ; ES base 0x10000
    mov ax, 0x2000
    mov ss, ax              ; SS base 0x20000
    mov sp, 0xfffe
    mov bx, 0x0100
    mov si, 0x0010
    mov di, 0x0020
    mov bp, 0x0200
    mov word [bx+si+4], 0x1111      ; DS:0x114
    mov word [bp+di], 0x2222        ; SS:0x220 -> 0x20220
    mov word [bp+si+0x10], 0x3333   ; SS:0x220 + ... = 0x20220? no: 0x200+0x10+0x10 = 0x220
    mov ax, [bx+si+4]
    mov [0x600], ax
    mov ax, [ss:bp+di]
    mov [0x602], ax
    mov ax, [ds:bp+di]              ; override: DS:0x220
    mov [0x604], ax
    mov word [es:di], 0x4444        ; 0x10020
    mov ax, [es:0x20]
    mov [0x606], ax
    ; 16-bit string copy DS:SI -> ES:DI
    mov si, 0x0114
    mov di, 0x0040
    mov cx, 2
    cld
    rep movsb
    mov ax, [es:0x40]
    mov [0x608], ax
    ; push/pop and call/ret with a 16-bit stack
    push word 0x5555
    call sub1
    pop dx
    mov [0x60a], dx
    mov [0x60c], sp
    ; wrap-around of 16-bit offsets: [bx+si] with bx+si > 0xffff
    mov bx, 0xfff0
    mov si, 0x0020
    mov word [0x10], 0x6666
    mov ax, [bx+si]                 ; 0x10010 wraps to DS:0x0010
    mov [0x60e], ax
    ; 32-bit operand in 16-bit code
    mov eax, 0x12345678
    add eax, 0x11111111
    mov [0x610], eax
    hlt
sub1:
    mov bp, sp
    mov ax, [bp+2]                  ; SS default for BP: the pushed 0x5555
    mov [0x614], ax
    ret
