#!/usr/bin/env python3
"""extract-exit.py INITRD OUT: copies /sbin/jlguest-exit (a 512-byte static i386 ELF that writes to port 0xF4)
out of the bundled gzip newc initrd, without cpio(1)."""
import gzip, sys
d = gzip.open(sys.argv[1]).read()
i = 0
while True:
    n, sz = int(d[i + 94:i + 102], 16), int(d[i + 54:i + 62], 16)
    name = d[i + 110:i + 109 + n].decode()
    j = (i + 110 + n + 3) & ~3
    if name == "sbin/jlguest-exit":
        open(sys.argv[2], "wb").write(d[j:j + sz]); break
    if name == "TRAILER!!!":
        sys.exit("no sbin/jlguest-exit in " + sys.argv[1])
    i = (j + sz + 3) & ~3
