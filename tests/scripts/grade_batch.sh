#!/usr/bin/env bash
# socklab grade LAB --batch: a small class of lab01 (the reference and a
# buggy client) graded in parallel; grades.csv and summary.txt; every
# score equal to the same submission's single run with the same seed; an
# interrupted batch (a row missing) resumes with that one only; --only
# regrades one student with the class's seed; another --seed is refused.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sl="$top/build/bin/socklab"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "grade_batch: $*"; exit 1; }
command -v patch >/dev/null || fail "patch is missing: apt-get install patch"

class=$work/class
out=$work/out
mkdir -p "$class/.not-a-student"
cp -r "$top/solutions/lab01-udp" "$class/alice"
cp -r "$top/solutions/lab01-udp" "$class/bob"
patch -s -d "$class/bob" -p1 \
  <"$top/tests/graders/lab01-udp/client-waits-forever/bug.patch"
echo "not a directory" >"$class/README"

# bob alone, for the single-run score, beside the batch.
"$sl" grade lab01 --dir "$class/bob" --seed 7 --row "$work/bob.row" \
  >"$work/bob.txt" 2>&1 &
single=$!
"$sl" grade lab01 --batch "$class" --out-dir "$out" --jobs 2 --seed 7 \
  >"$work/summary" 2>"$work/log" || fail "the batch failed: $(cat "$work/log")"
wait "$single" || true # bob loses points: exit status 1

[ -s "$work/bob.row" ] || fail "the single run wrote no row: $(cat "$work/bob.txt")"
head -1 "$out/grades.csv" | grep -q '^student,score,max,server_with_reference_client,' ||
  fail "grades.csv has no header: $(head -1 "$out/grades.csv")"
[ "$(wc -l <"$out/grades.csv")" = 3 ] ||
  fail "grades.csv should have two students: $(cat "$out/grades.csv")"
awk -F, '$1 == "alice" && $2 + 0 == $3 + 0 { ok = 1 } END { exit !ok }' \
  "$out/grades.csv" || fail "alice lost points: $(cat "$out/grades.csv")"
bob=$(awk -F, '$1 == "bob" { print $2 }' "$out/grades.csv")
single_score=$(awk '{ printf "%.2f", $1 }' "$work/bob.row")
[ "$bob" = "$single_score" ] ||
  fail "bob scores $bob in the batch and $single_score alone (seed 7)"
max=$(awk -F, '$1 == "bob" { print $3 }' "$out/grades.csv")
awk -v b="$bob" -v m="$max" 'BEGIN { exit !(b + 0 < m + 0) }' ||
  fail "the buggy client lost nothing"
grep -q 'lossy_link .* 1 *0 *1 ' "$out/summary.txt" ||
  fail "summary.txt: lossy_link should be right for 1, wrong for 1: $(cat "$out/summary.txt")"
cmp -s "$work/summary" "$out/summary.txt" || fail "stdout is not summary.txt"
[ -s "$out/alice.txt" ] && [ -s "$out/bob.log" ] || fail "no per-student files"

# Interrupted before bob's row was written: only bob is graded again.
rm "$out/bob.row"
"$sl" grade lab01 --batch "$class" --out-dir "$out" >/dev/null 2>"$work/log" ||
  fail "the resumed batch failed: $(cat "$work/log")"
grep -q '2 submissions, 1 to grade' "$work/log" ||
  fail "the resumed batch did not take up only bob: $(cat "$work/log")"
grep -q "^bob,$bob," "$out/grades.csv" || fail "bob's score changed on resume"

# --only regrades one student, with the class's seed.
"$sl" grade lab01 --batch "$class" --out-dir "$out" --only alice \
  >/dev/null 2>"$work/log" || fail "--only failed: $(cat "$work/log")"
grep -q '1 to grade.*seed 7' "$work/log" || fail "--only: $(cat "$work/log")"
if "$sl" grade lab01 --batch "$class" --out-dir "$out" --seed 8 \
  >/dev/null 2>"$work/log"; then
  fail "another --seed was taken for a batch graded with seed 7"
fi
grep -q 'seed 7, --seed says 8' "$work/log" || fail "unclear: $(cat "$work/log")"
echo "ok - grade --batch: 2 students in parallel, scores as single runs, resume, --only, the class seed kept"
