#!/bin/sh
# Fetches Debian 12's stock i386 kernels (linux-image-686-pae and linux-image-686) with apt-get
# download and extracts their bzImages to target/debian/vmlinuz-686-pae and target/debian/vmlinuz-686,
# where DebianKernelBootTest (tagged "long": mvn -Plong verify) finds them. Needs Debian's i386 package
# lists: run `dpkg --add-architecture i386 && apt-get update` once if apt-get cannot find the packages.
#
#   tools/debian-kernels.sh        then   ./lguest 256m target/debian/vmlinuz-686-pae --initrd=guest-images/initrd.img
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/target/debian"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
for flavour in 686-pae 686; do
  # The meta package depends on the current ABI's image package, e.g. linux-image-6.1.0-50-686-pae.
  pkg=$(apt-cache depends "linux-image-$flavour:i386" | sed -n 's/^ *Depends: \(linux-image-[^ ]*\).*/\1/p' | head -n 1)
  if [ -z "$pkg" ]; then
    echo "debian-kernels: apt knows no linux-image-$flavour:i386 (dpkg --add-architecture i386; apt-get update)" >&2
    exit 1
  fi
  (cd "$work" && apt-get download "$pkg" >/dev/null)
  dpkg-deb -x "$work"/linux-image-*"$flavour"_*.deb "$work/x-$flavour"
  cp "$work/x-$flavour"/boot/vmlinuz-* "$out/vmlinuz-$flavour"
  rm -rf "$work/x-$flavour" "$work"/*.deb
  echo "debian-kernels: $pkg -> target/debian/vmlinuz-$flavour"
done
