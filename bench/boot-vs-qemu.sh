#!/usr/bin/env bash
# Boot benchmark: the bundled guest from launch to its first userland command and power-off, in
# jlguest and in QEMU's TCG (a JIT) on the same kernel and initrd, interleaved in one run, with the
# ratio of the medians. Usage: bench/boot-vs-qemu.sh [runs]   (default 5; needs no network)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
if ! command -v qemu-system-i386 >/dev/null; then
  echo "installing qemu-system-x86 (the reference)..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q qemu-system-x86 >/dev/null
fi
./lguest --version >/dev/null     # builds the jar first if needed, outside the timing

kernel=guest-images/bzImage
initrd=guest-images/initrd.img
script='jlguest.run=true'

run_jlguest() {
  ./lguest 64m "$kernel" --initrd="$initrd" "$script" </dev/null >/dev/null 2>&1
}
run_qemu() {
  # /init's jlguest-exit writes 0 to port 0xF4; isa-debug-exit turns that into exit status 1.
  qemu-system-i386 -M pc -accel tcg -cpu pentium3 -m 64 -nographic -no-reboot \
    -kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 $script" \
    -device isa-debug-exit,iobase=0xf4,iosize=1 </dev/null >/dev/null 2>&1 || [ $? -eq 1 ]
}
seconds() {
  local t0 t1
  t0=$(date +%s%N)
  "$@"
  t1=$(date +%s%N)
  echo "scale=3; ($t1 - $t0) / 1000000000" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

j=() q=()
for i in $(seq "$runs"); do
  j+=("$(seconds run_jlguest)")
  q+=("$(seconds run_qemu)")
  echo "run $i: jlguest ${j[-1]} s, qemu ${q[-1]} s" >&2
done
jm=$(printf '%s\n' "${j[@]}" | median)
qm=$(printf '%s\n' "${q[@]}" | median)
echo "boot to first command and power-off, median of $runs: jlguest ${jm} s, qemu-system-i386 TCG ${qm} s, ratio $(echo "scale=2; $jm / $qm" | bc)x"
