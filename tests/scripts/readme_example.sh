#!/usr/bin/env bash
# Compiles and runs the first example of README.md exactly as printed, so
# the README never shows a program that does not work.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sed -n '/<!-- example:hello.c -->/,/<!-- end example -->/p' \
  "$top/README.md" | sed '1,2d;$d' | sed '$d' >"$work/hello.c"
[ -s "$work/hello.c" ] || { echo "readme_example: no example found"; exit 1; }
# make test passes the library it built (a sanitizer build has its own).
lib=${SOCKLAB_LIB:-$top/build/libsocklab.a}
cc -std=c11 -Wall -Wextra -Werror "$work/hello.c" -I"$top/lib/include" \
  "$lib" ${SOCKLAB_LDFLAGS:-} -lpthread -o "$work/hello"
out=$("$work/hello")
echo "$out" | grep -Eq '^server 127\.0\.0\.1:[0-9]+ got hello, server$' ||
  { echo "readme_example: unexpected output:"; echo "$out"; exit 1; }
echo "$out" | grep -Eq '^from client 127\.0\.0\.1:[0-9]+$' ||
  { echo "readme_example: unexpected output:"; echo "$out"; exit 1; }
# The same program on socklab's own stack, through a hub of its own: the
# same lines, with addresses on the hub's network.
out=$(SOCKLAB_STACK=user SOCKLAB_LINK="hub:$work/hub.sock" \
      SOCKLAB_HUB_IDLE_S=1 SOCKLAB_TRACE="$work/trace.jsonl" "$work/hello")
echo "$out" | grep -Eq '^server 10\.77\.[0-9.]+:[0-9]+ got hello, server$' ||
  { echo "readme_example (user stack): unexpected output:"; echo "$out"; exit 1; }
echo "$out" | grep -Eq '^from client 10\.77\.[0-9.]+:[0-9]+$' ||
  { echo "readme_example (user stack): unexpected output:"; echo "$out"; exit 1; }
# SOCKLAB_TRACE: the server's side in the file, the forked client's in
# FILE.PID of its own.
grep -q '"from":"CLOSED","to":"LISTEN","cause":"listen()"' "$work/trace.jsonl" ||
  { echo "readme_example: SOCKLAB_TRACE has no listen()"; exit 1; }
grep -q '"from":"SYN-SENT","to":"ESTABLISHED"' "$work"/trace.jsonl.* ||
  { echo "readme_example: the client's trace has no handshake"; exit 1; }
# The hub it started exits once idle; wait for that, as we started it.
for _ in $(seq 50); do [ -S "$work/hub.sock" ] || break; sleep 0.1; done
[ -S "$work/hub.sock" ] && { echo "readme_example: the hub did not exit"; exit 1; }
echo "ok - README example compiles and runs as printed, on both stacks"
