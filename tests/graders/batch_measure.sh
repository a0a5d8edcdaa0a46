#!/usr/bin/env bash
# Measures socklab grade --batch on a class of N copies (default 200) of a
# lab's reference solution and its buggy variants (tests/graders/LAB/*/,
# round robin): the batch's wall time, and that every copy scores exactly
# what a single run of its variant scores with the same seed.  Not part
# of make test (it takes minutes); the figures go in labs/README.md.
#
#   tests/graders/batch_measure.sh [LAB] [N] [JOBS] [SEED]
#   (defaults: lab01 200 4 1)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sl="$top/build/bin/socklab"
lab=${1:-lab01}
n=${2:-200}
jobs=${3:-4}
seed=${4:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "batch_measure: $*"; exit 1; }
[ -x "$sl" ] || fail "build first: make"
dir=$("$sl" grade --list | awk -v l="$lab" '$1 == l { print $2 }')
[ -n "$dir" ] || fail "no lab $lab"

# The variants: the reference, then each buggy solution.
mkdir -p "$work/variants"
cp -r "$top/solutions/$dir" "$work/variants/reference"
for bug in "$top/tests/graders/$dir"/*/; do
  [ -f "$bug/bug.patch" ] || continue
  v=$(basename "$bug")
  cp -r "$top/solutions/$dir" "$work/variants/$v"
  patch -s -d "$work/variants/$v" -p1 --fuzz=0 <"$bug/bug.patch" ||
    fail "$v: bug.patch no longer applies"
done
variants=$(cd "$work/variants" && ls)
nv=$(echo "$variants" | wc -l)
echo "batch_measure: $lab, $n submissions from $nv variants, $jobs jobs, seed $seed"

# Single runs, one per variant.
for v in $variants; do
  "$sl" grade "$lab" --dir "$work/variants/$v" --seed "$seed" \
    --row "$work/$v.row" >/dev/null 2>&1 || true
  [ -s "$work/$v.row" ] || fail "the single run of $v wrote no row"
done

# The class: copies, round robin.
mkdir -p "$work/class"
for k in $(seq 1 "$n"); do
  v=$(echo "$variants" | sed -n "$(((k - 1) % nv + 1))p")
  cp -r "$work/variants/$v" "$work/class/$(printf 's%03d-%s' "$k" "$v")"
done
start=$(date +%s.%N)
"$sl" grade "$lab" --batch "$work/class" --out-dir "$work/out" --jobs "$jobs" \
  --seed "$seed" >/dev/null 2>"$work/batch.log" || fail "the batch failed: $(tail -5 "$work/batch.log")"
end=$(date +%s.%N)

bad=0
while IFS=, read -r student score _; do
  [ "$student" = student ] && continue
  v=${student#s???-}
  single=$(awk '{ printf "%.2f", $1 }' "$work/$v.row")
  if [ "$score" != "$single" ]; then
    echo "  $student: $score in the batch, $single alone"
    bad=$((bad + 1))
  fi
done <"$work/out/grades.csv"
graded=$(($(wc -l <"$work/out/grades.csv") - 1))
awk -v s="$start" -v e="$end" -v n="$graded" -v bad="$bad" -v j="$jobs" \
  'BEGIN { printf "batch_measure: %d graded in %.0f s (%d jobs, %.1f s each on average); %d scores differ from single runs\n", n, e - s, j, (e - s) / n, bad }'
[ "$bad" = 0 ] && [ "$graded" = "$n" ]
