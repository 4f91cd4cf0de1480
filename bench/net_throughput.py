#!/usr/bin/env python3
"""Network throughput of the bundled guest, measured from the host (bench/net-throughput.sh).

Each mode boots the bundled guest (two guests for the guest-to-guest modes) through ./lguest,
moves --size MiB one way, and prints the rate in MB/s (10^6 bytes per second). The clock is the
host's: a transfer starts when the host sees its first sign (an HTTP request arriving, a marker
line on a guest's console) and ends when the host sees its last (the last byte, or the
receiver's marker line), so boot time and the guest's own clock never enter the figure.

Each guest also gets a monitor on a loopback port (--monitor=tcp:...); its counters read just
before and just after the transfer give what the guest did per MiB moved (guest instructions
retired, interrupts, frames, TSO segments, ACKs), which the host's load does not change.

Markers are printed upper-cased by the guest (`echo x | tr a-z A-Z`), because the kernel echoes
its command line, script and all, and a lower-case marker in it would match too early.
"""
import argparse
import http.server
import os
import re
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20
GUEST_A = "169.254.10.1"
GUEST_B = "169.254.10.2"


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Monitor:
    """The guest's monitor on a loopback port: the load-independent counters of a transfer.

    Wall-clock MB/s on a shared machine swings 2x with the load; the guest instructions retired
    per MiB moved do not (the guest's TCP/IP stack runs the same code however fast the host is).
    """

    PROMPT = b"(jlguest) "

    def __init__(self, port):
        self.port = port
        self.sock = None

    def ask(self, *commands):
        """Each command's output, in order (the monitor answers one line at a time)."""
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            self._until_prompt()
        out = []
        for c in commands:
            self.sock.sendall(c.encode() + b"\n")
            out.append(self._until_prompt())
        return out

    def _until_prompt(self):
        buf = b""
        while not buf.endswith(self.PROMPT):
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            buf += chunk
        return buf[:-len(self.PROMPT)].decode("utf-8", "replace")

    def counters(self):
        """Instructions retired, interrupts taken, and the network device's and NAT's counts."""
        stats, counters, virtio, usernet = self.ask("stats", "info counters", "info virtio", "info usernet")
        c = {"instructions": _num(r"instructions executed\s+([\d,]+)", stats),
             "interrupts": _num(r"^interrupts\s+([\d,]+)", counters)}
        net = re.search(r"rx (\d+) frames \((\d+) large segments\), tx (\d+) frames(?:, (\d+) large segments)?",
                        virtio)
        if net:
            c["rx frames"], c["rx large"], c["tx frames"] = (int(net.group(i)) for i in (1, 2, 3))
            c["tx large"] = int(net.group(4) or 0)
        tcp = re.search(r"(\d+) data segments from the guest \((\d+) bytes\), (\d+) pure ACKs", usernet)
        if tcp:
            c["segs from guest"], c["acks to guest"] = int(tcp.group(1)), int(tcp.group(3))
        stalls = re.search(r"waited (\d+) times for room in the device, (\d+) for the guest's window", usernet)
        if stalls:
            c["room stalls"], c["window stalls"] = int(stalls.group(1)), int(stalls.group(2))
        return c

    def close(self):
        if self.sock:
            self.sock.close()


def _num(pattern, text):
    m = re.search(pattern, text, re.M)
    return int(m.group(1).replace(",", "")) if m else 0


def delta(before, after):
    return {k: after[k] - before.get(k, 0) for k in after}


