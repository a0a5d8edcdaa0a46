#!/usr/bin/env bash
# socklab netstat against ss on the same kernel sockets: a helper holds
# LISTEN, ESTABLISHED, CLOSE_WAIT, FIN_WAIT2 and TIME_WAIT on loopback, and
# the per-state counts for its port must be equal.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sl="$top/build/bin/socklab"
work=$(mktemp -d)
hold=""
cleanup() {
  [ -n "$hold" ] && kill "$hold" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "netstat_ss: $*"; exit 1; }
command -v ss >/dev/null || { echo "ok - netstat_ss: SKIP (no ss; iproute2)"; exit 0; }

cc -std=c11 -D_DEFAULT_SOURCE "$top/tests/netstat/hold.c" -o "$work/hold"
"$work/hold" >"$work/port" &
hold=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
[ -n "$port" ] || fail "the helper did not start"

# ss spells states its own way; map them to netstat's.
ss -tan | awk -v p=":$port" '$4 ~ p"$" || $5 ~ p"$" { print $1 }' |
  sed -e 's/^ESTAB$/ESTABLISHED/' -e 's/^FIN-WAIT-2$/FIN_WAIT2/' \
      -e 's/^CLOSE-WAIT$/CLOSE_WAIT/' -e 's/^TIME-WAIT$/TIME_WAIT/' \
      -e 's/^FIN-WAIT-1$/FIN_WAIT1/' -e 's/^SYN-RECV$/SYN_RECV/' \
      -e 's/^SYN-SENT$/SYN_SENT/' -e 's/^LAST-ACK$/LAST_ACK/' |
  sort | uniq -c >"$work/ss"
"$sl" netstat -tan --stack kernel |
  awk -v p=":$port" '$4 ~ p"$" || $5 ~ p"$" { print $6 }' |
  sort | uniq -c >"$work/ours"
diff "$work/ss" "$work/ours" >/dev/null ||
  fail "counts differ from ss: ss: $(tr '\n' ' ' <"$work/ss") ours: $(tr '\n' ' ' <"$work/ours")"
for st in LISTEN ESTABLISHED CLOSE_WAIT FIN_WAIT2 TIME_WAIT; do
  grep -q " $st\$" "$work/ours" || fail "no $st socket seen"
done
# The two ways of reading the kernel's sockets agree: netlink (the
# default, as ss) and /proc/net (the fallback).
"$sl" netstat -tuane --stack kernel | grep ":$port " | sort >"$work/netlink"
SOCKLAB_NETSTAT_PROC=1 "$sl" netstat -tuane --stack kernel | grep ":$port " |
  sort >"$work/proc"
cmp -s "$work/netlink" "$work/proc" ||
  fail "netlink and /proc/net disagree: $(diff "$work/netlink" "$work/proc")"
echo "ok - netstat_ss: per-state counts equal to ss (LISTEN, ESTABLISHED," \
  "CLOSE_WAIT, FIN_WAIT2, TIME_WAIT); netlink and /proc/net agree"
