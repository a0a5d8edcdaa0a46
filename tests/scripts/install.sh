#!/usr/bin/env bash
# `make install` into a scratch prefix, then build an outside program with
# nothing but the pkg-config line the README gives.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A plain build, whatever options the calling make had (SANITIZE=1 ...).
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$top" SANITIZE=0 \
  BUILD="$top/build" install PREFIX="$work/prefix" >/dev/null
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
cat >"$work/outside.c" <<'C'
#include <socklab.h>
#include <stdio.h>
#include <string.h>
int
main(void)
{
  int fd = sl_tcp_listen("127.0.0.1", "0", 1);
  if (fd < 0 || strcmp(sl_version(), SL_VERSION_STRING) != 0)
    return 1;
  printf("listening on port %d with socklab %s\n", sl_local_port(fd),
         sl_version());
  return sl_close(fd) == 0 ? 0 : 1;
}
C
cc -std=c11 "$work/outside.c" $(pkg-config --cflags --libs socklab) \
  -o "$work/outside"
"$work/outside" | grep -q '^listening on port [0-9]* with socklab ' ||
  { echo "install: the outside program failed"; exit 1; }
"$work/prefix/bin/socklab" --version | grep -q '^socklab ' ||
  { echo "install: socklab --version failed"; exit 1; }
echo "ok - make install + pkg-config builds an outside program"
