#!/bin/bash
# berth under real callers: Podman 4.3 via conmon (podman.sh) and containerd
# 1.6 via its runc v2 shim (containerd.sh), each running the same scenario
# against runc (which proves the test right) and against berth, then a
# side-by-side table of the results.  Root; the last line is
# `N passed, N failed, N skipped` over all of it.
#
#   sudo bash tests/clients/run.sh                               # runc and build/berth
#   sudo OCI_RUNTIME=/usr/bin/runc bash tests/clients/run.sh     # one runtime: runc
#   sudo OCI_RUNTIME=$PWD/build-x/berth bash tests/clients/run.sh [podman|containerd]...
#
#   BERTH              the berth to compare with runc (default $top/build/berth)
#   REFERENCE_RUNTIME  the reference (default /usr/bin/runc)
#
# Every runtime call goes through tests/clients/runtime-wrapper.sh, which
# logs it and fails the run on any command line the runtime refuses.  The
# packages come from scripts/deps.sh --test.
set -uo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$dir/../.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: clients: needs root"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi

declare -a runtimes
if [ -n "${OCI_RUNTIME:-}" ]; then
  runtimes=("$OCI_RUNTIME")
else
  runtimes=("${REFERENCE_RUNTIME:-/usr/bin/runc}" "${BERTH:-$top/build/berth}")
fi
clients=("$@")
[ ${#clients[@]} -gt 0 ] || clients=(podman containerd)

BERTH_CLIENTS_CACHE=$(mktemp -d /tmp/berth-clients-cache.XXXXXX)
export BERTH_CLIENTS_CACHE
trap 'rm -rf "$BERTH_CLIENTS_CACHE"' EXIT
# The payload from the build of the berth under test when there is one.
for r in "${runtimes[@]}"; do
  if [ "$(basename "$r")" = berth ] && [ -z "${BERTH_BUILD_DIR:-}" ] && [ -x "$(dirname "$r")/tests/payload/payload" ]; then
    export BERTH_BUILD_DIR; BERTH_BUILD_DIR=$(dirname "$r")
  fi
done

start=$SECONDS
declare -A result=()     # result[RUNTIME-INDEX|STEP] = ok|FAIL|SKIP
declare -a steps=()      # in the order first seen
declare -A seen=()
passed=0 failed=0 skipped=0
for i in "${!runtimes[@]}"; do
  rt=${runtimes[$i]}
  for c in "${clients[@]}"; do
    echo "== $c with $rt ($("$rt" --version 2>/dev/null | head -1))"
    log=$BERTH_CLIENTS_CACHE/$i-$c.log t0=$SECONDS
    OCI_RUNTIME=$rt bash "$dir/$c.sh" 2>&1 | tee "$log"; rc=${PIPESTATUS[0]}
    echo "== $c with $(basename "$rt"): $((SECONDS - t0))s"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -1)
    if [ -z "$line" ]; then
      echo "FAIL - $c with $rt: no summary line (exit $rc)"; failed=$((failed + 1)); continue
    fi
    read -r p _ f _ s _ <<<"$line"
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1   # a crash after the summary still fails
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    while IFS= read -r l; do
      case $l in
        "ok - "*) st=ok step=${l#ok - } ;;
        "FAIL - "*) st=FAIL step=${l#FAIL - } ;;
        "SKIP: "*) st=SKIP step=${l#SKIP: }; step=${step%%: *} ;;
        *) continue ;;
      esac
      [ -n "${seen[$step]:-}" ] || { seen[$step]=1; steps+=("$step"); }
      result[$i|$step]=$st
    done < "$log"
  done
done

echo
echo "== side by side ($((SECONDS - start))s)"
w=0
for s in "${steps[@]}"; do [ ${#s} -gt $w ] && w=${#s}; done
printf "%-${w}s" step
for r in "${runtimes[@]}"; do printf '  %-6s' "$(basename "$r")"; done
echo
for s in "${steps[@]}"; do
  printf "%-${w}s" "$s"
  for i in "${!runtimes[@]}"; do printf '  %-6s' "${result[$i|$s]:--}"; done
  echo
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
