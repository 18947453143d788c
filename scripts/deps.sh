#!/bin/bash
# Installs the Debian 12 packages berth needs to build and test.  Idempotent:
# apt-get runs only when something is missing.
set -euo pipefail

build_pkgs=(meson ninja-build g++ pkg-config libseccomp-dev libcap-dev nlohmann-json3-dev
            libmount-dev catch2 go-md2man)
# Tests: the container rootfs (busybox-static), man rendering, the fuzzer
# (clang with its libFuzzer/ASan runtime).
test_pkgs=(busybox-static man-db clang libclang-rt-14-dev jq)

want=("${build_pkgs[@]}")
[ "${1:-}" = --test ] && want+=("${test_pkgs[@]}")
[ "${1:-}" = --demo ] && want+=(busybox-static)

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
