#!/bin/sh
# make bench: vext against irker (irkerd, irk) side by side, on private ngircd
# servers, inside a private network namespace (irkerd and irk use port 6659
# only, so the run is hermetic and cannot disturb a system irkerd).
set -eu
cd "$(dirname "$0")/.."
VEXT="${VEXT:-$PWD/target/release/vext}"
export VEXT
if [ "$(id -u)" != 0 ]; then
  echo "make bench needs root (it runs in a private network namespace)" >&2
  exit 77
fi
exec unshare -n sh -c 'ip link set lo up && exec python3 bench/bench.py "$@"' bench "$@"
