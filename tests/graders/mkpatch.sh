#!/usr/bin/env bash
# Writes tests/graders/LAB/BUG/bug.patch, a deliberately buggy solution
# stored as its difference from the reference solution solutions/LAB/.
#
#   tests/graders/mkpatch.sh LAB BUG DIR [OUT]
#
# (OUT: another directory for bug.patch, as tests/graders/hostile/NAME,
# whose submissions are lab02's solution patched too.)
# LAB is the lab's directory (lab02-tcp-echo), BUG the variant's name
# (busy-loop), DIR a copy of solutions/LAB/ with the bug put in.  The
# patch is `diff -ruN a b` with a the solution and b DIR, without
# timestamps, so its paths are a/FILE and b/FILE: tests/scripts/graders.sh
# applies it with `patch -p1` in a copy of solutions/LAB/.  Build outputs
# (what the Makefile's `clean` removes, *.o, build/) and BUG, EXPECT and
# bug.patch are left out.  BUG (what the bug is) and EXPECT (the test ids
# it must lose) are written by hand next to bug.patch.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
die() {
  echo "mkpatch: $*" >&2
  exit 1
}

[ $# -eq 3 ] || [ $# -eq 4 ] || die "usage: tests/graders/mkpatch.sh LAB BUG DIR [OUT]"
lab=$1 bug=$2 src=$3
sol=$top/solutions/$lab
out=${4:-$top/tests/graders/$lab/$bug}
[ -d "$sol" ] || die "no solution solutions/$lab/"
[ -d "$src" ] || die "no directory $src"
case $bug in
'' | */* | .*) die "BUG must be a plain name, not '$bug'" ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R "$sol" "$tmp/a"
cp -R "$src" "$tmp/b"
for d in a b; do
  make -s -C "$tmp/$d" clean >/dev/null 2>&1 || true
done
# diff exits 1 when the trees differ, 2 on trouble.
st=0
(cd "$tmp" && diff -ruN -x BUG -x EXPECT -x bug.patch -x '*.o' -x build a b) \
  >"$tmp/diff" || st=$?
[ "$st" -le 1 ] || die "diff failed"
[ -s "$tmp/diff" ] || die "$src is the same as solutions/$lab/: no bug"
! grep -q '^Binary files ' "$tmp/diff" ||
  die "binary files differ (build outputs?): $(grep '^Binary files ' "$tmp/diff")"
sed -E -e 's/^((---|\+\+\+) [^\t]*)\t.*/\1/' \
  -e 's/^diff -ruN (-x [^ ]+ )*a\//diff -ruN a\//' "$tmp/diff" >"$tmp/bug.patch"

# The patch must give DIR back from a fresh copy of the solution.
cp -R "$tmp/a" "$tmp/c"
patch -d "$tmp/c" -p1 --batch --silent --fuzz=0 <"$tmp/bug.patch" ||
  die "the patch does not apply to solutions/$lab/"
diff -r -x BUG -x EXPECT -x bug.patch -x '*.o' -x build "$tmp/b" "$tmp/c" >/dev/null ||
  die "the patched solution differs from $src"

mkdir -p "$out"
cp "$tmp/bug.patch" "$out/bug.patch"
echo "wrote ${out#"$top"/}/bug.patch ($(grep -c '^+++ ' "$out/bug.patch") files)"
[ $# -eq 4 ] || for f in BUG EXPECT; do
  [ -f "$out/$f" ] || echo "mkpatch: now write ${out#"$top"/}/$f" >&2
done
