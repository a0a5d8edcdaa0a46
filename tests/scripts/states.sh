#!/usr/bin/env bash
# socklab states: the RFC 9293 state diagram drawn for a known seeded run.
# The SVG is whole and self-contained (no external references, no script),
# the states and transitions each side visited are highlighted in that
# side's colour, and the ones nobody visited are not; the same trace gives
# the same bytes twice; bad input is refused.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sl="$top/build/bin/socklab"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "states: $*"; exit 1; }

# The client closes first: it goes through FIN-WAIT-1/2 and TIME-WAIT, the
# server through CLOSE-WAIT and LAST-ACK.  Nobody sees CLOSING or a
# simultaneous open.
"$sl" sim --bytes 3000 --seed 1 --trace "$work/t.jsonl" >/dev/null ||
  fail "the seeded run failed"
"$sl" states "$work/t.jsonl" --svg "$work/s.svg" || fail "states --svg failed"
svg="$work/s.svg"
head -c 5 "$svg" | grep -q '^<svg ' || fail "the SVG does not start with <svg"
[ "$(tail -n 1 "$svg")" = "</svg>" ] || fail "the SVG is not whole"
[ "$(grep -c '<svg ' "$svg")" = 1 ] || fail "more than one <svg> element"
if grep -q -e 'href' -e '<script' -e '<image' -e 'url(http' "$svg"; then
  fail "the SVG refers to something outside itself"
fi
if command -v xmllint >/dev/null 2>&1; then
  xmllint --noout "$svg" || fail "the SVG is not well-formed XML"
fi

# has ID CLASSES: the element with that id has exactly those classes.
has() {
  grep -q "<g id=\"$1\" class=\"$2\">" "$svg" ||
    fail "$1: expected class=\"$2\", found: $(grep -o "<g id=\"$1\"[^>]*>" "$svg")"
}
has s-SYN-SENT "state client"
has s-FIN-WAIT-1 "state client"
has s-FIN-WAIT-2 "state client"
has s-TIME-WAIT "state client"
has s-LISTEN "state server"
has s-SYN-RECEIVED "state server"
has s-CLOSE-WAIT "state server"
has s-LAST-ACK "state server"
has s-ESTABLISHED "state client server"
has s-CLOSED-end "state client server"
has s-CLOSING "state unvisited"
has e-CLOSED-SYN-SENT "edge client"
has e-SYN-SENT-ESTABLISHED "edge client"
has e-TIME-WAIT-CLOSED "edge client"
has e-LISTEN-SYN-RECEIVED "edge server"
has e-SYN-RECEIVED-ESTABLISHED "edge server"
has e-ESTABLISHED-CLOSE-WAIT "edge server"
has e-LAST-ACK-CLOSED "edge server"
has e-ESTABLISHED-FIN-WAIT-1 "edge client"
has e-SYN-SENT-SYN-RECEIVED "edge unvisited"
has e-FIN-WAIT-1-CLOSING "edge unvisited"
has e-CLOSING-TIME-WAIT "edge unvisited"
has e-CLOSE-WAIT-LAST-ACK "edge server"
[ "$(grep -c 'class="state' "$svg")" = 12 ] || fail "not 12 state boxes"
grep -q '#c0392b' "$svg" && grep -q '#2155a6' "$svg" ||
  fail "the client's red or the server's blue is missing"

# Deterministic: the same trace, the same bytes.
"$sl" states "$work/t.jsonl" --svg "$work/s2.svg"
cmp -s "$svg" "$work/s2.svg" || fail "two drawings of one trace differ"

# The server closes first: TIME-WAIT moves to the server.
"$sl" demo --server-closes-first --no-color --trace "$work/d.jsonl" \
  >/dev/null || fail "demo --server-closes-first failed"
"$sl" states "$work/d.jsonl" --svg "$svg"
has s-TIME-WAIT "state server"
has s-CLOSE-WAIT "state client"

# Text, and refusals.
"$sl" states "$work/t.jsonl" >"$work/text"
grep -q '^TIME-WAIT *TIME_WAIT *yes *-$' "$work/text" ||
  fail "the text table does not show TIME-WAIT on the client only"
echo 'not json' >"$work/bad"
if "$sl" states "$work/bad" 2>"$work/err"; then fail "accepted a bad trace"; fi
grep -q 'not a version-1 trace event' "$work/err" || fail "no clear message"
if "$sl" states 2>/dev/null; then fail "ran without a trace"; fi
echo "ok - states: the RFC 9293 diagram highlights what each side of a seeded run visited, and only that"
