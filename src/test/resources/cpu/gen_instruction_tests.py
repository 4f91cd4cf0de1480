#!/usr/bin/env python3
"""Assembles the snippets below with nasm and writes InstructionTest.java (run at test-writing
time; the tests themselves never need nasm). Each case: name, 32-bit asm, Java assertions using
m (TestMachine) and constants EAX..EDI, CF..OF."""
import subprocess, tempfile, os, sys

CASES = [
("addOverflowFlags", "mov eax, 0x7fffffff; add eax, 1; pushfd; pop ebx; hlt",
 ["assertEquals(0x80000000, m.r(EAX))", "assertEquals(OF | SF | AF | PF, m.r(EBX) & OSZAPC)"]),
("subBorrow", "mov eax, 1; sub eax, 2; pushfd; pop ebx; hlt",
 ["assertEquals(-1, m.r(EAX))", "assertEquals(CF | SF | AF | PF, m.r(EBX) & OSZAPC)"]),
("adcChain", "mov eax, 0xffffffff; mov edx, 0; add eax, 1; adc edx, 0; hlt",
 ["assertEquals(0, m.r(EAX))", "assertEquals(1, m.r(EDX))"]),
("sbbChain", "mov eax, 0; mov edx, 1; sub eax, 1; sbb edx, 0; hlt",
 ["assertEquals(-1, m.r(EAX))", "assertEquals(0, m.r(EDX))"]),
("incKeepsCarry", "stc; mov eax, 0xff; inc al; pushfd; pop ebx; hlt",
 ["assertEquals(0, m.r(EAX) & 0xFF)", "assertEquals(CF | ZF | AF | PF, m.r(EBX) & OSZAPC)"]),
("decOverflow", "clc; mov ecx, 0x80000000; dec ecx; pushfd; pop ebx; hlt",
 ["assertEquals(0x7fffffff, m.r(ECX))", "assertEquals(OF | AF | PF, m.r(EBX) & OSZAPC)"]),
("negFlags", "mov eax, 5; neg eax; pushfd; pop ebx; hlt",
 ["assertEquals(-5, m.r(EAX))", "assertEquals(CF | SF | AF, m.r(EBX) & OSZAPC)"]),
("logicClearsCfOf", "stc; mov eax, 0xf0; and eax, 0x0f; pushfd; pop ebx; hlt",
 ["assertEquals(0, m.r(EAX))", "assertEquals(ZF | PF, m.r(EBX) & (OSZAPC & ~AF))"]),
("byteRegisters", "mov eax, 0x11223344; mov ah, 0x99; mov bl, ah; mov bh, al; hlt",
 ["assertEquals(0x11229944, m.r(EAX))", "assertEquals(0x4499, m.r(EBX) & 0xFFFF)"]),
("shlShrSar", "mov eax, 0x80000001; shl eax, 1; pushfd; pop ebx; mov ecx, 0x80000000; sar ecx, 4; mov edx, 0x80000000; shr edx, 31; hlt",
 ["assertEquals(2, m.r(EAX))", "assertEquals(CF | OF, m.r(EBX) & (CF | OF))", "assertEquals(0xF8000000, m.r(ECX))", "assertEquals(1, m.r(EDX))"]),
("rotates", "mov eax, 0x80000001; rol eax, 1; mov ebx, 1; ror ebx, 1; stc; mov ecx, 0; rcl ecx, 1; clc; mov edx, 1; rcr edx, 1; pushfd; pop esi; hlt",
 ["assertEquals(3, m.r(EAX))", "assertEquals(0x80000000, m.r(EBX))", "assertEquals(1, m.r(ECX))", "assertEquals(0, m.r(EDX))", "assertEquals(CF, m.r(ESI) & CF)"]),
("rcl8ThroughCarry", "stc; mov al, 0x80; rcl al, 2; pushfd; pop ebx; hlt",
 ["assertEquals(0x03, m.r(EAX) & 0xFF)", "assertEquals(0, m.r(EBX) & CF)"]),
("shldShrd", "mov eax, 0x12345678; mov edx, 0x9abcdef0; shld eax, edx, 8; mov ebx, 0x12345678; mov ecx, 0x9abcdef0; shrd ebx, ecx, 8; hlt",
 ["assertEquals(0x3456789a, m.r(EAX))", "assertEquals(0xf0123456, m.r(EBX))"]),
("mulImul", "mov eax, 0x10000; mov ecx, 0x10000; mul ecx; mov esi, eax; mov edi, edx; mov eax, -3; mov ecx, 7; imul ecx; mov ebx, edx; imul ecx, ecx, -2; hlt",
 ["assertEquals(0, m.r(ESI))", "assertEquals(1, m.r(EDI))", "assertEquals(-21, m.r(EAX))", "assertEquals(-1, m.r(EBX))", "assertEquals(-14, m.r(ECX))"]),
("mulFlags", "mov al, 16; mov cl, 16; mul cl; pushfd; pop ebx; hlt",
 ["assertEquals(256, m.r(EAX) & 0xFFFF)", "assertEquals(CF | OF, m.r(EBX) & (CF | OF))"]),
("divIdiv", "mov edx, 0; mov eax, 100; mov ecx, 7; div ecx; mov esi, eax; mov edi, edx; mov eax, -100; cdq; idiv ecx; hlt",
 ["assertEquals(14, m.r(ESI))", "assertEquals(2, m.r(EDI))", "assertEquals(-14, m.r(EAX))", "assertEquals(-2, m.r(EDX))"]),
("div8", "mov ax, 1000; mov bl, 10; div bl; hlt",
 ["assertEquals(100, m.r(EAX) & 0xFF)", "assertEquals(0, (m.r(EAX) >> 8) & 0xFF)"]),
("repMovsb", "mov esi, 0x2000; mov edi, 0x3000; mov dword [esi], 0x44332211; mov ecx, 4; cld; rep movsb; mov eax, [0x3000]; hlt",
 ["assertEquals(0x44332211, m.r(EAX))", "assertEquals(0, m.r(ECX))", "assertEquals(0x3004, m.r(EDI))"]),
("repStosdBackwards", "mov edi, 0x300c; mov eax, 0xabcdabcd; mov ecx, 4; std; rep stosd; cld; mov ebx, [0x3000]; hlt",
 ["assertEquals(0xabcdabcd, m.r(EBX))", "assertEquals(0x2ffc, m.r(EDI))"]),
("repeCmpsb", "mov dword [0x2000], 0x64636261; mov dword [0x3000], 0x65636261; mov esi, 0x2000; mov edi, 0x3000; mov ecx, 4; repe cmpsb; hlt",
 ["assertEquals(0, m.r(ECX))", "assertEquals(0x2004, m.r(ESI))"]),
("repneScasb", "mov dword [0x2000], 0x00636261; mov edi, 0x2000; mov ecx, -1; xor eax, eax; repne scasb; not ecx; dec ecx; hlt",
 ["assertEquals(3, m.r(ECX))"]),
("callRet", "call f; mov ebx, 2; hlt; f: mov eax, 1; ret",
 ["assertEquals(1, m.r(EAX))", "assertEquals(2, m.r(EBX))", "assertEquals(0x80000, m.r(ESP))"]),
("pushPopAll", "mov eax, 1; mov ecx, 2; pushad; mov eax, 0; mov ecx, 0; popad; push word 0x1234; pop bx; hlt",
 ["assertEquals(1, m.r(EAX))", "assertEquals(2, m.r(ECX))", "assertEquals(0x1234, m.r(EBX) & 0xFFFF)", "assertEquals(0x80000, m.r(ESP))"]),
("loopCounts", "xor eax, eax; mov ecx, 10; l: add eax, ecx; loop l; hlt",
 ["assertEquals(55, m.r(EAX))"]),
("cmovSetcc", "mov eax, 1; mov ebx, 2; cmp eax, ebx; cmovl ecx, ebx; setg dl; setl dh; hlt",
 ["assertEquals(2, m.r(ECX))", "assertEquals(0x100, m.r(EDX) & 0xFFFF)"]),
("signedUnsignedJcc", "mov eax, -1; cmp eax, 1; jl a; mov ebx, 1; a: cmp eax, 1; ja b; mov ecx, 1; b: hlt",
 ["assertEquals(0, m.r(EBX))", "assertEquals(0, m.r(ECX))"]),
("bsfBsr", "mov eax, 0x00f0; bsf ebx, eax; bsr ecx, eax; mov edx, 77; xor eax, eax; bsf edx, eax; pushfd; pop esi; hlt",
 ["assertEquals(4, m.r(EBX))", "assertEquals(7, m.r(ECX))", "assertEquals(77, m.r(EDX))", "assertEquals(ZF, m.r(ESI) & ZF)"]),
("bitTests", "mov eax, 0; bts eax, 5; mov dword [0x2000], 0; mov ecx, 35; bts [0x2000], ecx; mov ebx, [0x2004]; btc eax, 5; pushfd; pop esi; hlt",
 ["assertEquals(0, m.r(EAX))", "assertEquals(8, m.r(EBX))", "assertEquals(CF, m.r(ESI) & CF)"]),
("xaddCmpxchg", "mov eax, 5; mov ebx, 3; xadd eax, ebx; mov ecx, 8; mov edx, 9; mov eax, 8; cmpxchg ecx, edx; hlt",
 ["assertEquals(8, m.r(EAX))", "assertEquals(5, m.r(EBX))", "assertEquals(9, m.r(ECX))"]),
("cmpxchg8b", "mov dword [0x2000], 1; mov dword [0x2004], 2; mov eax, 1; mov edx, 2; mov ebx, 3; mov ecx, 4; lock cmpxchg8b [0x2000]; mov esi, [0x2000]; mov edi, [0x2004]; hlt",
 ["assertEquals(3, m.r(ESI))", "assertEquals(4, m.r(EDI))"]),
("bswapMovzxMovsx", "mov eax, 0x11223344; bswap eax; mov bl, 0x80; movsx ecx, bl; movzx edx, bl; hlt",
 ["assertEquals(0x44332211, m.r(EAX))", "assertEquals(0xffffff80, m.r(ECX))", "assertEquals(0x80, m.r(EDX))"]),
("bcd", "mov al, 0x19; add al, 0x28; daa; mov bl, al; mov al, 0x42; sub al, 0x15; das; mov cl, al; mov ax, 0x0009; add al, 3; aaa; mov dx, ax; hlt",
 ["assertEquals(0x47, m.r(EBX) & 0xFF)", "assertEquals(0x27, m.r(ECX) & 0xFF)", "assertEquals(0x0102, m.r(EDX) & 0xFFFF)"]),
("aamAad", "mov al, 79; aam; mov bx, ax; aad; hlt",
 ["assertEquals(0x0709, m.r(EBX) & 0xFFFF)", "assertEquals(79, m.r(EAX) & 0xFFFF)"]),
("enterLeave", "mov ebp, 0x1234; enter 16, 0; mov eax, esp; mov ebx, ebp; leave; hlt",
 ["assertEquals(0x80000 - 4 - 16, m.r(EAX))", "assertEquals(0x80000 - 4, m.r(EBX))", "assertEquals(0x1234, m.r(EBP))", "assertEquals(0x80000, m.r(ESP))"]),
("lahfSahf", "mov ah, 0xd5; sahf; mov ah, 0; lahf; hlt",
 ["assertEquals(0xd7, (m.r(EAX) >> 8) & 0xFF)"]),
("xlatLea", "mov dword [0x2000], 0x44332211; mov ebx, 0x2000; mov al, 2; xlatb; lea ecx, [ebx + eax*4 + 8]; hlt",
 ["assertEquals(0x33, m.r(EAX) & 0xFF)", "assertEquals(0x2000 + 0x33 * 4 + 8, m.r(ECX))"]),
("operandSizePrefix", "mov eax, 0xffffffff; mov ax, 0x1234; add ax, 0xffff; hlt",
 ["assertEquals(0xffff1233, m.r(EAX))"]),
("addressSizePrefix", "mov ebx, 0x10000; mov dword [0x2000], 0x55; mov ebx, 0x12000; a16 mov eax, [bx]; hlt",
 ["assertEquals(0x55, m.r(EAX))"]),
("cpuidVendor", "xor eax, eax; cpuid; mov esi, ebx; mov eax, 1; cpuid; hlt",
 ["assertEquals(0x756E6547, m.r(ESI))", "assertEquals(0x0673, m.r(EAX) & 0xFFF)", "assertTrue(m.r(ECX) < 0)", "assertEquals(0xA939, m.r(EDX))"]),
("hypervisorLeaf", "mov eax, 0x40000000; cpuid; hlt",
 ["assertEquals(0x40000001, m.r(EAX))", "assertEquals(0x4b4d564b, m.r(EBX))"]),
("pushfPopfIdToggle", "pushfd; pop eax; xor eax, 0x200000; push eax; popfd; pushfd; pop ebx; hlt",
 ["assertEquals(0x200000, m.r(EBX) & 0x200000)"]),
("fpuControl", "fninit; fnstcw [0x2000]; mov word [0x2004], 0x27f; fldcw [0x2004]; fnstcw [0x2008]; fnstsw ax; hlt",
 ["assertEquals(0x37f, m.read32(0x2000) & 0xFFFF)", "assertEquals(0x27f, m.read32(0x2008) & 0xFFFF)", "assertEquals(0, m.r(EAX) & 0xFFFF)"]),
("multiByteNop", "nop; db 0x0f, 0x1f, 0x00; db 0x0f, 0x1f, 0x44, 0x00, 0x00; db 0x66, 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0; pause; mov eax, 9; hlt",
 ["assertEquals(9, m.r(EAX))"]),
("fastPathMemoryForms", "mov dword [0x2000], 10; mov eax, 3; add [0x2000], eax; sub dword [0x2000], 5; or dword [0x2000], 0x100; mov ebx, 0xffffffff; mov bx, [0x2000]; mov [0x2004], bx; mov cl, [0x2000]; mov [0x2006], cl; movzx edx, word [0x2004]; mov esi, 1; mov cl, 4; shl esi, cl; hlt",
 ["assertEquals(0x108, m.read32(0x2000))", "assertEquals(0xffff0108, m.r(EBX))", "assertEquals(0x08, m.read32(0x2004) >>> 16)", "assertEquals(0x0108, m.r(EDX))", "assertEquals(16, m.r(ESI))"]),
("vmcall", "mov eax, 41; vmcall; hlt",
 ["assertEquals(42, m.r(EAX))", "assertEquals(1, m.hypercalls)"]),
]

