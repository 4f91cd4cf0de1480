#!/bin/bash
# Userland compute benchmark, jlguest against QEMU TCG: python3 and perl in a Debian 12 i386 root on a
# virtio block device, timed by the guest's own clock (bench/userland/bench.sh, work.py, work.pl).
#
#   bench/userland-vs-qemu.sh [N]        (N rounds, default 3; run as root: debootstrap, mkfs -d)
#
# Each round runs five guests one after the other (interleaved, so load changes hit all alike):
#   jlguest-bundled     ./lguest, bundled kernel (guest-images/bzImage), root on the virtio-mmio disk
#   qemu-bundled        qemu -M microvm (virtio-mmio too), the same kernel and disk
#   qemu-debian         qemu -M pc, Debian 12's linux-image-686 + a busybox initrd that insmods
#                       virtio_pci/virtio_blk/ext4, the disk on virtio-pci
#   jlguest-debian-ram  ./lguest, Debian's kernel, the (trimmed) root as its initramfs: Debian's
#                       virtio_mmio module lacks CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES, so that kernel
#                       cannot find jlguest's disk
#   qemu-debian-ram     qemu -M pc, the same kernel and initramfs
# and prints best and median of the guest-measured times per side and the ratios jlguest/QEMU.
# Everything built goes to target/userland/ and is cached (delete a file there to rebuild it):
#   root/        the Debian root (debootstrap --foreign, then every .deb unpacked; no second stage)
#   root.img     its ext4 image (rebuilt when bench/userland/* changes); the guests mount it read-only
#   vmlinuz-686, initrd-686.gz, debs/   Debian's kernel, its modules and busybox-static:i386
#   ramroot-686.gz  busybox + the root without docs/locales/apt, as an initramfs
#   logs/        every run's console
# Environment: QEMU=qemu-system-i386, LGUEST=./lguest, TIMEOUT=900 (seconds per run), MEM=256m,
# KARGS="mitigations=off" (extra kernel arguments for every run), KINDS="..." (a subset of the five kinds),
# REPEAT=N (default 1): each guest runs python and perl N times over (bench_repeat=N), and the summary
# adds the steady state, the best of the runs after the first, when the code is no longer new to
# the emulator (jlguest: compiled; QEMU: translated).
set -euo pipefail
export PATH="$PATH:/sbin:/usr/sbin"
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
src="$here/userland"
out="$repo/target/userland"
N=${1:-3}
QEMU=${QEMU:-qemu-system-i386}
LGUEST=${LGUEST:-$repo/lguest}
TIMEOUT=${TIMEOUT:-900}
MEM=${MEM:-256m}
# Appended to every guest's kernel command line. mitigations=off: Debian's kernel otherwise turns on
# its speculation mitigations (page table isolation and co.) and the bundled kernel has none, so
# both compare the userland code alone; KARGS= measures with them. (Their cost on jlguest is not
# settled: one pair of runs gave python 22.8 s with them against 8.0 s without, a later pair 5.7 s
# with against 8.2 s without; runs vary by 20% or more.)
KARGS=${KARGS-mitigations=off}
REPEAT=${REPEAT:-1}
[ "$REPEAT" -gt 1 ] && KARGS="$KARGS bench_repeat=$REPEAT"
# The bundled kernel on microvm cannot calibrate the TSC (no HPET, no ACPI PM timer; without the
# argument it never reaches /init). TCG's TSC is the host's, so give it the host's frequency, or the
# guest-measured times are off by the error.
host_khz=$(awk -F': *' '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
QEMU_BUNDLED_ARGS=${QEMU_BUNDLED_ARGS-tsc_early_khz=${host_khz:-2000000}}
SUITE=bookworm
MIRROR=${MIRROR:-http://deb.debian.org/debian}
mkdir -p "$out" "$out/logs" "$out/debs"
say() { echo "userland-bench: $*" >&2; }

# --- 1. the Debian root -------------------------------------------------------------------------
if [ ! -f "$out/root/.complete" ]; then
  say "building the Debian 12 i386 root in target/userland/root (debootstrap --foreign, ~2 min)"
  rm -rf "$out/root"
  debootstrap --foreign --arch=i386 --variant=minbase --include=python3-minimal,perl-base \
    "$SUITE" "$out/root" "$MIRROR" > "$out/debootstrap.log" 2>&1 \
    || { say "debootstrap failed, see $out/debootstrap.log"; exit 1; }
  # The host cannot run i386 code (no second stage in a chroot): unpack every downloaded package
  # over the root instead, keeping merged /usr's symlinks (bin -> usr/bin, lib -> usr/lib, ...).
  for deb in "$out"/root/var/cache/apt/archives/*.deb; do
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out/root" --keep-directory-symlink
  done
  rm -f "$out"/root/var/cache/apt/archives/*.deb
  # debootstrap's first stage leaves /proc a symlink to the host's /proc
  rm -f "$out/root/proc"; mkdir -p "$out/root/proc" "$out/root/sys" "$out/root/dev"
  for l in bin lib sbin; do [ -L "$out/root/$l" ] || { say "root: /$l is not a symlink"; exit 1; }; done
  [ -x "$out/root/usr/bin/python3.11" ] && [ -x "$out/root/usr/bin/perl" ] || { say "root: no python3/perl"; exit 1; }
  touch "$out/root/.complete"
fi
img="$out/root.img"
[ -f "$out/jlguest-exit" ] || python3 "$src/extract-exit.py" "$repo/guest-images/initrd.img" "$out/jlguest-exit"
if [ ! -f "$img" ] || [ -n "$(find "$src" -newer "$img" -type f)" ]; then
  say "making target/userland/root.img (ext4, 400M)"
  install -m 755 "$src/bench.sh" "$out/root/bench.sh"
  install -m 755 "$out/jlguest-exit" "$out/root/usr/sbin/jlguest-exit"
  mkdir -p "$out/root/bench"
  install -m 644 "$src/work.py" "$src/work.pl" "$out/root/bench/"
  rm -f "$img"
  mkfs.ext4 -q -d "$out/root" -L droot "$img" 400M
fi

# --- 2. Debian's 686 kernel, its modules, busybox, the initrd ----------------------------------
kver=
if [ ! -f "$out/vmlinuz-686" ] || [ ! -f "$out/initrd-686.gz" ] || [ "$src/initrd-init" -nt "$out/initrd-686.gz" ]; then
  if ! ls "$out"/debs/linux-image-*-686_*.deb >/dev/null 2>&1 || ! ls "$out"/debs/busybox-static_*.deb >/dev/null 2>&1; then
    pkg=$(apt-cache depends linux-image-686:i386 | sed -n 's/^ *Depends: \(linux-image-[^ :]*\).*/\1/p' | head -n 1)
    [ -n "$pkg" ] || { say "apt knows no linux-image-686:i386: dpkg --add-architecture i386; apt-get update"; exit 1; }
    say "downloading $pkg:i386 and busybox-static:i386"
    (cd "$out/debs" && apt-get download "$pkg:i386" busybox-static:i386 >/dev/null 2>&1)
  fi
  rm -rf "$out/kx" "$out/initrd"
  mkdir -p "$out/kx" "$out/initrd/bin" "$out/initrd/lib/modules"
  dpkg-deb -x "$(ls "$out"/debs/linux-image-*-686_*.deb | head -n 1)" "$out/kx"
  cp "$out"/kx/boot/vmlinuz-* "$out/vmlinuz-686"
  kver=$(ls "$out/kx/lib/modules")
  mods="$out/kx/lib/modules/$kver/kernel"
  for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev \
           drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/virtio/virtio_mmio \
           drivers/block/virtio_blk lib/crc16 fs/mbcache crypto/crc32c_generic fs/jbd2/jbd2 fs/ext4/ext4; do
    cp "$mods/$m.ko" "$out/initrd/lib/modules/"
  done
  mkdir -p "$out/bb"
  dpkg-deb -x "$(ls "$out"/debs/busybox-static_*.deb | head -n 1)" "$out/bb"
  cp "$out/bb/bin/busybox" "$out/initrd/bin/busybox"
  install -m 755 "$src/initrd-init" "$out/initrd/init"
  python3 "$src/mkcpio.py" "$out/initrd" | gzip -9 -n > "$out/initrd-686.gz"
  echo "$kver" > "$out/kernel-version"
  rm -rf "$out/kx" "$out/bb"
  say "Debian kernel $kver -> target/userland/vmlinuz-686, initrd-686.gz"
fi
kver=$(cat "$out/kernel-version")
# The RAM-root initrd: busybox in /bb, /init, and the part of the Debian root the benchmark uses.
if [ ! -f "$out/ramroot-686.gz" ] || [ -n "$(find "$src" -newer "$out/ramroot-686.gz" -type f)" ]; then
  say "making target/userland/ramroot-686.gz (the Debian root as an initramfs)"
  rm -rf "$out/ramroot"; mkdir -p "$out/ramroot/usr" "$out/ramroot/bb" "$out/ramroot/bench"
  (cd "$out/root" && cp -a bin lib sbin etc "$out/ramroot/" && cp -a usr/bin usr/sbin "$out/ramroot/usr/" \
     && tar -c --exclude=usr/lib/i386-linux-gnu/gconv --exclude=usr/lib/apt --exclude=usr/lib/locale usr/lib \
        | tar -x -C "$out/ramroot")
  mkdir -p "$out/ramroot/proc" "$out/ramroot/sys" "$out/ramroot/dev" "$out/ramroot/tmp"
  install -m 755 "$src/bench.sh" "$out/ramroot/bench.sh"
  install -m 644 "$src/work.py" "$src/work.pl" "$out/ramroot/bench/"
  install -m 755 "$src/ramroot-init" "$out/ramroot/init"
  install -m 755 "$out/jlguest-exit" "$out/ramroot/usr/sbin/jlguest-exit"
  cp "$out/initrd/bin/busybox" "$out/ramroot/bb/busybox"
  python3 "$src/mkcpio.py" "$out/ramroot" | gzip -6 -n > "$out/ramroot-686.gz"
  rm -rf "$out/ramroot"
fi

# --- 3. the runs -------------------------------------------------------------------------------
kinds=${KINDS:-jlguest-bundled qemu-bundled qemu-debian jlguest-debian-ram qemu-debian-ram}
run_one() {  # kind round -> appends "kind round python_ms perl_ms wall_ms" to $out/results.txt
  local kind=$1 i=$2 log="$out/logs/$1-$2.log" t0 t1 rc=0
  t0=$(date +%s%N)
  case $kind in
    jlguest-bundled)
      timeout "$TIMEOUT" "$LGUEST" --no-reboot --block="$img",ro "$MEM" "$repo/guest-images/bzImage" \
        root=/dev/vda ro rootfstype=ext4 init=/bench.sh $KARGS < /dev/null > "$log" 2>&1 || rc=$? ;;
    jlguest-debian-ram)
      timeout "$TIMEOUT" "$LGUEST" --no-reboot --console=serial --initrd="$out/ramroot-686.gz" \
        "$MEM" "$out/vmlinuz-686" console=ttyS0 quiet $KARGS < /dev/null > "$log" 2>&1 || rc=$? ;;
    qemu-debian-ram)
      timeout "$TIMEOUT" "$QEMU" -M pc -accel tcg -m "${MEM%m}" -display none -nodefaults -serial stdio \
        -no-reboot -kernel "$out/vmlinuz-686" -initrd "$out/ramroot-686.gz" -append "console=ttyS0 quiet $KARGS" \
        < /dev/null > "$log" 2>&1 || rc=$? ;;
    qemu-bundled)
      # microvm: virtio-mmio like jlguest. -apic: the bundled kernel has no local APIC support and
      # microvm's firmware leaves LINT0 masked, so without it no PIC interrupt (no timer) arrives.
      timeout "$TIMEOUT" "$QEMU" -M microvm,acpi=off,pit=on,pic=on,rtc=on,isa-serial=on -cpu qemu32,-apic \
        -accel tcg -m "${MEM%m}" -display none -nodefaults -serial stdio -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=1 -kernel "$repo/guest-images/bzImage" \
        -append "console=ttyS0 root=/dev/vda ro rootfstype=ext4 init=/bench.sh $QEMU_BUNDLED_ARGS $KARGS" \
        -device virtio-blk-device,drive=d -drive id=d,file="$img",format=raw,if=none,readonly=on \
        < /dev/null > "$log" 2>&1 || rc=$? ;;
    qemu-debian)
      timeout "$TIMEOUT" "$QEMU" -M pc -accel tcg -m "${MEM%m}" -display none -nodefaults -serial stdio \
        -no-reboot -kernel "$out/vmlinuz-686" -initrd "$out/initrd-686.gz" -append "console=ttyS0 quiet $KARGS" \
        -drive file="$img",if=virtio,format=raw,readonly=on < /dev/null > "$log" 2>&1 || rc=$? ;;
  esac
  t1=$(date +%s%N)
  local line py pl
  line=$(grep -a 'USERLAND-BENCH result' "$log" | tail -n 1 || true)
  py=$(echo "$line" | sed -n 's/.*python_ms=\([0-9]*\).*/\1/p')
  pl=$(echo "$line" | sed -n 's/.*perl_ms=\([0-9]*\).*/\1/p')
  if [ -z "$py" ] || [ -z "$pl" ]; then
    say "$kind round $i: no result (exit $rc), see $log"; return 0
  fi
  grep -aq "python checksum=$sum " "$log" && grep -aq "perl checksum=$sum " "$log" \
    || say "$kind round $i: WRONG CHECKSUM, see $log"
  [ "$(grep -ac "checksum=$sum " "$log")" -eq $((2 * REPEAT)) ] || say "$kind round $i: missing runs, see $log"
  # the steady state: the best of the repeated runs ("again" lines), or - without them
  local spy spl
  spy=$(sed -n 's/.*USERLAND-BENCH again python_ms=\([0-9]*\).*/\1/p' "$log" | sort -n | head -n 1)
  spl=$(sed -n 's/.*USERLAND-BENCH again .*perl_ms=\([0-9]*\).*/\1/p' "$log" | sort -n | head -n 1)
  echo "$kind $i $py $pl $(( (t1 - t0) / 1000000 )) ${spy:--} ${spl:--}" >> "$out/results.txt"
  printf 'userland-bench: round %d %-16s python %6d ms  perl %6d ms  (wall %6.1f s, exit %d)\n' \
    "$i" "$kind" "$py" "$pl" "$(awk "BEGIN{print ($t1 - $t0) / 1e9}")" "$rc" >&2
}

