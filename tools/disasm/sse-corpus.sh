#!/bin/sh
# Rebuilds the SSE corpus for the disassembler test (SseCorpusObjdumpTest): compiles
# tools/disasm/sse-corpus.c with gcc -m32 -msse2 -mfpmath=sse -O2 -ftree-vectorize and stores the
# object and objdump's compacted listing of its .text (as regenerate.sh does for the kernel).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
out="$here/src/test/resources/disasm"
gcc -m32 -msse2 -mfpmath=sse -O2 -ftree-vectorize -fno-asynchronous-unwind-tables -c \
    -o "$out/sse-corpus.o" "$here/tools/disasm/sse-corpus.c"
size=$(objdump -h "$out/sse-corpus.o" | awk '$2 == ".text" { print $3 }')
{
    printf '# objdump -d -M intel -j .text sse-corpus.o (%s)\n' "$(objdump --version | head -1)"
    objdump -d -M intel --no-show-raw-insn -j .text "$out/sse-corpus.o" \
        | "$here/tools/disasm/compact.awk" -v end="$(printf "%d" 0x$size)"
} | gzip -9n > "$out/sse-corpus.objdump.gz"
echo "wrote $out/sse-corpus.o and sse-corpus.objdump.gz"
