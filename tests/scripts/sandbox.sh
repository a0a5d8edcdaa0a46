#!/usr/bin/env bash
# Proves the grader's sandbox: each hostile lab02 submission in
# tests/graders/hostile/NAME/ (BUG says what it does; most are lab02's
# solution with NAME/bug.patch applied, as tests/graders/mkpatch.sh
# writes it with OUT tests/graders/hostile/NAME) is graded as root,
# all at once, with --format gradescope --out in a directory anyone may
# write.  For each: the grader ends in bounded time, results.json is
# whole, root's, and says what happened (the lines of REPORT; the line
# "= every point": the tests' scores add up to every point), and shows
# no secret; afterwards no process of the run's user is left, no file of
# it outside the work directory, no network namespace.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sl="$top/build/bin/socklab"
if [ "$(id -u)" != 0 ]; then
  echo "ok - sandbox # SKIP not root: the grader sandboxes only as root"
  exit 0
fi
# Not in /tmp: each program has a /tmp of its own, and the results must
# be safe where the programs could reach them (Gradescope's results
# directory is not in /tmp either).
mkdir -p "$top/build"
work=$(mktemp -d "$top/build/sandbox.XXXXXX")
trap 'rm -rf "$work"' EXIT; [ -n "${SANDBOX_KEEP:-}" ] && trap - EXIT
fail() { echo "sandbox: $*"; exit 1; }
out=$work/out
mkdir "$out"
chmod 1777 "$out" # like /tmp: the programs may write here
touch "$work/marker"
# Named namespaces other than those of socklab's own link tests (tun.sh,
# raw.sh), which may run beside this one.
named_netns() { ip netns list 2>/dev/null | grep -v '^socklab-' | sort || true; }
netns_before=$(named_netns)

# One grader, killed after 300 s: the grader itself must end well before
# (lab02 has 13 tests, each up to its own limit, and a fork bomb slows
# them all on a loaded machine).
# (timeout, not a sleeping watchdog: nothing may outlive the script.)
run_one() {
  local name=$1 rc=0 dir=$top/tests/graders/hostile/$1
  if [ -f "$dir/bug.patch" ]; then # lab02's solution, made hostile
    cp -R "$top/solutions/lab02-tcp-echo" "$work/src-$name"
    if ! patch -d "$work/src-$name" -p1 --batch --silent --fuzz=0 \
      <"$dir/bug.patch" >"$work/$name.err" 2>&1; then
      echo "bug.patch does not apply to solutions/lab02-tcp-echo/ (make it" \
        "again: tests/graders/mkpatch.sh lab02-tcp-echo $name DIR $dir)" >>"$work/$name.err"
      echo 99 >"$work/$name.rc"
      return
    fi
    dir=$work/src-$name
  fi
  SOCKLAB_GRADE_BUILD_S=20 timeout -s KILL 300 \
    bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$work/$name.pid" \
    "$sl" grade lab02 --dir "$dir" \
    --seed 1 --format gradescope --out "$out/$name.json" \
    2>"$work/$name.err" || rc=$?
  echo "$rc" >"$work/$name.rc"
}
export -f run_one
export sl top work out
# The fork bomb needs the programs' control group (pids.max, one CPU's
# weight for all of them): without one, 512 spinning processes leave a
# test's own process a 513th of the CPUs and each test takes ~25 s
# instead of ~1 (measured).  Where none can be made it runs on request.
hostile=$(ls "$top/tests/graders/hostile")
cpu_cgroup() { # v1's cpu hierarchy, or v2 with the cpu controller
  [ -w /sys/fs/cgroup/cpu ] || { [ -w /sys/fs/cgroup/cgroup.procs ] &&
    grep -qw cpu /sys/fs/cgroup/cgroup.controllers; }
}
if [ -z "${SANDBOX_FORK_BOMB:-}" ] && ! cpu_cgroup; then
  echo "# sandbox: fork-bomb skipped: no cgroup with a cpu controller here"
  hostile=$(echo "$hostile" | grep -vx fork-bomb)
