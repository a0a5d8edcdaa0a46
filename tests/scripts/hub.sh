#!/usr/bin/env bash
# Two socklab processes over the hub, as a student runs them in two
# terminals: echo of 1 MiB identical with and without 10% loss, a refused
# connection, a peer killed mid-transfer, names, and a hub that starts on
# demand and exits when idle.  Every hub this test starts, it stops.
test_name=hub
source "$(dirname "$0")/hub_common.sh"

start_hub() { # $1 socket, rest: options
  local sock=$1; shift
  "$sl" hub --socket "$sock" --quiet --idle-exit 0 "$@" </dev/null \
    >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do [ -S "$sock" ] && return 0; sleep 0.1; done
  fail "the hub at $sock did not start"
}

clean="hub:$work/clean.sock"
start_hub "$work/clean.sock"
echo_test "$clean" "$clean" "clean hub"
start_hub "$work/lossy.sock" --loss 10% --seed 7
# At 10% loss in both directions most of the time is spent in
# retransmission timeouts; a 20 ms floor (instead of Linux's 200 ms) keeps
# the test short without changing what it checks.
SOCKLAB_RTO_MIN_MS=20 echo_test "hub:$work/lossy.sock" "hub:$work/lossy.sock" \
  "10% loss"

# Nobody listens: refused, with the address in the message.
if SOCKLAB_LINK="$clean" "$sl" connect localhost 9 </dev/null \
    2>"$work/err"; then
  fail "a connection to a closed port succeeded"
fi
grep -q 'Connection refused' "$work/err" || fail "refused: $(cat "$work/err")"

killed_server "$clean" "$clean" 7100
killed_client "$clean" "$clean" 7150

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
# Stopped with SIGTERM (or Ctrl-C), a hub writes out its capture and
# removes its socket: its pcap was empty, the header still buffered.
"$sl" hub --socket "$work/cap.sock" --quiet --pcap "$work/cap.pcap" </dev/null \
  >/dev/null 2>&1 &
cap_hub=$!
pids+=($cap_hub)
for _ in $(seq 50); do [ -S "$work/cap.sock" ] && break; sleep 0.1; done
echo_test "hub:$work/cap.sock" "hub:$work/cap.sock" "captured hub"
kill -TERM "$cap_hub"
wait "$cap_hub" || fail "the hub did not end well on SIGTERM"
[ ! -e "$work/cap.sock" ] || fail "the hub left its socket after SIGTERM"
[ -s "$work/cap.pcap" ] || fail "the hub's pcap is empty after SIGTERM"
if command -v tcpdump >/dev/null; then
  tcpdump -nr "$work/cap.pcap" >"$work/cap.txt" 2>/dev/null || true
  grep -q 'Flags \[S\]' "$work/cap.txt" ||
    fail "no SYN in the pcap of a hub stopped with SIGTERM"
fi

echo "ok - hub: 1 MiB echo clean and at 10% loss, refused, killed peers reset (sender and idle receiver), names, auto-start and idle exit, a clean stop on SIGTERM with its pcap whole"
