#!/bin/bash
# Installs the Debian 12 packages berth needs to build and test.  Idempotent:
# apt-get runs only when something is missing.
set -euo pipefail

build_pkgs=(meson ninja-build g++ pkg-config libseccomp-dev libcap-dev nlohmann-json3-dev
            catch2 go-md2man)
# Tests: the container rootfs (busybox-static), man rendering, the fuzzer
# (clang with its libFuzzer/ASan runtime).  The cgroup v2 guest's QEMU,
# cpio and kernel are installed by tests/vm/setup.sh when that suite runs,
# so that a host where they cannot be had skips it instead of failing here.
# uidmap: newuidmap/newgidmap for the rootless tests' multi-range mappings.
test_pkgs=(busybox-static man-db clang libclang-rt-14-dev jq uidmap)
# tests/clients: Podman with conmon and the CNI plugins (its bridge network
# test), containerd with its runc v2 shim, runc as the reference runtime,
# iproute2 for `ip`.  The tests use no system service of these packages:
# they start a containerd of their own and stop it.  crun: bench/run.sh
# measures berth beside it.
test_pkgs+=(podman conmon containernetworking-plugins containerd runc iproute2 crun)

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
