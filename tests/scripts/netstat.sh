#!/usr/bin/env bash
# socklab netstat as a student uses it: a kernel server and a socklab
# server side by side, the Stack and PID/Program columns, a socklab
# connection seen ESTABLISHED from both ends, and the kernel listener as
# the system's own tools report it.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sl="$top/build/bin/socklab"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "netstat: $*"; exit 1; }

export SOCKLAB_LINK="hub:$work/hub.sock"
"$sl" hub --socket "$work/hub.sock" --quiet --idle-exit 0 </dev/null \
  >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$work/hub.sock" ] && break; sleep 0.1; done
# Waits (up to 10 s: the machine may be busy) until PORT listens on STACK.
listening() {
  for _ in $(seq 100); do
    "$sl" netstat -tln --stack "$2" 2>/dev/null | grep -q ":$1 " && return 0
    sleep 0.1
  done
  fail "nothing listens on port $1 ($2 stack)$(cat "$work"/*.err 2>/dev/null)"
}
SOCKLAB_STACK=user "$sl" serve echo 7300 </dev/null >/dev/null 2>&1 &
upid=$!
pids+=($upid)
# Kernel servers on a port the kernel picks (a random one could be in
# use: make test makes thousands of connections); serve says which.
port_of() { # LOG: the port serve said it listens on
  for _ in $(seq 100); do
    sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$1" | grep . && return 0
    sleep 0.1
  done
  fail "no server started: $(cat "$1")"
}
"$sl" serve echo 0 </dev/null >"$work/kecho.err" 2>&1 &
kpid=$!
pids+=($kpid)
kport=$(port_of "$work/kecho.err")
mkfifo "$work/quiet"
exec 3<>"$work/quiet"
listening 7300 user
listening "$kport" kernel
SOCKLAB_STACK=user "$sl" connect localhost 7300 <"$work/quiet" \
  >/dev/null 2>&1 &
cpid=$!
pids+=($cpid)
sleep 0.5

"$sl" netstat -tanp >"$work/out"
grep -Eq "^tcp +0 +0 0\.0\.0\.0:$kport +0\.0\.0\.0:\* +LISTEN +kernel +$kpid/socklab" \
  "$work/out" || fail "no kernel listener row: $(cat "$work/out")"
grep -Eq "^tcp +0 +0 0\.0\.0\.0:7300 +0\.0\.0\.0:\* +LISTEN +user +$upid/socklab" \
  "$work/out" || fail "no socklab listener row: $(cat "$work/out")"
grep -Eq ":7300 .*ESTABLISHED +user +$upid/" "$work/out" ||
  fail "the server's end of the socklab connection is missing"
grep -Eq ":7300 +ESTABLISHED +user +$cpid/" "$work/out" ||
  fail "the client's end of the socklab connection is missing"
# -i: the TCP internals of each socket, socklab's from the process itself.
"$sl" netstat -tni --stack user >"$work/info"
grep -A1 ':7300 .*ESTABLISHED' "$work/info" |
  grep -Eq 'rto:[0-9]+ms rtt:[0-9.]+/[0-9.]+ms mss:1460 .*cwnd:[0-9]+' ||
  fail "-i shows no TCP internals for the socklab connection"
# -s: protocol counters, socklab's summed over its processes (the
# server and the client at least).
"$sl" netstat -s --stack user >"$work/stats"
grep -Eq 'sum over ([2-9]|[1-9][0-9]+) running processes' "$work/stats" ||
  fail "-s did not ask every socklab process: $(head -3 "$work/stats")"
awk '$1 == "ActiveOpens" && $2 >= 1 { a = 1 } $1 == "PassiveOpens" && $2 >= 1 { p = 1 }
     END { exit !(a && p) }' "$work/stats" ||
  fail "-s does not count the socklab connection: $(cat "$work/stats")"
"$sl" netstat -s --stack kernel >"$work/kstats"
grep -q socklab "$work/kstats" && fail "-s --stack kernel shows socklab counters"
kin=$(awk '/^Tcp:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == "InSegs") c = i; h = 1 } else print $c }' /proc/net/snmp)
awk -v k="$kin" '$1 == "InSegs" { exit !($2 > 0 && $2 <= k) }' "$work/kstats" ||
  fail "-s kernel InSegs disagrees with /proc/net/snmp ($kin): $(grep InSegs "$work/kstats")"
"$sl" netstat -tl --stack user --rfc >"$work/user"
grep -q "kernel" "$work/user" && fail "--stack user shows kernel sockets"
"$sl" netstat -tla --stack kernel >"$work/kernel"
grep -q " user " "$work/kernel" && fail "--stack kernel shows socklab sockets"
if command -v ss >/dev/null; then
  ss -tln | grep -q ":$kport " || fail "ss does not agree on the kernel port"
fi
# -e: the owner of each socket, and the kernel's inode (none for socklab's).
"$sl" netstat -tlne >"$work/ext"
grep -Eq "0\.0\.0\.0:$kport .*LISTEN +kernel +$(id -u) +[1-9][0-9]* *$" \
  "$work/ext" || fail "-e: no owner and inode for the kernel listener"
grep -Eq "0\.0\.0\.0:7300 .*LISTEN +user +$(id -u) +- *$" "$work/ext" ||
  fail "-e: no owner for the socklab listener: $(cat "$work/ext")"