class Guest:
    """One ./lguest process; a thread reads its console and notes when each marker appeared."""

    def __init__(self, name, mem, net, script, verbose, compiler=False):
        self.name = name
        self.seen = {}
        self.lines = []
        self.cond = threading.Condition()
        self.monitor = Monitor(free_port())
        cmd = [os.path.join(ROOT, "lguest"), mem, "guest-images/vmlinux", "--initrd=guest-images/initrd.img",
               "--net=" + net, f"--monitor=tcp:127.0.0.1:{self.monitor.port}",
               "--compiler" if compiler else "--no-compiler", "jlguest.run=" + script]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.verbose = verbose
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            now = time.monotonic()
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if self.verbose:
                print(f"[{self.name}] {line}", file=sys.stderr)
            with self.cond:
                self.lines.append(line)
                for word in line.split():
                    if word.startswith("JLB-") and word not in self.seen:
                        self.seen[word] = now
                self.cond.notify_all()
        with self.cond:
            self.seen.setdefault("EOF", time.monotonic())
            self.cond.notify_all()

    def wait(self, marker, timeout):
        """The host time the marker appeared; exits with the console's tail when it never does."""
        end = time.monotonic() + timeout
        with self.cond:
            while marker not in self.seen:
                left = end - time.monotonic()
                if left <= 0 or "EOF" in self.seen:
                    break
                self.cond.wait(left)
            if marker in self.seen:
                return self.seen[marker]
        tail = "\n".join(self.lines[-25:])
        sys.exit(f"net-throughput: guest {self.name} never printed {marker}; its console ended:\n{tail}")

    def cpu(self):
        """CPU seconds the guest's JVM has used so far (all threads; ./lguest execs java)."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")

    def counters(self):
        return self.monitor.counters()

    def stop(self):
        self.monitor.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def marker(word):
    """Shell that prints JLB-WORD without the upper-case word appearing in the command line."""
    return f"echo jlb-{word} | tr a-z A-Z"


def user_down(args):
    """Host HTTP server -> guest wget to /dev/null, through the NAT."""
    size = args.size * MIB
    chunk = bytes(MIB)
    started = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            started["t"] = time.monotonic()
            started["cpu"] = guest[0].cpu()
            started["counters"] = guest[0].counters()
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            for _ in range(args.size):
                self.wfile.write(chunk)

        def log_message(self, *a):
            pass

    guest = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    script = f"wget -q -O /dev/null http://10.0.2.2:{port}/data && {marker('done')}; sleep 3600"
    g = Guest("guest", args.mem, "user", script, args.verbose, args.compiler)
    guest.append(g)
    try:
        end = g.wait("JLB-DONE", args.timeout)
        cpu = g.cpu() - started["cpu"]
        counts = delta(started["counters"], g.counters())
    finally:
        g.stop()
        server.shutdown()
    return size, end - started["t"], cpu, counts


def user_up(args):
    """The guest's busybox httpd -> a host GET through hostfwd."""
    size = args.size * MIB
    port = free_port()
    script = (f"mkdir -p /www && dd if=/dev/zero of=/www/f bs=1M count={args.size} 2>/dev/null && "
              f"httpd -p 8080 -h /www && {marker('ready')}; sleep 3600")
    g = Guest("guest", args.mem, f"user,hostfwd=tcp::{port}-:8080", script, args.verbose, args.compiler)
    try:
        g.wait("JLB-READY", args.timeout)
        with socket.create_connection(("127.0.0.1", port), timeout=args.timeout) as s:
            k0 = g.counters()
            t0, c0 = time.monotonic(), g.cpu()
            s.sendall(b"GET /f HTTP/1.0\r\n\r\n")
            got = 0
            buf = bytearray(MIB)
            while True:
                n = s.recv_into(buf)
                if n == 0:
                    break
                got += n
            t1, c1 = time.monotonic(), g.cpu()
            counts = delta(k0, g.counters())
    finally:
        g.stop()
    if got < size:
        sys.exit(f"net-throughput: user-up got {got} bytes, wanted {size} and headers")
    return size, t1 - t0, c1 - c0, counts


def user_nc(args):
    """Guest `nc 10.0.2.2 PORT` fed by dd -> a host socket, through the NAT."""
    size = args.size * MIB
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    result = {}

    def serve():
        c, _ = listener.accept()
        with c:
            buf = bytearray(MIB)
            got = 0
            t0 = None
            while True:
                n = c.recv_into(buf)
                if n == 0:
                    break
                if t0 is None:
                    k0 = guest[0].counters()
                    t0, c0 = time.monotonic(), guest[0].cpu()
                got += n
            result["got"], result["t"] = got, time.monotonic() - (t0 or time.monotonic())
            result["cpu"] = guest[0].cpu() - c0 if t0 else float("nan")
            result["counts"] = delta(k0, guest[0].counters()) if t0 else {}

    guest = []
    th = threading.Thread(target=serve, daemon=True)
    script = f"dd if=/dev/zero bs=64k count={args.size * 16} 2>/dev/null | nc 10.0.2.2 {port}; {marker('done')}"
    g = Guest("guest", args.mem, "user", script, args.verbose, args.compiler)
    guest.append(g)
    th.start()
    try:
        th.join(args.timeout)
    finally:
        g.stop()
        listener.close()
    if result.get("got") != size:
        sys.exit(f"net-throughput: user-nc got {result.get('got')} bytes, wanted {size}")
    return size, result["t"], result["cpu"], result["counts"]


