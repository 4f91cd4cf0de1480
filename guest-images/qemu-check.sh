#!/bin/bash
# guest-images/qemu-check.sh: boot every bundled image in QEMU, the oracle, and check the result.
#
# QEMU is not jlguest: it is only the reference that tells us the images themselves are good,
# so that a failure under jlguest points at jlguest. Needs qemu-system-x86 (qemu-system-i386).
# QEMU's isa-debug-exit at 0xf4 turns a guest write of N into QEMU exit status (N << 1) | 1.
# The `pc` machine has no virtio-mmio, so the block and net checks use `microvm` with its
# PIC and PIT on and the CPU's local APIC off (the kernel has no APIC support: PIC mode, as on
# jlguest).
#
#   ./qemu-check.sh          run all checks; exit status 0 when all pass
set -uo pipefail
cd "$(dirname "$0")"
mkdir -p build/check
LOG=build/check

PC=(qemu-system-i386 -M pc -accel tcg -cpu pentium3 -nographic -no-reboot
    -device isa-debug-exit,iobase=0xf4,iosize=1)
MICROVM=(qemu-system-i386 -M microvm,x-option-roms=off,rtc=on,pit=on,pic=on,isa-serial=on,acpi=off
    -accel tcg -cpu pentium3,-apic -nographic -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=1)

fails=0
# check NAME WANT_STATUS WANT_TEXT -- COMMAND...: run with a 60 s limit; report status and time.
check() {
    local name=$1 want_rc=$2 want_text=$3; shift 4
    local t0 t1 rc
    t0=$(date +%s.%N)
    timeout 60 "$@" > "$LOG/$name.log" 2>&1 < /dev/null
    rc=$?
    t1=$(date +%s.%N)
    if [ "$rc" = "$want_rc" ] && grep -aq -- "$want_text" "$LOG/$name.log"; then
        printf 'PASS %-22s status %3s  %5.2fs\n' "$name" "$rc" "$(echo "$t1 - $t0" | bc)"
    else
        printf 'FAIL %-22s status %3s (want %s, text "%s"), see %s\n' "$name" "$rc" "$want_rc" \
            "$want_text" "$LOG/$name.log"
        fails=$((fails + 1))
    fi
}

for k in bzImage vmlinux; do
    check "$k-run-echo" 1 '^hi' -- "${PC[@]}" -m 64 -kernel $k -initrd initrd.img \
        -append 'console=ttyS0 jlguest.run="echo hi"'
    check "$k-run-exit3" 7 'run exited with status 3' -- "${PC[@]}" -m 64 -kernel $k \
        -initrd initrd.img -append 'console=ttyS0 jlguest.run="exit 3"'
    check "$k-16m" 1 'a b c' -- "${PC[@]}" -m 16 -kernel $k -initrd initrd.img \
        -append 'console=ttyS0 jlguest.run="echo a  b  c; free"'
done

# Interactive: type into the shell, then power off. QEMU does not stop at `cli; hlt`, so this
# one ends by timeout (status 124) after "System halted".
printf 'sleep 3; echo hello from the shell; tty\npoweroff -f\n' > $LOG/typed
check interactive 124 'reboot: System halted' -- bash -c \
    "(sleep 4; cat $LOG/typed; sleep 6) | timeout 12 ${PC[*]} -m 64 -kernel bzImage -initrd initrd.img -append console=ttyS0"
grep -aq '^/dev/ttyS0' $LOG/interactive.log || { echo "FAIL interactive: no controlling tty"; fails=$((fails + 1)); }

# The ext2 root file system over virtio-mmio (a scratch copy: the guest writes to it).
cp rootfs.ext2 $LOG/rootfs.ext2
check rootfs-run 11 '^written' -- "${MICROVM[@]}" -m 64 -kernel bzImage \
    -drive id=d0,file=$LOG/rootfs.ext2,format=raw,if=none -device virtio-blk-device,drive=d0 \
    -append 'console=ttyS0 root=/dev/vda jlguest.run="echo written > /root/f; cat /root/f; exit 5"'
if e2fsck -fn $LOG/rootfs.ext2 >/dev/null 2>&1; then echo "PASS rootfs left clean"; else
    echo "FAIL rootfs not clean after the run"; fails=$((fails + 1)); fi

check virtio-net 1 '1 packets received' -- "${MICROVM[@]}" -m 64 -kernel bzImage -initrd initrd.img \
    -netdev user,id=n0 -device virtio-net-device,netdev=n0 \
    -append 'console=ttyS0 jlguest.run="ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0; ping -c 1 10.0.2.2"'

# The Multiboot test kernels: both loader paths (ELF, a.out kludge).
for k in multiboot-test.elf multiboot-test-kludge.bin; do
    check "$k" 1 "multiboot ok: .*cmdline=$k hello" -- "${PC[@]}" -m 64 -kernel $k -append hello
    grep -a '^mmap:' "$LOG/$k.log" | head -1
done

echo "$fails failed"
exit $((fails > 0))
