#!/usr/bin/env bash
# 20,000 connections from one socklab process to two kernel listeners,
# over a TUN device in a network namespace this test creates and deletes,
# each closed by socklab and left in TIME-WAIT (MSL 10 minutes): more than
# the 16,384 ephemeral ports, so local ports must be shared between the
# two servers (a connection is its 4-tuple, as in Linux).  Needs root (CI
# runs it).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "ok - ports: SKIP ($*)"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root for a network namespace and TUN"
command -v ip >/dev/null || skip "needs ip (iproute2; .ci/run installs it)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun on this machine"

n=${SOCKLAB_PORTS_N:-20000}
ns="socklab-ports-$$"
work=$(mktemp -d)
cleanup() {
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "ports: $*"; exit 1; }
in_ns() { ip netns exec "$ns" "$@"; }

lib=${SOCKLAB_LIB:-$top/build/libsocklab.a}
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
  "$top/tests/interop/many_conns.c" -I"$top/lib/include" "$lib" \
  ${SOCKLAB_LDFLAGS:-} -lpthread -o "$work/many_conns"

ip netns add "$ns" || skip "cannot create a network namespace here"
in_ns ip link set lo up
in_ns ip tuntap add dev sl0 mode tun || skip "cannot create a TUN device"
in_ns ip addr add 10.99.0.1/24 dev sl0
in_ns ip link set sl0 up

# The timeout only guards against a hang: 20,000 handshakes take seconds.
rc=0
in_ns env SOCKLAB_STACK=user SOCKLAB_LINK=tun:sl0 SOCKLAB_ADDR=10.99.0.2 \
  SOCKLAB_MSL_MS=600000 \
  timeout 300 "$work/many_conns" 10.99.0.1 7100 7101 "$n" \
  >"$work/out" 2>"$work/err" || rc=$?
[ $rc = 124 ] && fail "timeout: $n connections not done in 300 s: $(cat "$work/err")"
[ $rc = 0 ] || fail "many_conns failed ($rc): $(cat "$work/err")"
read -r got _ _ ports _ <"$work/out"
[ "$got" = "$n" ] || fail "unexpected output: $(cat "$work/out")"
[ "$n" -le 16384 ] || [ "$ports" -le 16384 ] ||
  fail "$ports local ports for $n connections: more than the ephemeral range"
echo "ok - ports: $n connections to two kernel servers, all in TIME-WAIT, from $ports local ports"
