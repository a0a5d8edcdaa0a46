#!/usr/bin/env bash
# make demo as a new user sees it: a connection drawn and explained, every
# line within 80 columns, figures read from the run; then the ladder alone
# on a lossy run marks a lost segment.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sl="$top/build/bin/socklab"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "demo: $*"; exit 1; }

"$sl" demo --no-color --trace "$work/d.jsonl" >"$work/out" ||
  fail "socklab demo failed"
for want in 'SYN seq=0 mss=1460' 'SYN,ACK seq=0 ack=1 mss=1400' \
            'Client: CLOSED -> SYN_SENT -> ESTABLISHED' \
            'Server: LISTEN -> SYN_RECV -> ESTABLISHED' \
            'largest segment' 'carried 1400 bytes' \
            'TIME_WAIT was on the client' 'LAST_ACK -> CLOSED'; do
  grep -q -- "$want" "$work/out" || fail "the demo does not show: $want"
done
awk 'length > 80 { exit 1 }' "$work/out" || fail "a line wider than 80"
# The netstat snapshots: both sides through the handshake and teardown.
grep -Eq '^ +[0-9.]+ SYN_SENT +SYN_RECV LISTEN$' "$work/out" ||
  fail "no netstat snapshot of the handshake"
grep -Eq '^ +[0-9.]+ TIME_WAIT +(LAST_ACK|CLOSED)$' "$work/out" ||
  fail "no netstat snapshot of TIME_WAIT on the client"

# The variant the notes warn about: the server closes first.
"$sl" demo --no-color --server-closes-first --trace "$work/s.jsonl" \
  --pcap "$work/s.pcap" >"$work/sout" || fail "--server-closes-first failed"
grep -q 'Server: ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT' \
  "$work/sout" || fail "the server did not close first"
grep -q 'TIME_WAIT was on the server' "$work/sout" ||
  fail "no explanation of server-side TIME_WAIT"
[ -s "$work/s.pcap" ] || fail "no pcap written"
grep -q $'\033' "$work/out" && fail "colour codes with --no-color"

# A receiver that stops reading: its window falls to 0, the client probes
# it, and the explanation's figures agree with the ladder of the same run.
"$sl" demo --no-color --zero-window --bytes 12600 --trace "$work/z.jsonl" \
  >"$work/zout" || fail "--zero-window failed"
awk 'length > 80 { exit 1 }' "$work/zout" ||
  fail "--zero-window: a line wider than 80"
grep -Eq '^ +[0-9.]+ +\|<-+ ACK seq=1 ack=4201 win=0 -+\| $' "$work/zout" ||
  fail "--zero-window: no ACK with win=0 on the ladder"
probes=$(grep -c -- '-- ACK seq=4201 ack=1 len=1 --' "$work/zout")
[ "$probes" -ge 2 ] || fail "--zero-window: $probes window probes on the ladder"
[ "$(grep -c '(persist)' "$work/zout")" -eq "$probes" ] ||
  fail "--zero-window: probes without the persist timer"
for want in 'The window it advertised fell 4200 -> 1400 -> 0:' \
            'ACK said ack=4201 win=0; 4200 bytes were waiting unread' \
            "window probe (one byte): $probes probes, at " \
            '(win=4200) reopened the window' \
            'All 12600 bytes arrived, identical.'; do
  grep -qF -- "$want" "$work/zout" || fail "--zero-window does not show: $want"
done
grep -Eq '^ +[0-9.]+ FIN_WAIT1 Send-Q [0-9]+ +ESTABLISHED Recv-Q 4200$' \
  "$work/zout" || fail "--zero-window: no netstat of the full receive buffer"

# UDP: datagrams lost on the way, nothing sent again, no state anywhere;
# the counts in the explanation are those of the ladder and the trace.
"$sl" demo --no-color --udp --trace "$work/u.jsonl" --pcap "$work/u.pcap" \
  >"$work/uout" || fail "--udp failed"
awk 'length > 80 { exit 1 }' "$work/uout" || fail "--udp: a line wider than 80"
grep -q 'loss 20% (seed 3)' "$work/uout" || fail "--udp: no loss and seed"
lost=$(grep -Ec 'datagram [0-9]+ len=[0-9]+ -+X +\| $' "$work/uout")
[ "$lost" -ge 1 ] || fail "--udp: no datagram lost on the ladder"
[ "$(grep -c '"ev":"udp","conn":"10.0.0.1:[0-9]*>10.0.0.2:9","dir":"out"' \
  "$work/u.jsonl")" -eq 10 ] || fail "--udp: not 10 datagrams in the trace"
[ "$(grep -c '"dir":"in"' "$work/u.jsonl")" -eq $((10 - lost)) ] ||
  fail "--udp: the trace and the ladder disagree on what arrived"
for want in "Udp OutDatagrams: 10), $((10 - lost)) arrived" \
            "Udp InDatagrams: $((10 - lost))).  The wire lost $lost" \
            'Nothing was retransmitted and nobody noticed' \
            'the wire carried 10' 'client received 0 packets' \
            'netstat shows no state'; do
  grep -qF -- "$want" "$work/uout" || fail "--udp does not show: $want"
done
# netstat prints UDP sockets with an empty State column, as netstat does.
grep -Eq '^udp +0 +0 0\.0\.0\.0:[0-9]+ +0\.0\.0\.0:\*$' "$work/uout" ||
  fail "--udp: no netstat line of the client's socket"
grep -Eq '^udp +10 +0 0\.0\.0\.0:9 +0\.0\.0\.0:\*$' "$work/uout" ||
  fail "--udp: no netstat line of the server's socket, datagram queued"
