#!/usr/bin/env bash
# socklab's stack against the Linux kernel's TCP as a real peer, over a
# TUN device in a network namespace this test creates and deletes: a
# kernel server with a socklab client, a socklab server with a kernel
# client, 10 MiB each way, the MSS negotiated to the smaller value, and a
# graceful close with no RST in the capture.  Needs root (CI runs it).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sl="$top/build/bin/socklab"
skip() { echo "ok - tun: SKIP ($*)"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root for a network namespace and TUN"
command -v ip >/dev/null || skip "needs ip (iproute2; .ci/run installs it)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun on this machine"

ns="socklab-tun-$$"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # Anything still running in our namespace is ours too.
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "tun: $*"; exit 1; }
in_ns() { ip netns exec "$ns" "$@"; }
# Background jobs: `ip netns exec` execs the command, so $! is its PID,
# and none keeps this script's stdout (a CI pipe) open.
bg_ns() { ip netns exec "$ns" "$@" </dev/null >/dev/null 2>&1 & pids+=($!); }

ip netns add "$ns" || skip "cannot create a network namespace here"
in_ns ip link set lo up
in_ns ip tuntap add dev sl0 mode tun || skip "cannot create a TUN device"
in_ns ip addr add 10.99.0.1/24 dev sl0
in_ns ip link set sl0 up

user=(env SOCKLAB_STACK=user SOCKLAB_LINK=tun:sl0 SOCKLAB_ADDR=10.99.0.2
      SOCKLAB_MTU=1400)
head -c 10485760 /dev/urandom >"$work/blob"

cap=""
if command -v tcpdump >/dev/null; then
  bg_ns tcpdump -i sl0 -n -U -w "$work/cap.pcap" tcp
  dump_pid=$!
  cap="$work/cap.pcap"
  sleep 0.5
fi

# A kernel echo server, socklab's client.
bg_ns "$sl" serve echo 7000 1
sleep 0.3
in_ns "${user[@]}" timeout 60 "$sl" connect --send-file "$work/blob" \
  --expect-bytes 10485760 10.99.0.1 7000 >"$work/back1" ||
  fail "socklab client -> kernel server failed"
cmp -s "$work/blob" "$work/back1" || fail "kernel echo not identical"

# socklab's echo server, a kernel client.
bg_ns "${user[@]}" timeout 60 "$sl" serve echo 7001 1
srv=$!
sleep 0.5
in_ns timeout 60 "$sl" connect --send-file "$work/blob" \
  --expect-bytes 10485760 10.99.0.2 7001 >"$work/back2" ||
  fail "kernel client -> socklab server failed"
cmp -s "$work/blob" "$work/back2" || fail "socklab echo not identical"
wait "$srv" || fail "the socklab server failed"

# A kernel peer that stops reading: its window closes, socklab's sender
# probes the zero window, and when the reader resumes the transfer ends
# identical.  The kernel's buffers are made small (in our namespace only)
# so that they fill.
in_ns sysctl -qw net.ipv4.tcp_rmem="4096 16384 65536" 2>/dev/null ||
  echo "tun: note: could not shrink tcp_rmem; the zero window may not show"
bg_ns "${user[@]}" timeout 60 "$sl" serve echo 7002 1
srv=$!
sleep 0.5
in_ns timeout 60 "$sl" connect --send-file "$work/blob" \
  --expect-bytes 10485760 10.99.0.2 7002 | (sleep 2; cat >"$work/back3") ||
  fail "the paused kernel reader failed"
cmp -s "$work/blob" "$work/back3" || fail "paused reader: not identical"
wait "$srv" || fail "the socklab server (paused reader) failed"

if [ -n "$cap" ]; then
  sleep 0.5
  kill "$dump_pid" 2>/dev/null || true
  wait "$dump_pid" 2>/dev/null || true
  tcpdump -nr "$cap" 2>/dev/null >"$work/dump"
  # MSS: socklab announced 1360 (MTU 1400), the kernel 1460; nobody sent
  # a segment larger than 1360.
  grep -q 'mss 1360' "$work/dump" || fail "socklab did not announce MSS 1360"
  max=$(sed -n 's/.*length \([0-9]*\)$/\1/p' "$work/dump" | sort -n | tail -1)
  [ "${max:-0}" -le 1360 ] || fail "a segment of $max bytes exceeds the MSS"
  grep -q 'Flags \[R' "$work/dump" && fail "an RST in the capture"
  grep -q 'Flags \[F' "$work/dump" || fail "no FIN in the capture"
  grep -q '10.99.0.1.* > 10.99.0.2.7002: .*win 0,' "$work/dump" ||
    fail "the paused kernel reader never advertised a zero window"
  grep -Eq '10.99.0.2.7002 > .*length 1$' "$work/dump" ||
    fail "no one-byte zero-window probe from socklab"
  echo "ok - tun: 10 MiB echo both ways with the kernel, MSS 1360, clean close, zero-window probes to a paused kernel reader (max segment $max)"
else
  echo "ok - tun: 10 MiB echo both ways with the kernel (no tcpdump: capture not checked)"
fi
