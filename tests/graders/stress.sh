#!/usr/bin/env bash
# A full score must not depend on a quiet machine: grades every reference
# solution (solutions/LAB/) and every correct solution of another design
# (tests/graders/LAB/NAME/ whose EXPECT names no test) STRESS_RUNS times
# each, every run with a seed of its own, while busy loops keep the CPUs
# busy.  Says per lab how many runs lost any point, and for each loss the
# submission, the seed that replays it, the test, the points and the first
# line of its feedback; exits 1 on any loss.  Not part of `make test`:
# `make grader-stress` runs it.
#
#   tests/graders/stress.sh [LAB...]        (default: every lab)
#
# STRESS_RUNS   runs per submission (default 100)
# STRESS_JOBS   graders at once (default: the CPUs)
# STRESS_SEED   the first run's seed (default: from the clock; printed)
# STRESS_HOGS   busy loops beside them (default 2)
# STRESS_HOG_S  how long a busy loop may live at most (default 21600): it
#               also ends when this script does, however it ends
# STRESS_OUT    where the whole results (TAP) and stderr of each run that
#               lost points are kept (default build/grader-stress)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sl="$top/build/bin/socklab"
runs=${STRESS_RUNS:-100}
jobs=${STRESS_JOBS:-$(nproc)}
seed=${STRESS_SEED:-$(($(date +%s) % 1000000))}
nhogs=${STRESS_HOGS:-2}
hog_s=${STRESS_HOG_S:-21600}
keep=${STRESS_OUT:-$top/build/grader-stress}
fail() {
  echo "stress: $*" >&2
  exit 2
}
[ -x "$sl" ] || fail "no $sl: run make first"
command -v patch >/dev/null || fail "patch is missing: apt-get install patch"
for v in "$runs" "$jobs" "$seed" "$nhogs" "$hog_s"; do
  case $v in '' | *[!0-9]*) fail "STRESS_* values are whole numbers, not '$v'" ;; esac
done

work=$(mktemp -d)
rm -rf "$keep" && mkdir -p "$keep"
hogs=()
stop_hogs() {
  for pid in "${hogs[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${hogs[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  hogs=()
}
trap 'stop_hogs; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# A busy loop that ends after hog_s seconds, or as soon as this script is
# gone (kill -9 included: it asks at every turn).
me=$$
for _ in $(seq 1 "$nhogs"); do
  bash -c 'end=$((SECONDS + $1)); while ((SECONDS < end)) && kill -0 "$2"; do :; done' \
    _ "$hog_s" "$me" 2>/dev/null &
  hogs+=($!)
done

if [ $# -gt 0 ]; then
  for lab in "$@"; do
    "$sl" grade --list | awk -v l="$lab" '$1 == l || $2 == l { print $1, $2 }'
  done >"$work/labs"
else
  "$sl" grade --list | awk '/^lab/ { print $1, $2 }' >"$work/labs"
fi
[ -s "$work/labs" ] || fail "no such lab: $* (socklab grade --list)"
echo "stress: $runs runs per submission from seed $seed, $jobs at once," \
  "$nhogs CPU hogs (pids ${hogs[*]:-none}); replay a run with" \
  "socklab grade LAB --dir DIR --seed N"

run_one() {
  local lab=$1 name=$2 dir=$3 seed=$4 out=$work/$1/$2-$4
  "$sl" grade "$lab" --dir "$dir" --seed "$seed" --format tap \
    --out "$out.tap" 2>"$out.err" || true
  [ -s "$out.tap" ] || echo "no results" >"$out.tap"
}
export -f run_one
export sl work

# Each loss of a TAP file: "test lost of max: first line of the feedback";
# a file without results says so.
losses() {
  awk '/^(not )?ok [0-9]+ - / { sub(/^(not )?ok [0-9]+ - /, ""); sub(/:.*/, "");
                                id = $0; msg = ""; inmsg = 0; n++ }
       /^  points: / { p = $2 } /^  max_points: / { m = $2 }
       /^  message: / { inmsg = 1; next }
       inmsg && msg == "" && /^    / { sub(/^ +/, ""); msg = $0 }
       /^  \.\.\.$/ { if (p + 0 < m + 0) printf "%s lost %.2f of %s: %s\n", id, m - p, m, msg;
                      inmsg = 0 }
       END { if (n == 0) print "no results" }' "$1"
}

start=$(date +%s)
total_lost=0
while read -r lab dir; do
  mkdir -p "$work/$lab"
  : >"$work/$lab/runs"
  names="solutions"
  subs=("solutions $top/solutions/$dir")
  for v in "$top/tests/graders/$dir"/*/; do
    [ -f "$v/EXPECT" ] && [ -f "$v/bug.patch" ] || continue
    grep -v '^#' "$v/EXPECT" | grep -q '[^[:space:]]' && continue
    name=$(basename "$v")
    cp -R "$top/solutions/$dir" "$work/$lab/$name"
    patch -d "$work/$lab/$name" -p1 --batch --silent --fuzz=0 <"$v/bug.patch" ||
      fail "$dir $name: bug.patch does not apply"
    subs+=("$name $work/$lab/$name")
    names="$names, $name"
  done
  for s in "${subs[@]}"; do
    for i in $(seq 0 $((runs - 1))); do
      echo "$lab $s $((seed + i))" >>"$work/$lab/runs"
    done
  done
  t0=$(date +%s)
  xargs -P "$jobs" -L 1 bash -c 'run_one "$@"' _ <"$work/$lab/runs"
  secs=$(($(date +%s) - t0))
  n=$(wc -l <"$work/$lab/runs")
  : >"$work/$lab/lost"
  while read -r _ name _ s; do
    losses "$work/$lab/$name-$s.tap" | sed "s/^/  $name seed $s: /" >"$work/$lab/one"
    if [ -s "$work/$lab/one" ]; then
      cat "$work/$lab/one" >>"$work/$lab/lost"
      echo "$name-$s" >>"$work/$lab/bad"
      cp "$work/$lab/$name-$s.tap" "$keep/$lab-$name-$s.tap"
      cp "$work/$lab/$name-$s.err" "$keep/$lab-$name-$s.err"
    fi
  done <"$work/$lab/runs"
  bad=$( [ -f "$work/$lab/bad" ] && wc -l <"$work/$lab/bad" || echo 0)
  echo "$lab: $n runs ($names) in $secs s, $bad with points lost"
  cat "$work/$lab/lost"
  total_lost=$((total_lost + bad))
done <"$work/labs"
stop_hogs

echo "stress: $(($(date +%s) - start)) s in all, seeds $seed to" \
  "$((seed + runs - 1)); $total_lost runs lost points"
[ "$total_lost" -eq 0 ] || {
  echo "stress: their whole results are in $keep"
  exit 1
}
