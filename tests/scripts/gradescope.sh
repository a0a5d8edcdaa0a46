#!/usr/bin/env bash
# make gradescope as an instructor uses it: the zip builds socklab from
# its own sources (setup.sh) and grades a submission into results.json
# (run_autograder), here under a directory that stands for /autograder.
# A submission uploaded as a folder is found inside it; one that does not
# build still gets a results.json that says so.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
chmod 755 "$work" # the graded programs run as a user of their own
trap 'rm -rf "$work"' EXIT
fail() { echo "gradescope: $*"; exit 1; }
if ! command -v zip >/dev/null || ! command -v unzip >/dev/null; then
  echo "ok - gradescope # SKIP zip/unzip not installed (apt-get install zip unzip)"
  exit 0
fi
if ! git -C "$top" rev-parse HEAD >/dev/null 2>&1; then
  echo "ok - gradescope # SKIP not a git checkout (the zip is made by git archive)"
  exit 0
fi
MAKEFLAGS= make -s -C "$top" gradescope LAB=lab02 >/dev/null || fail "make gradescope failed"
ag="$work/autograder"
mkdir -p "$ag"
unzip -q "$top/build/gradescope-lab02.zip" -d "$ag"
AUTOGRADER="$ag" bash "$ag/setup.sh" >"$work/setup.log" 2>&1 ||
  fail "setup.sh failed: $(tail -5 "$work/setup.log")"

# The reference solution, uploaded as a folder: every point.
mkdir -p "$ag/submission/lab02"
cp "$top"/solutions/lab02-tcp-echo/*.c "$top/solutions/lab02-tcp-echo/Makefile" \
  "$ag/submission/lab02/"
AUTOGRADER="$ag" bash "$ag/run_autograder" 2>"$work/run.log" ||
  fail "run_autograder failed: $(cat "$work/run.log")"
r="$ag/results/results.json"
# No top-level score (the tests' total is the score, and Gradescope hides
# it while hidden tests are hidden): the tests' scores must add up.
total() {
  grep -o "\"$1\": [0-9.]*" "$r" | awk '{ s += $2 } END { printf "%g", s }'
}
ntests=$("$top/build/bin/socklab" grade --list | awk '$1 == "lab02" { print $3 }' | tr -d '(')
[ "$(total score)" = "$(total max_score)" ] ||
  fail "the reference scored $(total score) of $(total max_score): $(head -3 "$r")"
grep -q '"visibility": "after_due_date"' "$r" || fail "no hidden test in $r"
[ "$(grep -c '"max_score"' "$r")" = "$ntests" ] || fail "not $ntests tests in $r"

# A submission that does not compile: a results.json that says why.
rm -rf "$ag/submission" "$ag/results"
mkdir -p "$ag/submission"
cp "$top"/labs/lab02-tcp-echo/* "$ag/submission/"
echo 'int main(void) { return syntax error; }' >"$ag/submission/echo_server.c"
AUTOGRADER="$ag" bash "$ag/run_autograder" 2>"$work/run.log" ||
  fail "run_autograder failed on a broken submission"
[ "$(total score)" = 0 ] || fail "a broken submission scored: $(head -2 "$r")"
grep -q 'did not build.*error' "$r" ||
  fail "results.json does not show the compiler's error: $(head -3 "$r")"
echo "ok - gradescope: the autograder zip builds socklab, scores the reference $(total max_score)/$(total max_score), reports a compile error"
