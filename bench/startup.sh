#!/usr/bin/env bash
# Start-up benchmark: the bundled guest (bzImage + initrd, jlguest.run=true, power-off) timed from
# the shell, as a user sees it, under several launcher settings, interleaved round by round so
# that all see the same machine load; prints best and median of each, wall and CPU seconds (user +
# system, all threads; on a shared machine the wall time mostly measures the others).
#
#   bench/startup.sh [runs] [jdk...]     default 5 runs; JDK homes default to every JDK 17+ in /usr/lib/jvm
#
# Settings compared, for each JDK:
#   before          --guest-decompress, JLGUEST_CDS=off (what ./lguest did before host unpacking)
#   no-archive      host unpacking, JLGUEST_CDS=off
#   archive         host unpacking with the start-up archive (JLGUEST_CDS=on; the default on JDK 25+)
#   +SerialGC, +C1-only, +G1 (the archive too, with a JVM flag changed; see docs/performance.md)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shift || true
jdks=("$@")
if [ ${#jdks[@]} -eq 0 ]; then
  for home in /usr/lib/jvm/*; do
    [ -L "$home" ] && continue
    major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" 2>/dev/null || true)
    [ -n "$major" ] && [ "$major" -ge 17 ] && jdks+=("$home")
  done
fi
base="-Xms64m -Xmx3g -XX:+UseParallelGC"
names=(before no-archive archive +SerialGC +C1-only +G1)
settings=("off|$base|--guest-decompress" "off|$base|" "on|$base|" "on|-Xms64m -Xmx3g -XX:+UseSerialGC|"
  "on|$base -XX:TieredStopAtLevel=1|" "on|-Xms64m -Xmx3g -XX:+UseG1GC|")

for home in "${jdks[@]}"; do   # build the jar and record each JDK's archive, outside the timing
  JAVA="$home/bin/java" JLGUEST_CDS=on ./lguest --version >/dev/null
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
declare -A times cpus
cpu_log=$(mktemp)
trap 'rm -f "$cpu_log"' EXIT
for i in $(seq "$runs"); do
  for home in "${jdks[@]}"; do
    for k in "${!names[@]}"; do
      IFS='|' read -r cds opts extra <<<"${settings[$k]}"
      t0=$(date +%s%N)
      # shellcheck disable=SC2086
      JAVA="$home/bin/java" JLGUEST_CDS=$cds JLGUEST_JAVA_OPTS="$opts" /usr/bin/time -o "$cpu_log" -f '%U %S' \
        ./lguest 64m guest-images/bzImage --initrd=guest-images/initrd.img $extra 'jlguest.run=true' \
        </dev/null >/dev/null 2>&1
      t1=$(date +%s%N)
      key="$(basename "$home") ${names[$k]}"
      times[$key]="${times[$key]:-} $(echo "scale=2; ($t1 - $t0) / 1000000000" | bc | sed 's/^\./0./')"
      cpus[$key]="${cpus[$key]:-} $(awk 'END {printf "%.2f", $1 + $2}' "$cpu_log")"
    done
  done
  echo "round $i done" >&2
done
echo "bundled boot + true + power-off, $runs runs, $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg):"
for home in "${jdks[@]}"; do
  for k in "${!names[@]}"; do
    key="$(basename "$home") ${names[$k]}"
    # shellcheck disable=SC2086
    printf '%-36s wall best %6s s, median %6s s | cpu best %6s s, median %6s s\n' "$key" \
      "$(printf '%s\n' ${times[$key]} | sort -n | head -1)" "$(printf '%s\n' ${times[$key]} | median)" \
      "$(printf '%s\n' ${cpus[$key]} | sort -n | head -1)" "$(printf '%s\n' ${cpus[$key]} | median)"
  done
done
