#!/usr/bin/env bash
# The ladder of one seeded lossy run, compared with a reviewed copy
# (tests/golden/ladder_loss.txt): a data segment lost and resent after a
# timeout, the client's last ACK lost and the server's FIN resent into
# TIME-WAIT.  The run is virtual time with a fixed seed, so any difference
# is a change in TCP's behaviour or in the drawing: read the diff, and
# when the new ladder is right, refresh the copy with
#   SOCKLAB_UPDATE_GOLDEN=1 bash tests/scripts/ladder_golden.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sl="$top/build/bin/socklab"
golden="$top/tests/golden/ladder_loss.txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "ladder_golden: $*"; exit 1; }

"$sl" sim --bytes 6000 --delay 10 --loss 15% --seed 3 \
  --trace "$work/t.jsonl" >/dev/null || fail "the seeded run failed"
"$sl" ladder "$work/t.jsonl" >"$work/ladder.txt" || fail "ladder failed"
if [ "${SOCKLAB_UPDATE_GOLDEN:-}" = 1 ]; then
  cp "$work/ladder.txt" "$golden"
  echo "ladder_golden: $golden refreshed"
  exit 0
fi
diff -u "$golden" "$work/ladder.txt" ||
  fail "the ladder differs from $golden (see the diff above)"
grep -q -- '--X' "$golden" || fail "the golden run shows no loss"
# The server's events alone (its SYN came in, none went out) draw too.
srv=$(grep '"flags":"S\."' "$work/t.jsonl" | grep '"dir":"out"' | head -1 |
  sed 's/.*"host":"\([^"]*\)".*/\1/')
grep "\"host\":\"$srv\"" "$work/t.jsonl" >"$work/server.jsonl"
"$sl" ladder --no-color "$work/server.jsonl" >"$work/server.txt" ||
  fail "the server's trace alone draws no ladder"
grep -q 'SYN,ACK' "$work/server.txt" || fail "no SYN,ACK in the server's ladder"
# Text from a trace is escaped in the SVGs: a host name with markup in
# it stays text, and the file stays well-formed XML.
sed 's/10\.0\.0\.1/<i>c\&o<\/i>/g' "$work/t.jsonl" >"$work/marked.jsonl"
"$sl" ladder --svg "$work/l.svg" "$work/marked.jsonl" >/dev/null || fail "ladder --svg failed"
"$sl" states --svg "$work/s.svg" "$work/marked.jsonl" >/dev/null || fail "states --svg failed"
for svg in "$work/l.svg" "$work/s.svg"; do
  grep -q '<i>' "$svg" && fail "$(basename "$svg"): trace text is not escaped"
  if command -v python3 >/dev/null; then
    python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$svg" ||
      fail "$(basename "$svg") is not well-formed XML"
  fi
done
grep -q '&lt;i&gt;c&amp;o' "$work/s.svg" || fail "the states SVG lost the host's name"
echo "ok - ladder_golden: a seeded lossy run draws exactly the reviewed ladder (RTO resend, FIN resent into TIME-WAIT)"
