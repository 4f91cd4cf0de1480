#!/usr/bin/env bash
# Whole-run benchmark against QEMU's TCG (a JIT), interleaved in one run so that both see the same
# machine load; prints the best and the median of each and the ratios of the bests.
#
#   bench/boot-vs-qemu.sh [runs]            the bundled bzImage + initrd: boot, one command
#                                           (jlguest.run=true), power-off; default 5 runs
#   bench/boot-vs-qemu.sh --debian [runs]   Debian 12's stock 686 kernel (XZ-packed, relocatable)
#                                           with the project's initrd, 256 MiB: jlguest unpacking
#                                           it on the host, jlguest with --guest-decompress, QEMU;
#                                           default 3 runs. The kernel is fetched once with
#                                           `apt-get download` into target/debian/vmlinuz-686.
#
# Needs qemu-system-i386 (installed from Debian's packages if missing). JAVA=... and
# JLGUEST_JAVA_OPTS=... are passed to ./lguest as usual.
set -euo pipefail
cd "$(dirname "$0")/.."
debian=0
if [ "${1:-}" = "--debian" ]; then
  debian=1
  shift
fi
runs=${1:-$([ $debian = 1 ] && echo 3 || echo 5)}
if ! command -v qemu-system-i386 >/dev/null; then
  echo "installing qemu-system-x86 (the reference)..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q qemu-system-x86 >/dev/null
fi
./lguest --version >/dev/null     # builds the jar (and the CDS archive) first if needed, outside the timing

initrd=guest-images/initrd.img
script='jlguest.run=true'
if [ $debian = 1 ]; then
  # The same place and name as main's tools/debian-kernels.sh uses (DebianKernelBootTest reads it).
  kernel=target/debian/vmlinuz-686
  if [ ! -f "$kernel" ]; then
    echo "fetching Debian 12's linux-image-686 kernel into $kernel ..." >&2
    work=$(mktemp -d)
    pkg=$(apt-cache depends linux-image-686:i386 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[^ ]*\).*/\1/p' | head -1)
    if [ -z "$pkg" ]; then
      apt-get update -q >/dev/null
      pkg=$(apt-cache depends linux-image-686:i386 | sed -n 's/.*Depends: \(linux-image-[^ ]*\).*/\1/p' | head -1)
    fi
    (cd "$work" && apt-get download -q "$pkg" >/dev/null 2>&1)
    dpkg-deb -x "$work"/*.deb "$work/x"
    mkdir -p target/debian
    cp "$work"/x/boot/vmlinuz-* "$kernel"
    rm -rf "$work"
  fi
  mem=256
else
  kernel=guest-images/bzImage
  mem=64
fi

jlguest=(./lguest "${mem}m" "$kernel" --initrd="$initrd")
# /init's jlguest-exit writes 0 to port 0xF4; isa-debug-exit turns that into QEMU's exit status 1.
qemu=(qemu-system-i386 -M pc -accel tcg -cpu pentium3 -m "$mem" -nographic -no-reboot
  -kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 $script" -device isa-debug-exit,iobase=0xf4,iosize=1)
# Wall seconds, and CPU seconds (user + system, all threads: the JVM's compilers and GC count) in
# cpu_seconds: on a machine shared with other work the wall time mostly measures the others, while
# the CPU time stays close to what the same run costs on an idle machine.
cpu_log=$(mktemp)
trap 'rm -f "$cpu_log"' EXIT
measure() {   # sets wall_seconds and cpu_seconds
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -o "$cpu_log" -f '%U %S' "$@" </dev/null >/dev/null 2>&1 || true
  t1=$(date +%s%N)
  cpu_seconds=$(awk 'END {printf "%.2f", $1 + $2}' "$cpu_log")
  wall_seconds=$(echo "scale=2; ($t1 - $t0) / 1000000000" | bc | sed 's/^\./0./')
}
best() { sort -n | head -1; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { echo "scale=2; $1 / $2" | bc | sed 's/^\./0./'; }

host=() guest=() q=() host_cpu=() guest_cpu=() q_cpu=()
for i in $(seq "$runs"); do
  measure "${jlguest[@]}" "$script"; host+=("$wall_seconds"); host_cpu+=("$cpu_seconds")
  line="run $i: jlguest ${host[-1]} s (cpu $cpu_seconds s)"
  if [ $debian = 1 ]; then
    measure "${jlguest[@]}" --guest-decompress "$script"; guest+=("$wall_seconds"); guest_cpu+=("$cpu_seconds")
    line+=", jlguest --guest-decompress ${guest[-1]} s (cpu $cpu_seconds s)"
  fi
  measure "${qemu[@]}"; q+=("$wall_seconds"); q_cpu+=("$cpu_seconds")
  echo "$line, qemu ${q[-1]} s (cpu $cpu_seconds s)" >&2
done
qb=$(printf '%s\n' "${q[@]}" | best)
qcb=$(printf '%s\n' "${q_cpu[@]}" | best)
report() {   # name, then "wall values" "cpu values"
  local b m cb
  b=$(printf '%s\n' $2 | best)
  m=$(printf '%s\n' $2 | median)
  cb=$(printf '%s\n' $3 | best)
  printf '%-30s wall best %6s s, median %6s s, best/QEMU %5sx | cpu best %6s s, /QEMU %5sx\n' \
    "$1" "$b" "$m" "$(ratio "$b" "$qb")" "$cb" "$(ratio "$cb" "$qcb")"
}
echo "$(basename "$kernel") to its first command and power-off, $runs runs, $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg):"
report "jlguest" "${host[*]}" "${host_cpu[*]}"
if [ $debian = 1 ]; then
  report "jlguest --guest-decompress" "${guest[*]}" "${guest_cpu[*]}"
fi
report "qemu-system-i386 -accel tcg" "${q[*]}" "${q_cpu[*]}"
