#!/usr/bin/env bash
# Regenerates the SIMD differential-test vectors (src/test/resources/ssediff/cases.vec.gz) on this
# host's CPU: builds tools/ssediff/ssediff.c (64-bit: see the file's header for why that records 32-bit truth), lets
# jlguest.cpu.simd.SimdCaseGenerator write the cases from the opcode table, runs them, gzips.
#
#   tools/ssediff/regenerate.sh              # the committed set (scale 1, default seed)
#   SCALE=0.1 tools/ssediff/regenerate.sh    # fewer cases
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/src/test/resources/ssediff"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -static -no-pie -Wall -Wextra -o "$work/ssediff" "$root/tools/ssediff/ssediff.c"
(cd "$root" && mvn -B -q ${MVN_OFFLINE:--o} test-compile)
java -cp "$root/target/classes:$root/target/test-classes" jlguest.cpu.simd.SimdCaseGenerator \
    "$work/cases.bin" "${SCALE:-1}" "${SEED:-0x53494D44}"
"$work/ssediff" "$work/cases.bin" "$work/cases.vec"
mkdir -p "$out"
gzip -9 -n -c "$work/cases.vec" > "$out/cases.vec.gz"
echo "# Recorded on: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(uname -sr)" > "$out/HOST.txt"
ls -l "$out/cases.vec.gz"
