# Userland compute workload (python3). Pure interpreter: dict of string keys, sort, integer arithmetic.
# All intermediate values stay below 2**31, so a 32-bit perl (IV of 4 bytes) computes the same.
# bench/userland/work.pl does the same in perl; both print a checksum so a wrong result shows.
import time
t0 = time.perf_counter()
N = 50000
d = {}
for i in range(N):
    d["k%07d" % (i * 7919 % 1000003)] = i
keys = sorted(d)
s = 0
for k in keys:
    s = (s * 31 + d[k]) % 65521
x = 1
for i in range(100000):
    x = (x * 75 + 74) % 65537
    s ^= x
words = " ".join(keys[:12500]).split()
s = (s + len(words) + sum(len(w) for w in words)) % 65521
t1 = time.perf_counter()
print("python checksum=%d inner_ms=%d" % (s, (t1 - t0) * 1000))
