#!/bin/sh
# Prints the host CPU's single-step trap sequences that SingleStepTest expects (see step.c).
# Needs gcc and nasm. The sequences for each .nasm file, with the disassembly to read them by.
set -e
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O1 -static -Wall -o "$work/step" "$here/step.c"
for t in rep-movsb repe-cmpsb mov-ss; do
  nasm -f bin -o "$work/$t.bin" "$here/$t.nasm"
  echo "== $t"
  ndisasm -b64 -o 0x10001000 "$work/$t.bin" | awk '{ printf "  %s  %s %s %s\n", substr($1, 5), $3, $4, $5 }'
  printf '  traps (rip/rcx): '
  "$work/step" "$work/$t.bin"
done
