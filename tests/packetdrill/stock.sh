#!/bin/sh
# Runs packetdrill scripts through socklab's adapter with stock packetdrill
# (github.com/google/packetdrill, its --so_filename mode): the scripts under
# tests/packetdrill/scripts/, or the scripts and directories named as
# arguments.  One line per failing script, then "N passed, M failed";
# exits 1 when any failed.  See tests/packetdrill/README.md.
#
#   PACKETDRILL_SRC=DIR tests/packetdrill/stock.sh [--mss-only] [PATH ...]
#
# PACKETDRILL_SRC is the top of a packetdrill checkout where packetdrill
# has been built (gtests/net/packetdrill/packetdrill); PACKETDRILL may name
# the binary instead.  Without PACKETDRILL_SRC the script skips (exit 0).
# PD_TIMEOUT: seconds of real time a script may take (default 30).
# --mss-only: expect no TCP option but MSS from socklab where a script
# expects Linux's (window scale, SACK, timestamps); for Linux's own scripts.
set -u
cd "$(dirname "$0")/../.." || exit 1

if [ -z "${PACKETDRILL_SRC:-}" ]; then
  echo "skip: PACKETDRILL_SRC not set (the top of a packetdrill checkout" \
    "with packetdrill built); see tests/packetdrill/README.md"
  exit 0
fi

mss_only=0
if [ "${1:-}" = "--mss-only" ]; then
  mss_only=1
  shift
fi

pd=${PACKETDRILL:-$PACKETDRILL_SRC/gtests/net/packetdrill/packetdrill}
if [ ! -x "$pd" ]; then
  echo "not ok - stock packetdrill: no packetdrill binary at $pd; build" \
    "packetdrill in PACKETDRILL_SRC as its README says, or name the" \
    "binary with PACKETDRILL"
  exit 1
fi
pd=$(cd "$(dirname "$pd")" && pwd)/$(basename "$pd")

so=${SOCKLAB_PD_SO:-build/libsocklab-packetdrill.so}
if [ -z "${SOCKLAB_PD_SO:-}" ] &&
  ! make --no-print-directory -s "$so" >&2; then
  echo "not ok - stock packetdrill: the adapter did not build"
  exit 1
fi
so=$(cd "$(dirname "$so")" && pwd)/$(basename "$so")

work=$(pwd)/build/packetdrill
logs=$work/logs
rm -rf "$logs" "$work/mss-only"
mkdir -p "$logs" "$work/mss-only" "$work/no-kernel" || exit 1

# Scripts configure the kernel under test (sysctl, tc, ip; nstat reads its
# counters).  Here the stack under test is socklab's, configured by the
# flags below, so those commands do nothing: they must neither fail the
# script nor change this machine.
for c in sysctl tc ip ethtool nstat; do
  printf '#!/bin/sh\n# stock.sh: the kernel is not under test\nexit 0\n' \
    >"$work/no-kernel/$c"
  chmod +x "$work/no-kernel/$c"
done
# As root, a script's own writes to /proc/sys/net (set_sysctls.py) would
# still reach this machine: each run gets a network namespace of its own.
isolate=""
if [ "$(id -u)" -eq 0 ]; then
  if unshare --net true 2>/dev/null; then
    isolate="unshare --net"
  else
    echo "# warning: unshare --net failed; a script's writes to" \
      "/proc/sys/net reach this machine" >&2
  fi
fi