def asm(src):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "t.asm")
        open(p, "w").write("bits 32\norg 0x1000\n" + src.replace("; ", "\n") + "\n")
        subprocess.run(["nasm", "-f", "bin", "-o", p + ".bin", p], check=True)
        return open(p + ".bin", "rb").read().hex()

out = ["package jlguest.cpu;", "",
       "import static jlguest.cpu.OpcodeTable.*;",
       "import static org.junit.jupiter.api.Assertions.assertEquals;",
       "import static org.junit.jupiter.api.Assertions.assertTrue;", "",
       "import org.junit.jupiter.api.Test;", "",
       "/** Generated by src/test/resources/cpu/gen_instruction_tests.py from nasm sources (kept as comments). */",
       "class InstructionTest {",
       "    static final int EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;", ""]
for name, src, checks in CASES:
    out.append("    /** {@code %s} */" % src.replace("*/", "* /"))
    out.append("    @Test")
    out.append("    void %s() {" % name)
    out.append('        TestMachine m = TestMachine.flat("%s");' % asm(src))
    out.append("        assertEquals(Stop.HALT_FOREVER, m.run(), () -> m.cpu.stopMessage());")
    for c in checks:
        out.append("        %s;" % c)
    out.append("    }")
    out.append("")
out.append("}")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