# the host's python3 computes the checksum both guest programs must print
sum=$(python3 "$src/work.py" | sed -n 's/.*checksum=\([0-9]*\).*/\1/p')
[ -x "$(command -v "$QEMU")" ] || { say "no $QEMU"; exit 1; }
say "$($QEMU --version | head -n 1); $("$LGUEST" --version 2>/dev/null | tail -n 1 || true)"
say "Debian kernel $kver; $N rounds of: $kinds; extra kernel arguments: ${KARGS:-none}; qemu-bundled: $QEMU_BUNDLED_ARGS"
say "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
: > "$out/results.txt"
for i in $(seq 1 "$N"); do
  for k in $kinds; do run_one "$k" "$i"; done
done
say "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"

# --- 4. summary --------------------------------------------------------------------------------
python3 - "$out/results.txt" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
res = {}
steady = {}
for kind, i, py, pl, wall, spy, spl in rows:
    res.setdefault(kind, []).append((int(py), int(pl), int(wall)))
    if spy != "-" and spl != "-":
        steady.setdefault(kind, []).append((int(spy), int(spl)))
def col(kind, j):
    return [r[j] for r in res.get(kind, [])]
print("\n%-18s %5s  %18s  %18s  %18s" % ("", "runs", "python ms best/med", "perl ms best/med", "wall s best/med"))
for kind in ("jlguest-bundled", "qemu-bundled", "qemu-debian", "jlguest-debian-ram", "qemu-debian-ram"):
    if kind not in res:
        print("%-18s  no results" % kind); continue
    f = lambda j: "%8d /%8d" % (min(col(kind, j)), statistics.median(col(kind, j)))
    w = col(kind, 2)
    print("%-18s %5d  %18s  %18s  %8.1f /%8.1f" % (kind, len(w), f(0), f(1), min(w) / 1e3, statistics.median(w) / 1e3))
