#!/usr/bin/env bash
# Records what the bundled userland's busybox prints for src/test/resources/guest/busybox-oracle.sh
# when the real CPU runs it: the same static i386 busybox as in the guest (Debian's busybox-static,
# architecture i386, installed as /bin/busybox by guest-images/build.sh), run natively on this host.
# BusyboxOracleTest runs the same script inside jlguest and must print the same bytes.
set -euo pipefail
cd "$(dirname "$0")/../.."
bb=${BUSYBOX:-/bin/busybox}
file "$bb" 2>/dev/null | grep -q "Intel 80386" || { echo "need the i386 static busybox at $bb" >&2; exit 1; }
dir=$(mktemp -d)
for applet in $("$bb" --list); do ln -s "$bb" "$dir/$applet"; done
PATH=$dir "$bb" sh src/test/resources/guest/busybox-oracle.sh > src/test/resources/guest/busybox-oracle.expected
rm -rf "$dir"
cat src/test/resources/guest/busybox-oracle.expected

# guest-images/fptest (static i386, x87 arithmetic): the real CPU's output, as md5 and line count.
guest-images/fptest | md5sum | cut -c1-32 > src/test/resources/guest/fptest.expected
guest-images/fptest | wc -l >> src/test/resources/guest/fptest.expected
cat src/test/resources/guest/fptest.expected
