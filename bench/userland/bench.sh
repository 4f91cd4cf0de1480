#!/bin/sh
# /bench.sh in the Debian 12 i386 root (init=/bench.sh, or exec'd by the initrd's /init).
# Times bench/userland/work.py and work.pl with the guest clock, prints one USERLAND-BENCH line, powers off.
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
mount -t proc proc /proc 2>/dev/null
[ -e /dev/null ] || mount -t devtmpfs dev /dev 2>/dev/null
echo "USERLAND-BENCH start kernel=$(uname -r) cmdline=$(cat /proc/cmdline)"
# Warm the page cache (interpreters and their libraries come from the virtio disk).
python3 -B -c pass
perl -e 1
# One timed run of each, as one line: USERLAND-BENCH <what> python_ms=... perl_ms=...
timed() {
  t0=$(date +%s%N)
  python3 -B /bench/work.py
  t1=$(date +%s%N)
  perl /bench/work.pl
  t2=$(date +%s%N)
  echo "USERLAND-BENCH $1 python_ms=$(( (t1 - t0) / 1000000 )) perl_ms=$(( (t2 - t1) / 1000000 ))"
}
timed result
# bench_repeat=N on the kernel command line: N-1 more runs of each, in the same guest ("again"
# lines): the steady state, once the emulator has seen (compiled, translated) the code.
repeat=$(sed -n 's/.*bench_repeat=\([0-9]*\).*/\1/p' /proc/cmdline)
n=1
while [ "$n" -lt "${repeat:-1}" ]; do
  timed again
  n=$((n + 1))
done
# QEMU -M microvm (no ACPI) would only halt: there, isa-debug-exit at port 0xF4 ends the run
# (guest-images/src/jlguest-exit.asm; where nothing listens at 0xF4 the write is ignored).
/usr/sbin/jlguest-exit 0
# Power off: reboot(LINUX_REBOOT_CMD_POWER_OFF); jlguest ends on the final HLT, QEMU -M pc via ACPI.
perl -e 'syscall(88, 0xfee1dead, 672274793, 0x4321fedc, 0); print "reboot(): $!\n"'
echo o > /proc/sysrq-trigger 2>/dev/null
sleep 5
echo "USERLAND-BENCH poweroff failed"
