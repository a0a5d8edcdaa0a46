# Sourced by hub.sh and hub_udp.sh (not a test of its own): the work
# directory, the PIDs to stop at exit, and the checks both run, given the
# SOCKLAB_LINK of each process.  $test_name names the test in messages;
# $udp, when set (HOST:PORT), is a hub's UDP port to ask questions at.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
sl="$top/build/bin/socklab"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "$test_name: $*"
  for f in "$work"/*.log; do
    [ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f"
  done
  exit 1
}

export SOCKLAB_STACK=user
head -c 1048576 /dev/urandom >"$work/blob"

# ask QUESTION: the answer of the hub at $udp, asked over UDP by a stranger
# (questions need no membership), or nothing after a second.
ask() {
  python3 - "${udp#*:}" "$1" <<'PY' 2>/dev/null || true
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.send(b"\x00" + sys.argv[2].encode())
print(s.recv(200)[1:].decode())
PY
}

# settle NAME: a moment for a process that just started to join (and, with
# $udp, until the hub knows its name) and listen.
settle() {
  if [ -n "${udp:-}" ]; then
    for _ in $(seq 50); do
      ask "RESOLVE $1" | grep -q '^ADDR ' && break
      sleep 0.1
    done
    ask "RESOLVE $1" | grep -q '^ADDR ' || fail "the hub never knew $1"
  fi
  sleep 0.3
}

# echo_test SERVER_LINK CLIENT_LINK LABEL: 1 MiB echoed identical, the
# client finding the server by its name.
echo_test() {
  local port=$((20000 + RANDOM % 10000))
  SOCKLAB_LINK="$1" SOCKLAB_HOSTNAME=server \
    timeout 90 "$sl" serve echo "$port" 1 >"$work/serve.log" 2>&1 &
  local srv=$!
  pids+=($srv)
  settle server
  SOCKLAB_LINK="$2" timeout 90 "$sl" connect --send-file "$work/blob" \
    --expect-bytes 1048576 server "$port" >"$work/back" 2>"$work/client.log" ||
    fail "$3: the echo client failed"
  cmp -s "$work/blob" "$work/back" || fail "$3: the echo is not identical"
  wait "$srv" || fail "$3: the server failed"
}

# killed_server SERVER_LINK CLIENT_LINK PORT: a server killed
# mid-transfer; the hub answers for it with a reset, as the kernel of a
# crashed process would, and the client hears of it.  The upload never
# ends (/dev/zero): a fixed size could all be sent before the kill, and
# then nothing would be tested.
killed_server() {
  SOCKLAB_LINK="$1" SOCKLAB_HOSTNAME=doomed "$sl" serve discard "$3" \
    >/dev/null 2>&1 &
  local srv=$!
  pids+=($srv)
  settle doomed
  SOCKLAB_LINK="$2" timeout 60 "$sl" connect \
    --send-file /dev/zero localhost "$3" >/dev/null 2>"$work/err" &
  local cli=$!
  pids+=($cli)
  sleep 0.3
  { kill -9 "$srv" && wait "$srv"; } 2>/dev/null || true
  if wait "$cli"; then fail "the client did not notice its peer died"; fi
  grep -Eq 'reset|Broken pipe' "$work/err" ||
    fail "killed peer: $(cat "$work/err")"
}

# killed_client SERVER_LINK CLIENT_LINK PORT: a client killed while the
# server only waits to read: nothing would ever tell the server, so the
# hub resets the connections the dead process had.
killed_client() {
  SOCKLAB_LINK="$1" timeout 60 "$sl" serve echo "$3" 1 >/dev/null 2>&1 &
  local srv=$!
  pids+=($srv)
  sleep 0.3
  # Its stdin: a FIFO this shell holds open, so it sends nothing and waits.
  rm -f "$work/quiet"
  mkfifo "$work/quiet"
  exec 3<>"$work/quiet"
  SOCKLAB_LINK="$2" SOCKLAB_HOSTNAME=doomed "$sl" connect localhost "$3" \
    <"$work/quiet" >/dev/null 2>&1 &
  local cli=$!
  pids+=($cli)
  settle doomed
  sleep 0.2
  { kill -9 "$cli" && wait "$cli"; } 2>/dev/null || true
  exec 3>&-
  for _ in $(seq 300); do kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$srv" 2>/dev/null && fail "the server never heard its client died"
  wait "$srv" 2>/dev/null || true
}
