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
