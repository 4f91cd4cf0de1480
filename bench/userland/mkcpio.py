#!/usr/bin/env python3
"""Writes a newc cpio archive (what the kernel unpacks as an initramfs) of directory DIR to stdout:
sorted names, owner 0:0, mtime 0. Usage: mkcpio.py DIR > out.cpio (no cpio(1) needed on the host)."""
import os, stat, sys

def entry(out, name, st, data, ino):
    hdr = "070701" + "".join("%08X" % v for v in (
        ino, st.st_mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0))
    b = hdr.encode() + name.encode() + b"\0"
    b += b"\0" * (-len(b) % 4)
    out.write(b + data + b"\0" * (-len(data) % 4))

def main():
    top = sys.argv[1]
    out = sys.stdout.buffer
    paths = []
    for dp, dns, fns in os.walk(top):
        for n in dns + fns:
            paths.append(os.path.relpath(os.path.join(dp, n), top))
    for ino, p in enumerate(sorted(paths), 1):
        full = os.path.join(top, p)
        st = os.lstat(full)
        if stat.S_ISLNK(st.st_mode):
            data = os.readlink(full).encode()
        elif stat.S_ISREG(st.st_mode):
            data = open(full, "rb").read()
        else:
            data = b""
        entry(out, p, st, data, ino)
    class Z: st_mode = 0
    entry(out, "TRAILER!!!", Z, b"", 0)

main()
