#!/bin/sh
# Rebuilds the recorded x87 vectors from the host CPU (needs gcc with -m32 support).
# Usage: tools/fpudiff/regenerate.sh [cases [focus-cases]]   (default 120000 and 30000)
set -e
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../src/test/resources/fpudiff/cases.bin.gz"
gcc -m32 -O1 -Wall -o /tmp/fpudiff.$$ "$here/fpudiff.c"
/tmp/fpudiff.$$ "${1:-120000}" | gzip -9 > "$out"
# A second set: the transcendentals, FSQRT, FPREM/FPREM1 and FSCALE with mostly in-domain arguments.
/tmp/fpudiff.$$ "${2:-30000}" focus | gzip -9 > "${out%cases.bin.gz}focus.bin.gz"
rm -f /tmp/fpudiff.$$
grep -m1 'model name' /proc/cpuinfo > "$here/../../src/test/resources/fpudiff/HOST.txt" || true
ls -l "$out"
