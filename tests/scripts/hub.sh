#!/usr/bin/env bash
# Two socklab processes over the hub, as a student runs them in two
# terminals: echo of 1 MiB identical with and without 10% loss, a refused
# connection, a peer killed mid-transfer, names, and a hub that starts on
# demand and exits when idle.  Every hub this test starts, it stops.
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
fail() { echo "hub: $*"; exit 1; }

export SOCKLAB_STACK=user
head -c 1048576 /dev/urandom >"$work/blob"

start_hub() { # $1 socket, rest: options
  local sock=$1; shift
  "$sl" hub --socket "$sock" --quiet --idle-exit 0 "$@" </dev/null \
    >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do [ -S "$sock" ] && return 0; sleep 0.1; done
  fail "the hub at $sock did not start"
}

echo_test() { # $1 socket, $2 label
  local port=$((20000 + RANDOM % 10000))
  SOCKLAB_LINK="hub:$1" SOCKLAB_HOSTNAME=server \
    timeout 60 "$sl" serve echo "$port" 1 >"$work/serve.log" &
  local srv=$!
  pids+=($srv)
  sleep 0.3
  SOCKLAB_LINK="hub:$1" timeout 60 "$sl" connect --send-file "$work/blob" \
    --expect-bytes 1048576 server "$port" >"$work/back" ||
    fail "$2: the echo client failed"
  cmp -s "$work/blob" "$work/back" || fail "$2: the echo is not identical"
  wait "$srv" || fail "$2: the server failed"
}

start_hub "$work/clean.sock"
echo_test "$work/clean.sock" "clean hub"
start_hub "$work/lossy.sock" --loss 10% --seed 7
# At 10% loss in both directions most of the time is spent in
# retransmission timeouts; a 20 ms floor (instead of Linux's 200 ms) keeps
# the test short without changing what it checks.
SOCKLAB_RTO_MIN_MS=20 echo_test "$work/lossy.sock" "10% loss"

# Nobody listens: refused, with the address in the message.
if SOCKLAB_LINK="hub:$work/clean.sock" "$sl" connect localhost 9 \
    </dev/null 2>"$work/err"; then
  fail "a connection to a closed port succeeded"
fi
grep -q 'Connection refused' "$work/err" || fail "refused: $(cat "$work/err")"

# A server killed mid-transfer: the hub answers for it with a reset, as
# the kernel of a crashed process would; the client hears of it quickly.
# The upload never ends (/dev/zero): a fixed size could all be sent before
# the kill, and then nothing would be tested.
SOCKLAB_LINK="hub:$work/clean.sock" "$sl" serve discard 7100 >/dev/null &
srv=$!
pids+=($srv)
sleep 0.3
SOCKLAB_LINK="hub:$work/clean.sock" timeout 30 "$sl" connect \
  --send-file /dev/zero localhost 7100 >/dev/null 2>"$work/err" &
cli=$!
sleep 0.3
{ kill -9 "$srv" && wait "$srv"; } 2>/dev/null || true
if wait "$cli"; then fail "the client did not notice its peer died"; fi
grep -Eq 'reset|Broken pipe' "$work/err" ||
  fail "killed peer: $(cat "$work/err")"

# A client killed while the server only waits to read: nothing would ever
# tell the server, so the hub resets the connections the dead process had.
SOCKLAB_LINK="hub:$work/clean.sock" timeout 30 "$sl" serve echo 7150 1 \
  >/dev/null 2>&1 &
srv=$!
pids+=($srv)
sleep 0.3
# Its stdin: a FIFO this shell holds open, so it sends nothing and waits.
mkfifo "$work/quiet"
exec 3<>"$work/quiet"
SOCKLAB_LINK="hub:$work/clean.sock" "$sl" connect localhost 7150 \
  <"$work/quiet" >/dev/null 2>&1 &
cli=$!
sleep 0.5
{ kill -9 "$cli" && wait "$cli"; } 2>/dev/null || true
exec 3>&-
for _ in $(seq 50); do kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
kill -0 "$srv" 2>/dev/null && fail "the server never heard its client died"
wait "$srv" 2>/dev/null || true

# No hub at the path: the first process starts one, which exits when idle.
auto="$work/auto.sock"
SOCKLAB_LINK="hub:$auto" SOCKLAB_HUB_IDLE_S=1 SOCKLAB_HOSTNAME=lonely \
  timeout 20 "$sl" serve echo 7200 1 >/dev/null &
srv=$!
pids+=($srv)
for _ in $(seq 50); do [ -S "$auto" ] && break; sleep 0.1; done
echo hi | SOCKLAB_LINK="hub:$auto" timeout 20 "$sl" connect lonely 7200 \
  >"$work/hi" || fail "auto-started hub: the client failed"
grep -qx hi "$work/hi" || fail "auto-started hub: no echo"
wait "$srv"
for _ in $(seq 50); do [ -S "$auto" ] || break; sleep 0.1; done
[ -S "$auto" ] && fail "the auto-started hub did not exit when idle"
echo "ok - hub: 1 MiB echo clean and at 10% loss, refused, killed peers reset (sender and idle receiver), names, auto-start and idle exit"
