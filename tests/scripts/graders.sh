#!/usr/bin/env bash
# Proves the grader right, for every lab it knows: the reference solution
# scores every point on 10 seeds; the starter code at most 20%; each
# deliberately buggy solution in tests/graders/LAB/BUG/ loses exactly the
# tests its EXPECT file names (one test id per line; "? ID" for one it may
# lose, depending on timing), and only those.  An EXPECT that names no
# test is a correct solution of another design, which must lose nothing
# (tests/graders/stress.sh grades those many times too).
# A buggy solution is stored as BUG/bug.patch, its difference from
# solutions/LAB/ (tests/graders/mkpatch.sh writes it): it is graded in a
# copy of the solution with the patch applied (patch -p1), and a patch
# that no longer applies exactly is an error, so it cannot drift.
# Runs the grader GRADERS_JOBS times at once (default 6): most of a test
# is waiting, not computing.
#
#   tests/scripts/graders.sh [LAB...]
#
# LAB (lab02 or lab02-tcp-echo) limits the run to those labs, for work on
# one of them; make test runs them all.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sl="$top/build/bin/socklab"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jobs=${GRADERS_JOBS:-6}
seeds=${GRADERS_SEEDS:-10}
fail() { echo "graders: $*"; exit 1; }
command -v patch >/dev/null ||
  fail "patch is missing (it makes the buggy solutions): apt-get install patch"

# The labs the grader knows, as "lab02 lab02-tcp-echo".
"$sl" grade --list | awk '/^lab/ { print $1, $2 }' >"$work/all-labs"
[ -s "$work/all-labs" ] || fail "socklab grade --list names no lab"
if [ $# -eq 0 ]; then
  cp "$work/all-labs" "$work/labs"
else
  : >"$work/labs"
  for want in "$@"; do
    line=$(awk -v w="$want" '$1 == w || $2 == w' "$work/all-labs")
    [ -n "$line" ] || fail "no lab $want (socklab grade --list names them)"
    echo "$line" >>"$work/labs"
  done
fi

# One grader run per line of $work/runs: "NAME LAB DIR SEED".
: >"$work/runs"
while read -r lab dir; do
  for seed in $(seq 1 "$seeds"); do
    echo "ref-$lab-$seed $lab $top/solutions/$dir $seed" >>"$work/runs"
  done
  echo "starter-$lab $lab $top/labs/$dir 1" >>"$work/runs"
  for bug in "$top/tests/graders/$dir"/*/; do
    [ -f "$bug/EXPECT" ] || continue
    name=$(basename "$bug")
    [ -f "$bug/bug.patch" ] || fail "$dir $name: EXPECT but no bug.patch"
    copy=$work/bugs/$dir/$name
    mkdir -p "$work/bugs/$dir"
    cp -R "$top/solutions/$dir" "$copy"
    out=$(patch -d "$copy" -p1 --batch --silent --fuzz=0 <"$bug/bug.patch" 2>&1) ||
      fail "$dir $name: bug.patch does not apply to solutions/$dir/ (did the
solution change? make the patch again with tests/graders/mkpatch.sh):
$out"
    for seed in 1 2; do
      echo "bug-$lab-$name-$seed $lab $copy $seed" >>"$work/runs"
    done
  done
done <"$work/labs"

run_one() {
  local name=$1 lab=$2 dir=$3 seed=$4
  "$sl" grade "$lab" --dir "$dir" --seed "$seed" --format tap \
    --out "$work/$name.tap" 2>"$work/$name.err" || true
  [ -s "$work/$name.tap" ] || echo "no results" >"$work/$name.tap"
}
export -f run_one
export sl work
start=$(date +%s)
xargs -P "$jobs" -L 1 bash -c 'run_one "$@"' _ <"$work/runs"
elapsed=$(($(date +%s) - start))

# "id points max" for every test of a TAP results file.
scores() {
  awk '/^(not )?ok [0-9]+ - / { sub(/^(not )?ok [0-9]+ - /, ""); sub(/:.*/, ""); id = $0 }
       /^  points: / { p = $2 } /^  max_points: / { print id, p, $2 }' "$1"
}

nref=0
while read -r name lab dir seed; do
  case $name in
  ref-*)
    lost=$(scores "$work/$name.tap" | awk '$2 < $3 { print $1 }' | tr '\n' ' ')
    [ -n "$(scores "$work/$name.tap")" ] ||
      fail "$lab reference, seed $seed: no results: $(cat "$work/$name.err" "$work/$name.tap")"
    [ -z "$lost" ] ||
      fail "$lab reference solution lost points on seed $seed: $lost
$(cat "$work/$name.tap")"
    nref=$((nref + 1))
    ;;
  starter-*)
    pct=$(scores "$work/$name.tap" |
      awk '{ p += $2; m += $3 } END { printf "%d", m ? 100 * p / m : 100 }')
    [ "$pct" -le 20 ] || fail "$lab starter scores $pct% (at most 20%)"
    ;;
  bug-*)
    # EXPECT: the tests the bug must lose; "? ID" a test it may lose or
    # not, where the bug shows only with some timings (a kernel that
    # happens to hand a whole upload to one recv).
    expect=$top/tests/graders/${dir#"$work/bugs/"}/EXPECT
    # (|| true: a correct variant's EXPECT names no test, and grep then
    # fails, which pipefail and set -e would turn into a silent exit)
    want=$(grep -v '^[#?]' "$expect" | awk 'NF { print $1 }' | sort |
      tr '\n' ' ' || true)
    maybe=$(grep '^?' "$expect" | awk '{ print $2 }' | sort | tr '\n' ' ' || true)
    got=$(scores "$work/$name.tap" | awk '$2 < $3 { print $1 }' |
      grep -vxF -f <(printf '%s\n' $maybe) | sort | tr '\n' ' ' || true)
    [ "$want" = "$got" ] ||
      fail "$lab $(basename "$dir") (seed $seed) lost [$got], expected [$want] (and maybe [$maybe])
$(cat "$work/$name.tap")"
    ;;
  esac
done <"$work/runs"
nbug=$(grep -c '^bug-' "$work/runs" || true)
echo "ok - graders: $(wc -l <"$work/labs") labs; each reference scores every point" \
  "on $seeds seeds ($nref runs), starters at most 20%, $nbug buggy-solution runs lose" \
  "exactly their points ($elapsed s)"