# Linux's option lists in outbound packets, cut down to MSS ("..." kept):
# "<mss 1460,nop,wscale 8>" becomes "<mss 1460>", "<nop,nop,TS val 1 ecr
# 2>" disappears.  Inbound packets keep theirs (socklab skips them), but
# with no window scale in socklab's SYN nobody scales (RFC 7323 2.2), so
# an inbound window the script meant scaled by its SYN's "wscale W" is
# given in bytes: win N becomes N << W, at most 65535.
mss_only_copy() {
  awk '
    # An inbound packet: its time, then "<".
    $2 == "<" {
      if ($3 ~ /S/) {
        shift = 0
        if (match($0, /wscale [0-9]+/))
          shift = substr($0, RSTART + 7, RLENGTH - 7) + 0
      } else if (shift > 0 && match($0, /win [0-9]+/)) {
        w = substr($0, RSTART + 4, RLENGTH - 4) * 2 ^ shift
        if (w > 65535)
          w = 65535
        $0 = substr($0, 1, RSTART - 1) "win " w substr($0, RSTART + RLENGTH)
      }
      print
      next
    }
    function keep_mss(opts,   n, a, i, item, out) {
      n = split(opts, a, ",")
      out = ""
      for (i = 1; i <= n; i++) {
        item = a[i]
        gsub(/^[ \t]+|[ \t]+$/, "", item)
        if (item ~ /^mss[ \t]/ || item == "...")
          out = out (out == "" ? "" : ",") item
      }
      return out
    }
    # An outbound packet: its time, then ">".
    $2 == ">" {
      code = $0
      comment = ""
      if ((c = index(code, "//")) > 0) {
        comment = " " substr(code, c)
        code = substr(code, 1, c - 1)
      }
      if (match(code, /<[^<>]*>[ \t]*$/)) {
        opts = substr(code, RSTART + 1, RLENGTH - 1)
        sub(/>[ \t]*$/, "", opts)
        kept = keep_mss(opts)
        code = substr(code, 1, RSTART - 1)
        sub(/[ \t]+$/, "", code)
        if (kept != "")
          code = code " <" kept ">"
      }
      print code comment
      next
    }
    { print }
  ' "$1"
}

# The scripts: the arguments (directories searched), or socklab's own.
list=$work/scripts.txt
: >"$list"
[ $# -eq 0 ] && set -- tests/packetdrill/scripts
for a in "$@"; do
  if [ -d "$a" ]; then
    find "$a" -name '*.pkt' -type f | sort >>"$list"
  elif [ -f "$a" ]; then
    echo "$a" >>"$list"
  else
    echo "not ok - stock packetdrill: no script or directory $a"
    exit 1
  fi
done

timeout_s=${PD_TIMEOUT:-30}
flags="local_ip=192.168.0.1,remote_ip=192.0.2.1"
passed=0
failed=0
while IFS= read -r script; do
  dir=$(cd "$(dirname "$script")" && pwd)
  name=$(basename "$script")
  log=$logs/$(echo "$script" | sed 's|^\./||; s|/|_|g').log
  run=$dir/$name
  if [ "$mss_only" -eq 1 ]; then
    run=$work/mss-only/$(basename "$log" .log)
    mss_only_copy "$dir/$name" >"$run"
  fi
  # From the script's directory: its init commands name files relative
  # to it (../common/defaults.sh).
  (cd "$dir" && PATH="$work/no-kernel:$PATH" $isolate \
    timeout -k 5 "$timeout_s" "$pd" --so_filename="$so" --so_flags="$flags" \
    --local_ip=192.168.0.1 --remote_ip=192.0.2.1 "$run") \
    </dev/null >"$log" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    continue
  fi
  failed=$((failed + 1))
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    why="timeout: still running after $timeout_s s of real time, killed"
  else
    # packetdrill's own verdict names the script and the line.
    why=$(grep -m1 "^[^ ]*\.pkt:" "$log" | sed "s|^[^ ]*\.pkt:|line |")
    [ -n "$why" ] || why="exit $rc: $(grep -v '^$' "$log" | tail -n 1)"
    # The adapter's "nothing more" reaches packetdrill as an empty packet.
    if grep -q "will send nothing more" "$log"; then
      why="$why (the adapter: the stack will send nothing more)"
    fi
  fi
  echo "not ok $script: $why"
done <"$list"

echo "$passed passed, $failed failed (logs in build/packetdrill/logs/)"
[ "$failed" -eq 0 ]
