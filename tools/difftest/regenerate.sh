#!/usr/bin/env bash
# Regenerates the differential-test vectors in src/test/resources/difftest/ (tour:difftest:110).
#
# Needs an x86 Linux host (x86-64 with 32-bit compat, or i686), gcc with -m32 (Debian: gcc-multilib),
# a JDK and Maven. Steps: build tools/difftest/harness.c, let jlguest.cpu.diff.CaseGenerator write one
# case file per instruction group (forms from jlguest.cpu.OpcodeTable), run every case on this CPU with
# the harness, and store the results gzipped (gzip -n: no timestamps, so equal vectors mean equal files).
#
#   tools/difftest/regenerate.sh            # the committed set (scale 1, default seed)
#   SCALE=0.1 tools/difftest/regenerate.sh  # fewer cases, for a quick look
#   SEED=0x1234 tools/difftest/regenerate.sh
#
# Run it again whenever the opcode table gains rows or changes flag masks, then commit the result.
# The vectors record this host's CPU (see index.txt); undefined flags are masked per case, so an Intel
# and an AMD host give vectors that the emulator must both pass.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/src/test/resources/difftest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case "$(uname -m)" in
  x86_64|i?86) ;;
  *) echo "regenerate.sh: needs an x86 host to record the vectors" >&2; exit 1 ;;
esac

gcc -m32 -O2 -static -no-pie -Wall -Wextra -o "$work/harness" "$root/tools/difftest/harness.c"
(cd "$root" && mvn -B -q ${MVN_OFFLINE:--o} test-compile)
java -cp "$root/target/classes:$root/target/test-classes" jlguest.cpu.diff.CaseGenerator \
    "$work" "${SCALE:-1}" "${SEED:-0x6A6C677565737431}"

mkdir -p "$out"
rm -f "$out"/*.vec.gz
{
  echo "# Differential-test vectors: one gzipped file per group (format: VectorFormat.java)."
  echo "# Recorded on: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(uname -sr)"
  echo "# Regenerate with tools/difftest/regenerate.sh"
} > "$out/index.txt"
for cases in "$work"/*.cases; do
  group=$(basename "$cases" .cases)
  "$work/harness" "$cases" "$work/$group.vec"
  gzip -9 -n -c "$work/$group.vec" > "$out/$group.vec.gz"
  echo "$group" >> "$out/index.txt"
done
du -ch "$out"/*.vec.gz | tail -n 1