sed '/^What it shows/q' "$work/uout" | grep -Eq 'SYN|ESTABLISHED|LISTEN' &&
  fail "--udp: TCP in the diagram or the netstat"
[ -s "$work/u.pcap" ] || fail "--udp: no pcap written"
"$sl" demo --udp --loss 0 --trace "$work/u0.jsonl" >"$work/u0out" ||
  fail "--udp --loss 0 failed"
grep -q 'Nothing was lost this time' "$work/u0out" ||
  fail "--udp --loss 0: claims a loss"
if "$sl" demo --udp --zero-window 2>"$work/err" >/dev/null; then
  fail "--udp --zero-window accepted"
fi
grep -q 'are for TCP' "$work/err" || fail "--udp --zero-window: unclear error"

# --step: four pauses, each reading exactly one line of the input (the
# rest is left for whoever reads next; a pipe, which nothing can rewind),
# and otherwise the same demo.
printf '1\n2\n3\n4\n5\n6\n' |
  { "$sl" demo --no-color --step --trace "$work/d.jsonl" >"$work/step" ||
      fail "--step failed"; cat >"$work/rest"; }
[ "$(grep -c '^-- press Enter --$' "$work/step")" -eq 4 ] ||
  fail "--step: not four pauses"
[ "$(tr '\n' ' ' <"$work/rest")" = "5 6 " ] ||
  fail "--step: the pauses did not read one line each"
diff <(grep -v '^$' "$work/out") \
  <(grep -v -e '^$' -e '^-- press Enter --$' "$work/step") >/dev/null ||
  fail "--step changes the demo"
"$sl" demo --no-color --udp --step --trace "$work/u.jsonl" </dev/null \
  >"$work/ustep" || fail "--udp --step at end of input failed"
[ "$(grep -c '^-- press Enter --$' "$work/ustep")" -eq 2 ] ||
  fail "--udp --step: not two pauses"
grep -q 'netstat shows no state' "$work/ustep" ||
  fail "--udp --step: stopped at the end of input"

"$sl" sim --bytes 20000 --loss 20% --seed 3 --trace "$work/l.jsonl" \
  >/dev/null || fail "lossy sim failed"
"$sl" ladder --no-color "$work/l.jsonl" >"$work/ladder" ||
  fail "socklab ladder failed"
grep -q 'X' "$work/ladder" || fail "no lost segment marked on a lossy run"
# One trace per process, as SOCKLAB_TRACE writes them: given both, the
# ladder is the same as from one file; given one, it draws what that side
# sent and received and marks nothing lost (it cannot know).
# (A delay, so that no event of one host has the time of the other's.)
"$sl" sim --bytes 20000 --loss 20% --seed 3 --delay 1 --trace "$work/d.jsonl" \
  >/dev/null || fail "lossy sim with delay failed"
"$sl" ladder --no-color "$work/d.jsonl" >"$work/whole" ||
  fail "ladder of the delayed run failed"
grep '"host":"10.0.0.1"' "$work/d.jsonl" >"$work/client.jsonl"
grep -v '"host":"10.0.0.1"' "$work/d.jsonl" >"$work/server.jsonl"
"$sl" ladder --no-color "$work/server.jsonl" "$work/client.jsonl" \
  >"$work/merged" || fail "ladder of two traces failed"
cmp -s "$work/whole" "$work/merged" ||
  fail "two traces merged draw another ladder: $(diff "$work/whole" "$work/merged" | head)"
"$sl" ladder --no-color "$work/client.jsonl" >"$work/one" ||
  fail "ladder of the client's trace alone failed"
grep -q '|<-.* SYN,ACK seq=0 ack=1' "$work/one" ||
  fail "one side's trace: the SYN,ACK it received is not drawn"
grep -q 'X' "$work/one" && fail "one side's trace: a segment marked lost"
# The SVG: a whole, self-contained document with both time lines, an
# arrow per segment and the lost one crossed out.
"$sl" ladder "$work/l.jsonl" --svg "$work/l.svg" || fail "--svg failed"
head -c 4 "$work/l.svg" | grep -q '<svg' || fail "the SVG does not start"
tail -n 1 "$work/l.svg" | grep -qx '</svg>' || fail "the SVG does not end"
grep -q '>client 10.0.0.1:' "$work/l.svg" || fail "no client line in the SVG"
grep -q 'font-weight="bold">X</text>' "$work/l.svg" ||
  fail "no lost segment in the SVG"
grep -o 'http[^"]*' "$work/l.svg" | grep -vqx 'http://www.w3.org/2000/svg' &&
  fail "the SVG refers to something outside itself"
if "$sl" ladder "$work/l.jsonl" --conn 2 2>"$work/err"; then
  fail "--conn 2 accepted for a trace with one connection"
fi
grep -q 'has 1 connection' "$work/err" || fail "unclear --conn error"
# --absolute-seq: the 32-bit numbers make labels longer; nothing is cut.
"$sl" ladder --no-color --absolute-seq "$work/d.jsonl" >"$work/abs" ||
  fail "ladder --absolute-seq failed"
grep -q 'SYN,ACK seq=[0-9]* ack=[0-9]* mss=[0-9]* ' "$work/abs" ||
  fail "ladder --absolute-seq cut the SYN,ACK's label: $(grep SYN,ACK "$work/abs")"
echo "ok - demo: the connection drawn and explained in 80 columns" \
  "(also --zero-window, --udp, --step); ladder marks losses, merges" \
  "per-process traces, as text and SVG"