fi
start=$(date +%s)
echo "$hostile" | xargs -P 8 -I{} bash -c 'run_one {}'
elapsed=$(($(date +%s) - start))

# The sum of the tests' KEY ("score" or "max_score") in a results.json.
points() {
  grep -o "\"$1\": [0-9.]*" "$2" | awk '{ s += $2 } END { printf "%g", s }'
}
n=0
for name in $hostile; do
  dir=$top/tests/graders/hostile/$name
  res=$out/$name.json
  rc=$(cat "$work/$name.rc")
  uid=$((0x40000000 + $(cat "$work/$name.pid")))
  [ "$rc" -le 1 ] || fail "$name: the grader exited with $rc (expected 0 or 1)
$(cat "$work/$name.err")"
  [ -f "$res" ] && [ ! -L "$res" ] || fail "$name: no results file (or a link)"
  [ "$(stat -c %u "$res")" = 0 ] || fail "$name: results.json is not root's"
  if command -v python3 >/dev/null; then
    python3 -m json.tool "$res" >/dev/null || fail "$name: results.json is not JSON"
  fi
  head -c 11 "$res" | grep -q '^{"output": ' || fail "$name: results.json starts badly"
  tail -c 4 "$res" | grep -q '}' || fail "$name: results.json is cut short"
  grep -q '"score": 1000' "$res" && fail "$name: the program wrote the results"
  while IFS= read -r want; do
    if [ "$want" = "= every point" ]; then # the tests' scores add up
      [ "$(points score "$res")" = "$(points max_score "$res")" ] ||
        fail "$name: $(points score "$res") of $(points max_score "$res") points:
$(cat "$res")"
      continue
    fi
    [ -z "$want" ] || grep -qF -- "$want" "$res" ||
      fail "$name: results.json does not say \"$want\":
$(cat "$res")"
  done <"$dir/REPORT"
  # Secrets: the reference solution's code, the hidden tests' sources.
  for secret in 'sl_reader_init(&r, fd);' 'static const struct gr_test tests[]'; do
    grep -qF -- "$secret" "$res" && fail "$name: results.json shows \"$secret\""
  done
  [ -z "$(ps -u "$uid" -o pid= 2>/dev/null)" ] ||
    fail "$name: processes of user $uid are left: $(ps -u "$uid" -o pid,cmd)"
  gpid=$(cat "$work/$name.pid") # its work tmpfs and control group are named so
  grep "^socklab-grade-$gpid " /proc/self/mounts &&
    fail "$name: its work directory is left mounted"
  ls -d /sys/fs/cgroup/socklab-grade-"$gpid" /sys/fs/cgroup/*/socklab-grade-"$gpid" 2>/dev/null &&
    fail "$name: its control group is left"
  left=$(find /tmp /var/tmp /dev/shm -xdev -user "$uid" 2>/dev/null | head -5)
  [ -z "$left" ] || fail "$name: files of user $uid are left: $left"
  ! grep -q "no control group" "$work/$name.err" || [ "$name" != fork-bomb ] ||
    fail "$name: the grader ran without a control group: $(cat "$work/$name.err")"
  n=$((n + 1))
done
ls "$out" | grep -qv '\.json$' && fail "files beside the results: $(ls "$out")"
[ "$(named_netns)" = "$netns_before" ] ||
  fail "network namespaces were left: $(ip netns list)"
# A bound, not a benchmark: on an idle machine they take about a minute;
# far beyond that, a fork bomb is outweighing the tests (no control group).
[ "$elapsed" -le 600 ] ||
  fail "timeout: the graders took $elapsed s (a fork bomb not confined?)"
echo "ok - sandbox: $n hostile submissions graded, each reported, results" \
  "intact, nothing left behind ($elapsed s)"
