#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built:
# it installs a compiler and builds socklab from the sources in the zip.
# (AUTOGRADER moves /autograder, for trying this outside Gradescope.)
set -euo pipefail
ag=${AUTOGRADER:-/autograder}
if ! command -v cc >/dev/null || ! command -v make >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y build-essential
fi
rm -rf "$ag/socklab"
mkdir -p "$ag/socklab"
tar -xzf "$ag/source/socklab.tar.gz" -C "$ag/socklab"
make -C "$ag/socklab" -j"$(nproc)" all
