#!/bin/bash
# guest-images/build.sh: rebuild every bundled jlguest guest image from Debian packages.
#
# Where this sits in the story: jlguest is a machine without a BIOS; these are the guests we
# ship so that a fresh checkout can boot something. Everything here is rebuilt from Debian
# bookworm packages (see need_packages below) into guest-images/, with scratch work under
# guest-images/build/ (git-ignored).
#
#   ./build.sh            build everything, then check the kernel config and SHA256SUMS
#   ./build.sh kernel     only vmlinux + bzImage        (also: helper, initrd, rootfs, multiboot)
#   ./build.sh kernel-debug   vmlinux-debug: the same kernel with DWARF, for gdb (not committed)
#   UPDATE=1 ./build.sh   accept a changed kernel config and rewrite SHA256SUMS
#
# Reproducibility: every timestamp, user, host name, owner, inode order and file system UUID /
# hash seed is pinned below, so a rebuild on bookworm with the same package versions gives
# byte-identical files. Those versions are pinned too (the PINS lists): build.sh installs them and
# stops when another version is installed (README.md says what was verified).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$HERE/build
JOBS=${JOBS:-$(nproc)}
UPDATE=${UPDATE:-0}

# Pinned inputs for reproducible builds. 2025-01-01 00:00:00 UTC.
export SOURCE_DATE_EPOCH=1735689600
export KBUILD_BUILD_TIMESTAMP="Wed Jan  1 00:00:00 UTC 2025"
export KBUILD_BUILD_USER=jlguest
export KBUILD_BUILD_HOST=jlguest
export KBUILD_BUILD_VERSION=1
export KCONFIG_NOTIMESTAMP=1
export LC_ALL=C TZ=UTC
umask 022

# Fixed ext2 identity: UUID and directory hash seed (any constant will do).
EXT2_UUID=6a6c6775-6573-7400-0000-000000000001
EXT2_HASH_SEED=6a6c6775-6573-7400-0000-000000000002
ROOTFS_MIB=16

log() { printf '\n==> %s\n' "$*"; }

# ---------------------------------------------------------------------------------------------
# Pinned package versions: the committed files (SHA256SUMS) were built with exactly these. A
# Debian point release replaces some of them (linux-source-6.1 above all); the old ones stay on
# snapshot.debian.org.
# ---------------------------------------------------------------------------------------------
KERNEL_PINS=(
    "linux-source-6.1=6.1.176-1"
    "gcc-12=12.2.0-14+deb12u1"
    "binutils=2.40-2"
)
USERLAND_PINS=(
    "busybox-static:i386=1:1.35.0-4+deb12u1+b1"
    "nasm=2.16.01-1"
    "binutils=2.40-2"
    "e2fsprogs=1.47.0-2+b2"
    "cpio=2.13+dfsg-7.1"
    "gzip=1.12-1"
    "gcc-12=12.2.0-14+deb12u1"
    "libc6-dev-i386=2.36-9+deb12u14"
    "lib32gcc-12-dev=12.2.0-14+deb12u1"
)

# The pins a target's output depends on.
pins_for() {
    case ${1:-all} in
        kernel|kernel-debug) printf '%s\n' "${KERNEL_PINS[@]}" ;;
        all) printf '%s\n' "${KERNEL_PINS[@]}" "${USERLAND_PINS[@]}" | sort -u ;;
        manifest) ;;
        *) printf '%s\n' "${USERLAND_PINS[@]}" ;;
    esac
}