def guest_to_guest(args, backend):
    """Guest A's busybox httpd -> guest B's wget to /dev/null, over a udp, socket or mcast link."""
    size = args.size * MIB
    pa, pb = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
    if backend == "udp":
        net_a = f"udp:local=127.0.0.1:{pa},remote=127.0.0.1:{pb}"
        net_b = f"udp:local=127.0.0.1:{pb},remote=127.0.0.1:{pa}"
    elif backend == "socket":
        net_a = f"socket:listen=127.0.0.1:{pa}"
        net_b = f"socket:connect=127.0.0.1:{pa}"
    else:
        net_a = net_b = f"mcast:239.255.74.80:{pa},localaddr=127.0.0.1"
    net_b += ",mac=52:54:00:12:34:99"
    up = "ifconfig eth0 {} netmask 255.255.0.0 up"
    script_a = (f"{up.format(GUEST_A)}; mkdir -p /www && dd if=/dev/zero of=/www/f bs=1M count={args.size} 2>/dev/null"
                f" && httpd -p 8080 -h /www && {marker('ready')}; sleep 3600")
    script_b = (f"{up.format(GUEST_B)}; ping -c 1 -W 10 {GUEST_A} > /dev/null; {marker('start')}; "
                f"wget -q -O /dev/null http://{GUEST_A}:8080/f && {marker('done')}; sleep 3600")
    a = Guest("A", args.mem, net_a, script_a, args.verbose, args.compiler)
    b = None
    try:
        a.wait("JLB-READY", args.timeout)
        b = Guest("B", args.mem, net_b, script_b, args.verbose, args.compiler)
        t0 = b.wait("JLB-START", args.timeout)
        c0 = a.cpu() + b.cpu()
        k0 = (a.counters(), b.counters())
        t1 = b.wait("JLB-DONE", args.timeout)
        c1 = a.cpu() + b.cpu()
        ka, kb = delta(k0[0], a.counters()), delta(k0[1], b.counters())
        counts = {k: ka[k] + kb.get(k, 0) for k in ka}
    finally:
        a.stop()
        if b:
            b.stop()
    return size, t1 - t0, c1 - c0, counts


MODES = {
    "user-down": user_down,
    "user-up": user_up,
    "user-nc": user_nc,
    "udp": lambda a: guest_to_guest(a, "udp"),
    "socket": lambda a: guest_to_guest(a, "socket"),
    "mcast": lambda a: guest_to_guest(a, "mcast"),
}


def main():
    p = argparse.ArgumentParser(description="jlguest network throughput, MB/s, measured on the host")
    p.add_argument("modes", nargs="*", default=list(MODES), metavar="MODE",
                   help="any of " + ", ".join(MODES) + " (default: all)")
    p.add_argument("--size", type=int, default=32, help="MiB to move (default 32)")
    p.add_argument("--runs", type=int, default=1, help="runs of each mode (default 1)")
    p.add_argument("--mem", default="128m", help="guest memory (default 128m: user-up keeps the file in RAM)")
    p.add_argument("--timeout", type=float, default=300, help="seconds to wait for each step (default 300)")
    p.add_argument("--compiler", action="store_true", help="run the guests with ./lguest --compiler")
    p.add_argument("-v", "--verbose", action="store_true", help="echo the guests' consoles on stderr")
    args = p.parse_args()
    bad = [m for m in args.modes if m not in MODES]
    if bad:
        sys.exit(f"net-throughput: unknown mode {bad[0]} (modes: {', '.join(MODES)})")
    if args.size < 1 or args.size > 1024:
        sys.exit("net-throughput: --size must be 1..1024 MiB")
    for mode in args.modes:
        for _ in range(args.runs):
            load = os.getloadavg()[0]
            size, secs, cpu, counts = MODES[mode](args)
            mib = size / MIB
            print(f"{mode:10s} {args.size:5d} MiB {secs:7.2f} s {size / secs / 1e6:7.1f} MB/s   "
                  f"{cpu:6.2f} CPU s {size / cpu / 1e6:7.1f} MB per CPU-s  (load {load:.2f})"
                  f"{'  compiler' if args.compiler else ''}", flush=True)
            # Per MiB moved: what the guests did for it, whatever the host's load.
            per = "  ".join(f"{k} {counts[k] / mib:,.0f}" for k in counts if k != "instructions")
            print(f"{'':10s} per MiB: {counts.get('instructions', 0) / mib / 1e6:6.2f} M instructions  {per}  "
                  f"({counts.get('instructions', 0) / secs / 1e6:.1f} MIPS during the transfer)", flush=True)


if __name__ == "__main__":
    main()
