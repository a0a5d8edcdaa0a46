#!/usr/bin/env bash
# Regenerates every protocol figure of the slides from seeded runs of
# socklab itself: ladder diagrams and state diagrams (SVG) and netstat
# tables (text).  The runs are in virtual time with fixed seeds, so the
# same code draws the same bytes; tests/scripts/slides.sh fails when a
# committed figure differs from what the code draws now.
#
#   slides/figures.sh [OUTDIR]     (default: slides/figures; make slides-figures)
#
# Uses only build/bin/socklab, bash and coreutils.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sl="$top/build/bin/socklab"
out=${1:-$top/slides/figures}
[ -x "$sl" ] || { echo "figures.sh: $sl is missing: run make first" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" # the runs write their traces here, under short relative names

# section FILE FIRST: the lines of FILE from the one that starts with
# FIRST to the next empty line (not included), without trailing blanks
# (the text ladder pads its lines; editors strip them from the decks).
section() {
  local on=0 line
  while IFS= read -r line; do
    if [ $on = 0 ] && [ "${line#"$2"}" != "$line" ]; then on=1; fi
    if [ $on = 1 ]; then
      [ -z "$line" ] && break
      line=${line%"${line##*[! ]}"}
      printf '%s\n' "$line"
    fi
  done <"$1"
}

# demo NAME ARGS...: a demo run; its ladder as NAME.svg, the states each
# side visited as NAME-states.svg, its output kept as NAME.out.
demo() {
  local name=$1
  shift
  "$sl" demo --no-color --trace "$name.jsonl" "$@" >"$name.out"
  "$sl" ladder "$name.jsonl" --svg "$out/$name.svg"
  "$sl" states "$name.jsonl" --svg "$out/$name-states.svg"
}

# Deck 1, 3, 4: a connection, MSS 1460 (client) against 1400 (server),
# 3000 bytes; the client closes first.
demo handshake
section handshake.out "socklab netstat at each change" >"$out/netstat-handshake.txt"
section handshake.out "What it shows" >"$out/handshake-explained.txt"

# Deck 3: the two sides' limits differ (lab03's case): the client says
# 536, the server 1460, and both send at most 536, the smaller.  The text
# ladder up to the last data segment, without its trailing blanks.
"$sl" sim --bytes 3000 --mss 536,1460 --delay 1 --seed 1 --trace mss.jsonl >/dev/null
"$sl" ladder --no-color mss.jsonl | sed -e 's/ *$//' -e '/FIN,/q' \
  >"$out/mss-536-1460.txt"

# Deck 4: the server closes first, and TIME_WAIT moves to its side.
demo server-closes-first --server-closes-first
section server-closes-first.out "socklab netstat at each change" \
  >"$out/netstat-server-closes-first.txt"

# Deck 5 (and 1): a receiver that stops reading: zero window, persist probes.
demo zero-window --zero-window
section zero-window.out "socklab netstat at each change" \
  >"$out/netstat-zero-window.txt"

# Deck 6: a segment lost and resent after the retransmission timeout
# (the README's run), and one resent after three duplicate ACKs.
demo loss-rto --loss 20% --seed 3
demo fast-retransmit --bytes 7000 --loss 10% --seed 17

# Deck 1, 5: datagrams, no connection; two of ten lost and nobody notices.
# The demo draws them only as text: the ladder, and netstat of both hosts.
"$sl" demo --udp --no-color --trace udp.jsonl >udp.out
section udp.out "    time" >"$out/udp-ladder.txt"
section udp.out "socklab netstat -ua" >"$out/udp-netstat.txt"

# Deck 2, 4: what netstat says the states mean.
for s in LISTEN ESTABLISHED TIME_WAIT CLOSE_WAIT; do
  "$sl" netstat --explain "$s"
done >"$out/netstat-explain.txt"

# Nothing of this run may leak into a figure: no temporary paths.
if grep -l -e "$work" -e "$top" "$out"/* >/dev/null 2>&1; then
  echo "figures.sh: a figure names a path of this machine:" >&2
  grep -l -e "$work" -e "$top" "$out"/* >&2
  exit 1
fi
echo "figures.sh: $(ls "$out" | wc -l) figures in $out"

# The text figures are also copied into the decks, where Markdown cannot
# include a file: a block opened by "```text file=../figures/NAME" gets
# NAME's lines.  Only for the committed figures (a test writes elsewhere).
[ "$out" = "$top/slides/figures" ] || exit 0
for deck in "$top"/slides/*/*.md; do
  new="$work/deck.md"
  skip=0
  while IFS= read -r line; do
    if [ $skip = 1 ]; then
      [ "$line" = '```' ] || continue
      skip=0
    fi
    printf '%s\n' "$line"
    case $line in
    '```text file=../figures/'*)
      cat "$top/slides/figures/${line#'```text file=../figures/'}"
      skip=1
      ;;
    esac
  done <"$deck" >"$new"
  cmp -s "$new" "$deck" || { cp "$new" "$deck"; echo "figures.sh: updated $deck"; }
done
