#!/usr/bin/env bash
# socklab's stack on a raw packet socket, one end of a veth pair; the
# kernel's TCP on the other end, in another namespace.  socklab answers ARP
# itself; its end has no IPv4 address, so the kernel there stays silent.
# Both namespaces are this test's own and are deleted at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sl="$top/build/bin/socklab"
skip() { echo "ok - raw: SKIP ($*)"; exit 0; }

[ "$(id -u)" = 0 ] || skip "needs root for namespaces and packet sockets"
command -v ip >/dev/null || skip "needs ip (iproute2; .ci/run installs it)"

kns="socklab-rawk-$$"
uns="socklab-rawu-$$"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for ns in "$kns" "$uns"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  done
  wait 2>/dev/null || true
  ip netns del "$kns" 2>/dev/null || true
  ip netns del "$uns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "raw: $*"; exit 1; }
bg_ns() { local ns=$1; shift; ip netns exec "$ns" "$@" </dev/null >/dev/null 2>&1 & pids+=($!); }

ip netns add "$kns" || skip "cannot create a network namespace here"
ip netns add "$uns"
ip -n "$kns" link add vk type veth peer name vu netns "$uns" ||
  skip "cannot create a veth pair here"
ip -n "$kns" addr add 10.99.1.1/24 dev vk
ip -n "$kns" link set vk up
ip -n "$kns" link set lo up
ip -n "$uns" link set vu up
ip netns exec "$uns" sysctl -qw net.ipv6.conf.vu.disable_ipv6=1 2>/dev/null || true

user=(env SOCKLAB_STACK=user SOCKLAB_LINK=raw:vu SOCKLAB_ADDR=10.99.1.2)
head -c 4194304 /dev/urandom >"$work/blob"

# The kernel serves, socklab connects.
bg_ns "$kns" "$sl" serve echo 7000 1
sleep 0.3
ip netns exec "$uns" "${user[@]}" timeout 60 "$sl" connect \
  --send-file "$work/blob" --expect-bytes 4194304 10.99.1.1 7000 \
  >"$work/back1" || fail "socklab client -> kernel server failed"
cmp -s "$work/blob" "$work/back1" || fail "kernel echo not identical"

# socklab serves, the kernel connects.
bg_ns "$uns" "${user[@]}" timeout 60 "$sl" serve echo 7001 1
srv=$!
sleep 0.5
ip netns exec "$kns" timeout 60 "$sl" connect --send-file "$work/blob" \
  --expect-bytes 4194304 10.99.1.2 7001 >"$work/back2" ||
  fail "kernel client -> socklab server failed"
cmp -s "$work/blob" "$work/back2" || fail "socklab echo not identical"
wait "$srv" || fail "the socklab server failed"
# The kernel learned socklab's MAC through socklab's own ARP replies.
ip -n "$kns" neigh show 10.99.1.2 | grep -q lladdr ||
  fail "the kernel has no ARP entry for socklab's address"
echo "ok - raw: 4 MiB echo both ways with the kernel over veth, ARP answered by socklab"
