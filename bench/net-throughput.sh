#!/usr/bin/env bash
# Network throughput of the bundled guest, in MB/s, measured on the host's clock, and the guest
# instructions per MiB moved, read from its monitor (issue 14).
#
#   bench/net-throughput.sh [--size MiB] [--runs N] [--mem 128m] [--compiler] [-v] [MODE...]
#
# Modes (default: all of them, in this order):
#   user-down   host HTTP server on 127.0.0.1 -> guest `wget -O /dev/null http://10.0.2.2:PORT/`
#   user-up     guest busybox httpd -> host GET through hostfwd=tcp::PORT-:8080
#   user-nc     guest `dd | nc 10.0.2.2 PORT` -> host socket
#   udp, socket, mcast
#               guest A's busybox httpd -> guest B's wget, two jlguest processes on one link
# The work is done by bench/net_throughput.py (python3, standard library only); ./lguest builds the
# jar first if the sources changed. See bench/README.md for what each figure includes.
set -euo pipefail
cd "$(dirname "$0")/.."
./lguest --version >/dev/null
exec python3 bench/net_throughput.py "$@"
