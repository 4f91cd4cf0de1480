#!/bin/sh
# Regenerates the disassembler's reference listing from GNU objdump (binutils).
#
#   tools/disasm/regenerate.sh [vmlinux] [output]
#
# The listing is what `objdump -d -M intel` says about every instruction of the kernel's .text,
# compacted: one line per symbol (`@ADDR NAME`) and one per instruction (`LENGTH TEXT`), where
# TEXT has its runs of blanks squeezed to one and a branch target's `ADDR <sym+off>` written as
# `0xADDR`. The disassembler test (DisassemblerObjdumpTest) reads it gzipped, so a machine
# without binutils still checks the disassembler against it; where objdump is installed the
# test also runs it live.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
vmlinux=${1:-$here/guest-images/vmlinux}
out=${2:-$here/src/test/resources/disasm/vmlinux-text.objdump.gz}
mkdir -p "$(dirname "$out")"
end=$(objdump -h "$vmlinux" | awk '$2 == ".text" { print $4, $3 }')
end=$(printf "%d" $(( 0x${end% *} + 0x${end#* } )))
{
    printf '# objdump -d -M intel -j .text %s (%s)\n' "$(basename "$vmlinux")" "$(objdump --version | head -1)"
    printf '# sha256 %s\n' "$(sha256sum "$vmlinux" | cut -d' ' -f1)"
    objdump -d -M intel --no-show-raw-insn -j .text "$vmlinux" | "$here/tools/disasm/compact.awk" -v end="$end"
} | gzip -9n > "$out"
echo "wrote $out ($(wc -c < "$out") bytes)"