# Stops (unless UPDATE=1) when an installed version differs from its pin: the output would not
# match SHA256SUMS, and it is better to hear so now than after a kernel build.
check_pins() {
    local pin pkg want have bad=0
    for pin in $(pins_for "$1"); do
        pkg=${pin%%=*} want=${pin#*=}
        have=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
        if [ "$have" != "$want" ]; then
            echo "build.sh: $pkg is ${have:-not installed}, but the committed images were built with $want" >&2
            bad=1
        fi
    done
    [ $bad -eq 0 ] && return 0
    if [ "$UPDATE" = 1 ]; then
        echo "build.sh: UPDATE=1: building with these versions anyway; record them in build.sh's PINS and README.md" >&2
        return 0
    fi
    echo "build.sh: so the output would not match SHA256SUMS. Install the pinned versions" >&2
    echo "    (apt-get install 'PACKAGE=VERSION'; one a point release replaced is on snapshot.debian.org)," >&2
    echo "or rebuild with UPDATE=1 to accept new images, then update the pins in build.sh and README.md." >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------
# Packages. A fresh Debian bookworm machine needs these (busybox-static comes as i386).
# ---------------------------------------------------------------------------------------------
need_packages() {
    # The userland targets need no kernel source or kernel build tools.
    local pkgs=(gcc-multilib nasm e2fsprogs cpio xz-utils gzip busybox-static:i386 python3)
    case ${1:-all} in
        kernel|kernel-debug|all) pkgs+=(linux-source-6.1 build-essential bc flex bison libelf-dev) ;;
    esac
    local missing=() pin
    for p in "${pkgs[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
            # A missing package that is pinned comes in its pinned version.
            pin=$(pins_for all | grep -m1 -F "$p=" | grep "^$p=" || true)
            missing+=("${pin:-$p}")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing missing packages: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then echo "run as root, or: apt-get install ${missing[*]}" >&2; exit 1; fi
    dpkg --print-foreign-architectures | grep -qx i386 || dpkg --add-architecture i386
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

# The i386 static busybox from Debian's busybox-static:i386, wherever dpkg put it.
busybox_path() {
    local bb
    bb=$(dpkg -L busybox-static:i386 | grep -E '/bin/busybox$' | head -1)
    # ELF header: class 1 (32-bit) at byte 4, e_machine 3 (i386) at byte 18.
    [ "$(od -An -tx1 -j4 -N1 "$bb" | tr -d ' ')$(od -An -tx1 -j18 -N2 "$bb" | tr -d ' ')" = 010300 ] ||
        { echo "$bb is not an i386 ELF" >&2; exit 1; }
    echo "$bb"
}

# ---------------------------------------------------------------------------------------------
# Kernel: tinyconfig + linux-6.1-i386.fragment -> linux-6.1-i386.config -> vmlinux, bzImage
# ---------------------------------------------------------------------------------------------
build_kernel() {
    local src=$WORK/linux-source-6.1
    if [ ! -f "$src/Makefile" ]; then
        log "unpacking /usr/src/linux-source-6.1.tar.xz"
        mkdir -p "$WORK"
        tar -C "$WORK" -xJf /usr/src/linux-source-6.1.tar.xz
    fi
    log "configuring: tinyconfig + linux-6.1-i386.fragment"
    make -s -C "$src" ARCH=i386 tinyconfig >/dev/null
    (cd "$src" && scripts/kconfig/merge_config.sh -m .config "$HERE/linux-6.1-i386.fragment" >/dev/null)
    make -s -C "$src" ARCH=i386 olddefconfig
    # Every line of the fragment must have survived the merge (Kconfig silently drops
    # symbols whose dependencies are not met).
    local bad=0 sym want have
    for sym in $(grep -oE '^(# )?CONFIG_[A-Z0-9_]+' "$HERE/linux-6.1-i386.fragment" | sed 's/^# //' | sort -u); do
        want=$(grep -E "^$sym=|^# $sym is not set" "$HERE/linux-6.1-i386.fragment" | tail -1)
        have=$(grep -E "^$sym=|^# $sym is not set" "$src/.config" || true)
        [ "$want" = "$have" ] || { echo "fragment: wanted [$want], got [${have:-unset}]" >&2; bad=1; }
    done
    [ $bad -eq 0 ] || exit 1
    if [ -f "$HERE/linux-6.1-i386.config" ] && ! cmp -s "$src/.config" "$HERE/linux-6.1-i386.config"; then
        diff -u "$HERE/linux-6.1-i386.config" "$src/.config" || true
        if [ "$UPDATE" != 1 ]; then
            echo "merged .config differs from linux-6.1-i386.config (UPDATE=1 to accept)" >&2; exit 1
        fi
    fi
    cp "$src/.config" "$HERE/linux-6.1-i386.config"

    log "building the kernel (make -j$JOBS bzImage)"
    make -C "$src" ARCH=i386 -j"$JOBS" bzImage
    cp "$src/vmlinux" "$HERE/vmlinux"
    cp "$src/arch/x86/boot/bzImage" "$HERE/bzImage"
}

# ---------------------------------------------------------------------------------------------
# vmlinux-debug: the committed configuration plus DWARF 5, in a tree of its own, for gdb
# (p jiffies, bt, step, list). Too big for git (README.md: "A kernel for gdb"); not in SHA256SUMS.
# ---------------------------------------------------------------------------------------------
build_kernel_debug() {
    local top=$WORK/debug src=$WORK/debug/linux-source-6.1
    if [ ! -f "$src/Makefile" ]; then
        log "unpacking /usr/src/linux-source-6.1.tar.xz for the debug kernel"
        mkdir -p "$top"
        tar -C "$top" -xJf /usr/src/linux-source-6.1.tar.xz
    fi
    log "configuring: linux-6.1-i386.config + DWARF 5"
    cp "$HERE/linux-6.1-i386.config" "$src/.config"
    (cd "$src" && scripts/config --disable DEBUG_INFO_NONE --enable DEBUG_INFO_DWARF5)
    make -s -C "$src" ARCH=i386 olddefconfig
    # Only debug-information options may differ from the committed configuration.
    local extra
    extra=$(diff <(grep -v '^#' "$HERE/linux-6.1-i386.config" | sort) <(grep -v '^#' "$src/.config" | sort) |
            grep '^[<>]' | grep -vE '^[<>] CONFIG_(DEBUG_INFO|PAHOLE_VERSION)' || true)
    if [ -n "$extra" ]; then
        echo "debug config differs from linux-6.1-i386.config beyond debug info:" >&2
        echo "$extra" >&2
        exit 1
    fi
    log "building the debug kernel (make -j$JOBS vmlinux)"
    make -C "$src" ARCH=i386 -j"$JOBS" vmlinux
    cp "$src/vmlinux" "$HERE/vmlinux-debug"
    check_debug_code
}

# Debug information changes no code: the debug kernel's symbols and its .text, .rodata and .data
# are the committed vmlinux's, byte for byte, but for the GNU build IDs (the kernel's and its
# vDSO's: hashes of whole files, debug information included). Then gdb may read vmlinux-debug while the machine runs either.
check_debug_code() {
    python3 - "$HERE/vmlinux" "$HERE/vmlinux-debug" <<'EOF'
import re, subprocess, sys
# A GNU build-ID note: namesz 4, descsz 20, type 3, "GNU\0", then the ID (the kernel's, the vDSO's).
NOTE = re.compile(rb"(\x04\0\0\0\x14\0\0\0\x03\0\0\0GNU\0).{20}", re.S)
def image(path):
    run = lambda *a: subprocess.run(a, capture_output=True, check=True).stdout
    secs = [run("objcopy", "-O", "binary", "-j", s, path, "/dev/stdout") for s in (".text", ".rodata", ".data")]
    return [NOTE.sub(lambda m: m.group(1) + bytes(20), s) for s in secs] + [run("nm", "-n", path)]
same = image(sys.argv[1]) == image(sys.argv[2])
print("vmlinux-debug: code, data and symbols are vmlinux's" if same
      else "note: vmlinux-debug's code differs from vmlinux's: boot vmlinux-debug itself under gdb")
EOF
    log "vmlinux-debug: $(du -h "$HERE/vmlinux-debug" | cut -f1)"
}

# ---------------------------------------------------------------------------------------------
# jlguest-exit: a 200-byte static i386 program that writes its argument to port 0xF4.
# ---------------------------------------------------------------------------------------------
build_helper() {
    log "building jlguest-exit"
    mkdir -p "$WORK/helper"
    (cd "$HERE" && nasm -f elf32 -o "$WORK/helper/jlguest-exit.o" src/jlguest-exit.asm)
    ld -m elf_i386 -static -nostdlib --build-id=none -n -s \
       -o "$WORK/helper/jlguest-exit" "$WORK/helper/jlguest-exit.o"
}

# fptest: a static i386 C program printing floating-point results, run natively and in the guest
# (FpuGuestTest compares the two). Built from inside guest-images/ so no checkout path is embedded.
build_fptest() {
    log "building fptest"
    (cd "$HERE" && gcc -m32 -static -O1 -mfpmath=387 -ffile-prefix-map="$HERE"=. -o fptest src/fptest.c -lm)
}

# The userland shared by initrd.img and rootfs.ext2, staged in $1.
stage_userland() {
    local root=$1 bb
    bb=$(busybox_path)
    rm -rf "$root"
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc,mnt}
    chmod 1777 "$root/tmp"
    chmod 0700 "$root/root"
    install -m 0755 "$bb" "$root/bin/busybox"
    # One symlink per applet, exactly as `busybox --install -s` would make them, but made
    # here on the build host so that nothing runs in the guest before /init.
    local applet
    # A host that cannot run i386 code (no IA32 emulation in its kernel) lists them under qemu-user.
    local lister=("$bb")
    "$bb" true 2>/dev/null || lister=(qemu-i386-static "$bb")
    for applet in $("${lister[@]}" --list-full); do
        [ "$applet" = bin/busybox ] && continue
        [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
    done
    install -m 0755 "$HERE/src/init" "$root/init"
    # poweroff, reboot and halt without -f: see src/shutdown (our PID 1 takes no init signals).
    for applet in poweroff reboot halt; do
        rm -f "$root/sbin/$applet"
        install -m 0755 "$HERE/src/shutdown" "$root/sbin/$applet"
    done
    mkdir -p "$root/etc/udhcpc"
    install -m 0755 "$HERE/src/udhcpc.script" "$root/etc/udhcpc/default.script"
    ln -sf /init "$root/sbin/init"
    install -m 0755 "$WORK/helper/jlguest-exit" "$root/sbin/jlguest-exit"
    printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
    printf 'root:x:0:\n' > "$root/etc/group"
    printf 'jlguest\n' > "$root/etc/hostname"
    printf '%s\n' 'export PS1='"'"'\h:\w\$ '"'"'' > "$root/etc/profile"
    # busybox sh runs its own applets before looking in PATH, so poweroff, reboot and halt must be
    # named as files to reach src/shutdown: shell functions win over applets.
    cat >> "$root/etc/profile" <<'PROFILE'
poweroff() { /sbin/poweroff "$@"; }
reboot() { /sbin/reboot "$@"; }
halt() { /sbin/halt "$@"; }
PROFILE
    # Fixed timestamps everywhere (symlinks too).
    find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# ---------------------------------------------------------------------------------------------
# initrd.img: gzip'd newc cpio, sorted names, owner 0:0, fixed mtimes, no gzip name/time.
# ---------------------------------------------------------------------------------------------
build_initrd() {
    log "building initrd.img"
    local root=$WORK/initrd-root
    stage_userland "$root"
    (cd "$root" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort) > "$WORK/initrd.list"
    # cpio --reproducible: dev/ino renumbered, fixed nlink; -R 0:0 owner.
    (cd "$root" && cpio --quiet -o -H newc -R 0:0 --reproducible < "$WORK/initrd.list") > "$WORK/initrd.cpio"
    # /dev/console must be in the archive: the kernel opens it for /init before anything is
    # mounted. Making device nodes needs root, so we append the newc record ourselves (char
    # device 5:1, mode 0600) in place of the trailer, then a new trailer and padding.
    python3 - "$WORK/initrd.cpio" <<'EOF'
import os, sys
path = sys.argv[1]
mtime = int(os.environ['SOURCE_DATE_EPOCH'])
data = open(path, 'rb').read()
trailer = data.rfind(b'TRAILER!!!') - 110   # a newc header is 110 bytes, then the name
body = data[:trailer]
def rec(name, mode, rmaj, rmin, ino):
    name = name.encode() + b'\0'
    h = b'070701' + b''.join(b'%08X' % v for v in (
        ino, mode, 0, 0, 1, mtime, 0, 0, 0, rmaj, rmin, len(name), 0))
    r = h + name
    r += b'\0' * (-len(r) % 4)
    return r
body += rec('dev/console', 0o020600, 5, 1, 900001)
body += rec('TRAILER!!!', 0, 0, 0, 0)
body += b'\0' * (-len(body) % 512)
open(path, 'wb').write(body)
EOF
    gzip -9 -n -c "$WORK/initrd.cpio" > "$HERE/initrd.img"
}

# ---------------------------------------------------------------------------------------------
# rootfs.ext2: the same userland, as an ext2 file system made without root (mke2fs -d).
# ---------------------------------------------------------------------------------------------
build_rootfs() {
    log "building rootfs.ext2"
    local root=$WORK/rootfs-root img=$WORK/rootfs.ext2
    stage_userland "$root"
    rm -f "$img"
    truncate -s "${ROOTFS_MIB}M" "$img"
    # E2FSPROGS_FAKE_TIME pins the superblock/inode times mke2fs would take from the clock.
    E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mke2fs -q -F -t ext2 -b 1024 -m 0 -L jlguest \
        -U "$EXT2_UUID" -E "hash_seed=$EXT2_HASH_SEED,root_owner=0:0" \
        -d "$root" "$img"
    # mke2fs -d copies each inode's ctime from the staging tree (the time we touched it), and
    # cannot make device nodes without root: fix both with debugfs. "@N" is seconds since 1970.
    {
        echo "cd /dev"
        echo "mknod console c 5 1"
        echo "cd /"
        echo "sif /dev/console mode 020600"
        echo "sif /dev/console uid 0"
        echo "sif /dev/console gid 0"
        (cd "$root" && find . | sed 's|^\.||; s|^$|/|' | LC_ALL=C sort) | while read -r p; do
            for f in atime mtime ctime crtime; do echo "sif \"$p\" $f @$SOURCE_DATE_EPOCH"; done
        done
        for f in atime mtime ctime crtime; do echo "sif /dev/console $f @$SOURCE_DATE_EPOCH"; done
    } > "$WORK/rootfs.debugfs"
    E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH debugfs -w -f "$WORK/rootfs.debugfs" "$img" >/dev/null 2>"$WORK/rootfs.debugfs.err"
    if grep -v '^debugfs [0-9]' "$WORK/rootfs.debugfs.err"; then echo "debugfs failed" >&2; exit 1; fi
    E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH e2fsck -fn "$img" >/dev/null
    cp "$img" "$HERE/rootfs.ext2"
}

# ---------------------------------------------------------------------------------------------
# Multiboot v1 test kernels (nasm): an ELF32 one and a flat a.out-kludge one, the
# hypercall test kernel, the PAE/NX test kernel (flat), and the tour's own guest, hello/hello.elf, with its one-sector disk.
# ---------------------------------------------------------------------------------------------
build_multiboot() {
    log "building multiboot test kernels"
    mkdir -p "$WORK/multiboot"
    # Assemble from inside guest-images/ so that the file name recorded in the ELF symbol
    # table is the relative multiboot/multiboot-test.asm, whatever the checkout path.
    (cd "$HERE" &&
     nasm -f elf32 -o "$WORK/multiboot/multiboot-test.o" multiboot/multiboot-test.asm &&
     ld -m elf_i386 -nostdlib --build-id=none -n --no-warn-rwx-segments \
        -T multiboot/multiboot-test.ld -o multiboot-test.elf "$WORK/multiboot/multiboot-test.o" &&
     nasm -f bin -DKLUDGE -o multiboot-test-kludge.bin multiboot/multiboot-test.asm &&
     nasm -f bin -o pae-test.bin multiboot/pae-test.asm &&
     nasm -f elf32 -o "$WORK/multiboot/hypercall-test.o" multiboot/hypercall-test.asm &&
     ld -m elf_i386 -nostdlib --build-id=none -n --no-warn-rwx-segments \
        -T multiboot/multiboot-test.ld -o hypercall-test.elf "$WORK/multiboot/hypercall-test.o" &&
     nasm -f elf32 -o "$WORK/multiboot/hello.o" hello/hello.asm &&
     ld -m elf_i386 -nostdlib --build-id=none -n --no-warn-rwx-segments \
        -T multiboot/multiboot-test.ld -o hello/hello.elf "$WORK/multiboot/hello.o" &&
     printf 'Hello from sector 0 of guest-images/hello/disk.img!' |
        dd of=hello/disk.img bs=512 count=1 conv=sync status=none)
}

# ---------------------------------------------------------------------------------------------
# SHA256SUMS: the manifest of every committed built file.
# ---------------------------------------------------------------------------------------------
BUILT=(vmlinux bzImage linux-6.1-i386.config initrd.img rootfs.ext2 multiboot-test.elf multiboot-test-kludge.bin
       hypercall-test.elf fptest hello/hello.elf hello/disk.img pae-test.bin)

check_manifest() {
    cd "$HERE"
    if [ "$UPDATE" = 1 ] || [ ! -f SHA256SUMS ]; then
        sha256sum "${BUILT[@]}" > SHA256SUMS
        log "wrote SHA256SUMS"
    fi
    log "checking SHA256SUMS"
    sha256sum -c SHA256SUMS
}

main() {
    local what=${1:-all}
    need_packages "$what"
    check_pins "$what"
    case $what in
        kernel)    build_kernel ;;
        kernel-debug) build_kernel_debug ;;
        helper)    build_helper ;;
        initrd)    build_helper; build_initrd ;;
        rootfs)    build_helper; build_rootfs ;;
        multiboot) build_multiboot ;;
        fptest)    build_fptest ;;
        manifest)  check_manifest ;;
        all)       build_kernel; build_helper; build_initrd; build_rootfs; build_multiboot; build_fptest; check_manifest ;;
        *) echo "usage: $0 [all|kernel|kernel-debug|helper|initrd|rootfs|multiboot|fptest|manifest]" >&2; exit 2 ;;
    esac
}
main "$@"
