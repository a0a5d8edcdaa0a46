#!/usr/bin/env bash
# The hub's UDP port (socklab hub --udp), as processes on other machines of
# a lab room use it, all on 127.0.0.1 here: 1 MiB echoed identical between
# a UDP member and a unix one, and between two UDP members, clean and at
# 10% loss; names over UDP; a UDP member killed outright is declared gone
# after the silence timeout and its peers are reset; garbage datagrams are
# dropped and counted while the hub keeps working; a wrong SOCKLAB_LINK=udp
# value is refused and no hub is started for udp.  The hubs bind port 0 and
# say which port they got.  Everything this test starts, it stops by PID.
test_name=hub_udp
source "$(dirname "$0")/hub_common.sh"

# start_hub NAME [options]: a hub on $work/NAME.sock and 127.0.0.1:<any
# free port>; sets $sock and $udp (HOST:PORT) and $hub (its PID).
start_hub() {
  local name=$1; shift
  sock="$work/$name.sock"
  "$sl" hub --socket "$sock" --udp 127.0.0.1:0 --idle-exit 0 "$@" \
    </dev/null >"$work/$name.log" 2>&1 &
  hub=$!
  pids+=($hub)
  udp=
  for _ in $(seq 100); do
    udp=$(sed -n 's/^socklab hub: also on udp \(127\.0\.0\.1:[0-9]*\).*/\1/p' \
      "$work/$name.log")
    [ -n "$udp" ] && [ -S "$sock" ] && return 0
    sleep 0.1
  done
  fail "the hub $name did not start"
}

# ---- refused values, and no hub started for udp ----------------------------
for bad in udp: udp:host udp:host: udp::7 udp:host:0 udp:host:65536 \
  udp:host:7x 'udp:a b:7'; do
  if SOCKLAB_LINK="$bad" "$sl" connect 10.77.0.1 7 </dev/null \
    2>"$work/err"; then
    fail "SOCKLAB_LINK=$bad was accepted"
  fi
  grep -q "SOCKLAB_LINK=$bad: expected .*udp:HOST:PORT" "$work/err" ||
    fail "SOCKLAB_LINK=$bad: $(cat "$work/err")"
done
# Nobody at the port (the hub that had it is gone): an error, not a hub.
start_hub gone
gone=$udp
kill "$hub" && wait "$hub" 2>/dev/null || true
if SOCKLAB_LINK="udp:$gone" timeout 20 "$sl" connect 10.77.0.1 7 \
  </dev/null 2>"$work/err"; then
  fail "a udp link with no hub worked"
fi
grep -q "joining the hub at udp:$gone" "$work/err" ||
  fail "no hub: $(cat "$work/err")"

# ---- echo, clean and lossy --------------------------------------------------
start_hub clean --udp-timeout 2
echo_test "udp:$udp" "hub:$sock" "udp server, unix client"
echo_test "hub:$sock" "udp:$udp" "unix server, udp client"
echo_test "udp:localhost:${udp#*:}" "udp:$udp" "udp server and client"
clean_sock=$sock clean_udp=$udp clean_hub=$hub
start_hub lossy --loss 10% --seed 7
SOCKLAB_RTO_MIN_MS=20 echo_test "udp:$udp" "hub:$sock" "10% loss, mixed"
SOCKLAB_RTO_MIN_MS=20 echo_test "udp:$udp" "udp:$udp" "10% loss, both udp"
kill "$hub" && wait "$hub" 2>/dev/null || true
sock=$clean_sock udp=$clean_udp hub=$clean_hub

# ---- a UDP member killed outright -------------------------------------------
# Nothing closes, so only its silence tells the hub (after --udp-timeout),
# which then frees its address and name and resets its connections.
killed_client "hub:$sock" "udp:$udp" 7150
grep -q "hub: doomed left" "$work/clean.log" ||
  fail "the hub did not say the silent member left"
[ "$(ask "RESOLVE doomed")" = NOADDR ] ||
  fail "the departed member's name still resolves"
killed_server "udp:$udp" "hub:$sock" 7100

# A UDP server killed and started again on the same machine gets its name
# back once the dead one has missed two keepalives (2 s / 5 each here),
# without waiting for the whole timeout; the name then leads to the new one.
SOCKLAB_LINK="udp:$udp" SOCKLAB_HOSTNAME=again "$sl" serve echo 7300 \
  >/dev/null 2>&1 &
srv=$!
pids+=($srv)
settle again
{ kill -9 "$srv" && wait "$srv"; } 2>/dev/null || true
sleep 1
SOCKLAB_LINK="udp:$udp" SOCKLAB_HOSTNAME=again timeout 30 "$sl" serve echo \
  7300 1 >/dev/null 2>"$work/again.log" &
srv=$!
pids+=($srv)
settle again
echo hi | SOCKLAB_LINK="udp:$udp" timeout 20 "$sl" connect again 7300 \
  >"$work/hi" || fail "restarted server: the client failed"
grep -qx hi "$work/hi" || fail "restarted server: no echo"
wait "$srv" || fail "restarted server: $(cat "$work/again.log")"

# ---- garbage ----------------------------------------------------------------
# From a stranger: empty, text, half a packet, a control message that is
# not a question; then a member that joins and sends malformed packets and
# bundles, and leaves with BYE.
python3 - "${udp#*:}" >"$work/garbage.out" <<'EOF'
import os, socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.connect(("127.0.0.1", port))
for g in [b"", b"\x00", b"hello", b"\x45\x00", b"\x01\x00\xff", b"\x00BYE",
          b"\x00KEEPALIVE", b"\x00HELLO", b"\x00HELLO garbage", os.urandom(1400),
          b"\x45" + os.urandom(100)]:
    s.send(g)
s.send(b"\x00HELLO 0 4242 - bundle")
print(s.recv(200)[1:].decode())
for g in [b"", b"\x00", b"\x01", b"\x01\x05\xdc\x45", b"\x01\xff\xff" + b"\x45" * 30,
          b"\x45\x00\x00", b"\x99" * 40, b"\x00NONSENSE", os.urandom(2000)]:
    s.send(g)
s.send(b"\x00RESOLVE server")
print(s.recv(200)[1:].decode())
s.send(b"\x00BYE")
EOF
grep -q '^WELCOME 10\.77\.' "$work/garbage.out" ||
  fail "garbage: no WELCOME: $(cat "$work/garbage.out")"
kill -0 "$hub" 2>/dev/null || fail "the hub died of garbage"
echo_test "udp:$udp" "udp:$udp" "after garbage"
for _ in $(seq 30); do
  grep -q 'hub: dropped .* from strangers' "$work/clean.log" && break
  sleep 0.1
done
grep -q 'hub: dropped .* from strangers' "$work/clean.log" ||
  fail "the hub did not count the garbage"
grep "hub: dropped" "$work/clean.log" | tail -1 | sed 's/^/  /'
echo "ok - hub_udp: refused values, no auto-start; 1 MiB echo udp/unix mixed and both udp, clean and at 10% loss, names; silent udp members reset (idle receiver, sender), a restarted server takes its name back; garbage dropped and counted"
