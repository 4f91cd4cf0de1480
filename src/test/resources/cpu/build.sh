#!/bin/sh
# Reassembles the system-test programs (needs nasm; the tests only read the .bin files).
cd "$(dirname "$0")" && for f in *.asm; do nasm -f bin -o "${f%.asm}.bin" "$f" || exit 1; done
