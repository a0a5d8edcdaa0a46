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
echo "ok - demo: the connection drawn and explained in 80 columns; ladder marks losses, merges per-process traces, as text and SVG"
