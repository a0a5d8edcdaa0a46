#!/usr/bin/env bash
# socklab sim as a user runs it: a lossy transfer succeeds, the same seed
# replays the same run, bad options are refused with a clear message, and
# the pcap it writes opens in tcpdump (when tcpdump is installed).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sl="$top/build/bin/socklab"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "sim_cli: $*"; exit 1; }

args=(sim --bytes 256K --loss 5% --reorder 2% --dup 1% --corrupt 1%
      --delay 2 --seed 4242)
"$sl" "${args[@]}" --pcap "$work/a.pcap" >"$work/run1" || {
  cat "$work/run1"; fail "a lossy transfer did not succeed"; }
grep -q '^delivered: *262144 of 262144 bytes, identical$' "$work/run1" ||
  fail "no identical delivery line"
grep -q '^closed: *client cleanly, server cleanly$' "$work/run1" ||
  fail "no clean close line"
# The TIME-WAIT that ends a run is told apart from the transfer: 2*MSL of
# the default 30 s MSL, which began when the client's FIN was answered,
# a little before the server's last ACK closed the other end.
awk '/^virtual time:/ { d = $9 - $3; exit !($6 == "deliver" && d > 59 && d <= 60) }' \
  "$work/run1" || fail "TIME-WAIT not told apart: $(grep virtual "$work/run1")"
"$sl" "${args[@]}" >"$work/run2"
# Everything but the wall clock and the pcap line is the same run.
diff <(grep -v -e '^wall clock' -e '^pcap' -e '^replay' "$work/run1") \
     <(grep -v -e '^wall clock' -e '^pcap' -e '^replay' "$work/run2") ||
  fail "the same seed gave a different run"

# The trace: one JSON object per line, the handshake's states and the MSS.
"$sl" sim --bytes 3000 --seed 1 --trace "$work/t.jsonl" >/dev/null ||
  fail "a traced transfer failed"
grep -qv '^{"v":1,"t":[0-9]*\.[0-9]\{6\},"host":"10\.0\.0\.[12]","ev":"' \
  "$work/t.jsonl" && fail "a trace line outside the schema"
grep -q '"from":"SYN-SENT","to":"ESTABLISHED","cause":"rcv SYN,ACK"' \
  "$work/t.jsonl" || fail "no SYN-SENT -> ESTABLISHED in the trace"
grep -q '"from":"LISTEN","to":"SYN-RECEIVED"' "$work/t.jsonl" ||
  fail "no LISTEN -> SYN-RECEIVED in the trace"
grep -q '"dir":"out","flags":"S",.*"mss":1460' "$work/t.jsonl" ||
  fail "no SYN with its MSS in the trace"
grep -q '"from":"TIME-WAIT","to":"CLOSED","cause":"2MSL timeout"' \
  "$work/t.jsonl" || fail "no TIME-WAIT expiry in the trace"

# --mss CLIENT,SERVER: each side announces its own, and each sends at
# most the smaller (RFC 9293 3.7.1), whichever side announced it.
for pair in 1460,536 536,1460; do
  "$sl" sim --bytes 3000 --mss $pair --seed 1 --trace "$work/m.jsonl" \
    >/dev/null || fail "--mss $pair: the transfer failed"
  c=${pair%,*} s=${pair#*,}
  grep -q "\"host\":\"10.0.0.1\".*\"dir\":\"out\",\"flags\":\"S\",.*\"mss\":$c" \
    "$work/m.jsonl" || fail "--mss $pair: the client's SYN does not say $c"
  grep -q "\"host\":\"10.0.0.2\".*\"dir\":\"out\",\"flags\":\"S.\",.*\"mss\":$s" \
    "$work/m.jsonl" || fail "--mss $pair: the server's SYN,ACK does not say $s"
  grep -q '"len":536' "$work/m.jsonl" || fail "--mss $pair: no 536-byte segment"
  grep -Eq '"len":(5[4-9][0-9]|[6-9][0-9]{2}|[0-9]{4})' "$work/m.jsonl" &&
    fail "--mss $pair: a segment larger than 536"
done
if "$sl" sim --mss 1460,20 >"$work/bad" 2>&1; then fail "--mss 1460,20 accepted"; fi

if "$sl" sim --loss 2 >"$work/bad" 2>&1; then fail "--loss 2 accepted"; fi
grep -q -- '--loss 2: expected a probability' "$work/bad" ||
  fail "unclear message for a bad probability: $(cat "$work/bad")"

if command -v tcpdump >/dev/null 2>&1; then
  tcpdump -nr "$work/a.pcap" >"$work/dump" 2>"$work/err" ||
    fail "tcpdump cannot read the pcap: $(cat "$work/err")"
  grep -v '^reading from file' "$work/err" | grep -q . &&
    fail "tcpdump warned: $(cat "$work/err")"
  grep -q 'Flags \[S\]' "$work/dump" || fail "no SYN in the pcap"
  grep -q 'Flags \[F\.\]' "$work/dump" || fail "no FIN in the pcap"
  echo "ok - socklab sim: lossy transfer, replay, trace, errors, pcap opens in tcpdump"
else
  echo "ok - socklab sim: lossy transfer, replay, trace, errors" \
       "(skip pcap check: tcpdump not installed; .ci/run installs it)"
fi
