#!/bin/sh
# Builds socklab's packetdrill adapter and its driver if needed, then runs
# the driver, which plays packetdrill's part against the adapter.
# SOCKLAB_PD_SO / SOCKLAB_PD_DRIVER name prebuilt files (make SANITIZE=1).
set -u
cd "$(dirname "$0")/../.." || exit 1

so=${SOCKLAB_PD_SO:-build/libsocklab-packetdrill.so}
driver=${SOCKLAB_PD_DRIVER:-build/tests/packetdrill-driver}

if [ -z "${SOCKLAB_PD_SO:-}" ]; then
  if ! make --no-print-directory -s \
      "$so" "$driver" >&2; then
    echo "not ok - packetdrill adapter: build failed"
    exit 1
  fi
fi

log=$(mktemp "${TMPDIR:-/tmp}/socklab-pd.XXXXXX") || exit 1
"$driver" "$so" >"$log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
  n=$(grep -c '^  ok' "$log")
  echo "ok - packetdrill adapter ($n checks: handshake, blocking accept/read, data, FIN, UDP, virtual time)"
  rm -f "$log"
  exit 0
fi
cat "$log"
echo "not ok - packetdrill adapter: driver exited with $rc"
rm -f "$log"
exit 1