print("\nratio jlguest / QEMU (guest-measured time; the target is <= 2.0):")
for jl, qe, what in (("jlguest-bundled", "qemu-bundled", "disk root on virtio-mmio; the same bundled kernel"),
                     ("jlguest-bundled", "qemu-debian", "disk root; bundled 6.1.176 vs Debian 6.1 kernel"),
                     ("jlguest-debian-ram", "qemu-debian-ram", "RAM root; the same Debian kernel and initrd")):
    if jl not in res or qe not in res:
        print("  %s / %s: no results" % (jl, qe)); continue
    out = []
    for j, name in ((0, "python"), (1, "perl")):
        out.append("%s best %.2f median %.2f" % (name, min(col(jl, j)) / min(col(qe, j)),
                   statistics.median(col(jl, j)) / statistics.median(col(qe, j))))
    tot = lambda k: min(a + b for a, b, _ in res[k])
    out.append("both best %.2f" % (tot(jl) / tot(qe)))
    print("  %s / %s (%s):\n    %s" % (jl, qe, what, ";  ".join(out)))
    if jl in steady and qe in steady:
        s = lambda k, j: min(r[j] for r in steady[k])
        print("    steady state (best of the runs after the first, REPEAT): jlguest python %d perl %d ms, "
              "QEMU %d / %d ms: python %.2f, perl %.2f" % (s(jl, 0), s(jl, 1), s(qe, 0), s(qe, 1),
              s(jl, 0) / s(qe, 0), s(jl, 1) / s(qe, 1)))
EOF