# --proc-format: socklab's sockets as /proc/net/tcp, which ss then reads.
"$sl" netstat --proc-format >"$work/proc_tcp"
grep -Eq '^ +[0-9]+: 00000000:1C84 00000000:0000 0A ' "$work/proc_tcp" ||
  fail "--proc-format: no LISTEN on 7300: $(cat "$work/proc_tcp")"
if command -v ss >/dev/null; then
  PROC_NET_TCP="$work/proc_tcp" ss -tan >"$work/ss_user"
  grep -Eq '^LISTEN .*:7300 ' "$work/ss_user" ||
    fail "ss does not read --proc-format: $(cat "$work/ss_user")"
  [ "$(grep -c '^ESTAB .*:7300' "$work/ss_user")" -ge 2 ] ||
    fail "ss sees fewer than both ends of the socklab connection"
fi

# --watch: a socklab server's transitions as they happen (a server of its
# own: the first one is busy with its client).
SOCKLAB_STACK=user "$sl" serve echo 7301 </dev/null >/dev/null 2>&1 &
u2=$!
pids+=($u2)
listening 7301 user
"$sl" netstat --watch=3 --stack user >"$work/watch" 2>&1 &
wpid=$!
pids+=($wpid)
sleep 1.3
echo hi | SOCKLAB_STACK=user timeout 10 "$sl" connect localhost 7301 \
  >/dev/null || fail "a watched connection failed"
wait "$wpid" || true
grep -Eq "user +$u2/socklab +10\.77\.[0-9.]+:7301>.* LISTEN -> SYN_RECV \(rcv SYN\)" \
  "$work/watch" || fail "--watch missed LISTEN -> SYN_RECV: $(cat "$work/watch")"
grep -q "LAST_ACK -> CLOSE (rcv ACK of FIN)" "$work/watch" ||
  fail "--watch missed LAST_ACK -> CLOSE"
# A watch that comes late is told what happened before it, and a client
# that came and went is seen: its process tells each change as it goes.
"$sl" netstat --watch=1 --stack user >"$work/late" 2>&1 ||
  fail "a late --watch failed"
grep -Eq "user +$u2/socklab +.*:7301>.* LISTEN -> SYN_RECV" "$work/late" ||
  fail "a late --watch was not told the past changes: $(cat "$work/late")"
"$sl" netstat --watch=2 --stack user >"$work/short" 2>&1 &
wpid=$!
pids+=($wpid)
sleep 0.5
echo hi | SOCKLAB_STACK=user timeout 10 "$sl" connect localhost 7301 \
  >/dev/null || fail "a watched connection failed"
wait "$wpid" || true
grep -Eq "user +[0-9]+/socklab +10\.77\.[0-9.]+:[0-9]+>[0-9.]+:7301 +CLOSE -> SYN_SENT" \
  "$work/short" || fail "--watch missed a short client: $(cat "$work/short")"

# --diagnose: a daytime server closes first, so the TIME_WAIT is on the
# server's port -- what the notes warn about.  (The client's stdin stays
# open, so the client does not half-close before the server.)
"$sl" serve daytime 0 2 </dev/null >"$work/daytime.err" 2>&1 &
pids+=($!)
dport=$(port_of "$work/daytime.err")
listening "$dport" kernel
timeout 10 "$sl" connect localhost "$dport" <"$work/quiet" >/dev/null ||
  fail "the daytime client failed"
exec 3>&-
sleep 0.3
"$sl" netstat --diagnose --stack kernel >"$work/diag"
grep -q "port $dport (kernel stack): 1 connection in TIME_WAIT on the server's side" \
  "$work/diag" || fail "--diagnose missed the server-side TIME_WAIT: $(cat "$work/diag")"
# --diagnose: a zero window on socklab's stack.  A client whose output
# nobody reads stops reading its socket; the chargen server keeps sending.
SOCKLAB_STACK=user "$sl" serve chargen 7302 </dev/null >/dev/null 2>&1 &
pids+=($!)
mkfifo "$work/unread"
exec 4<>"$work/unread"
listening 7302 user
SOCKLAB_STACK=user "$sl" connect localhost 7302 </dev/null >"$work/unread" \
  2>/dev/null &
pids+=($!)
sleep 1.5
"$sl" netstat --diagnose --stack user >"$work/zdiag"
grep -Eq ':7302 \(user stack\): [0-9]+ bytes wait in Recv-Q and the window is zero' \
  "$work/zdiag" || fail "--diagnose missed the zero window: $(cat "$work/zdiag")"
grep -Eq ':7302 -> .* stuck in Send-Q, the peer.s window is zero' "$work/zdiag" ||
  fail "--diagnose missed the sender's full Send-Q: $(cat "$work/zdiag")"
"$sl" netstat --explain time_wait | grep -q 'closed first' ||
  fail "--explain TIME_WAIT says nothing useful"
if "$sl" netstat --explain nonsense 2>/dev/null; then
  fail "--explain accepted a state that does not exist"
fi
echo "ok - netstat: kernel and socklab sockets side by side, with stack and PID/program; -e owners; --proc-format read by ss; -i internals; -s counters; --watch; --diagnose (server TIME_WAIT, zero window), --explain"
