#!/bin/bash
# Runs every integration test file (tests/integration/*.sh but common.sh and
# this one) and sums their `N passed, N failed, N skipped` lines into one,
# the last line of output.  Exits non-zero when anything failed.
#
#   sudo OCI_RUNTIME=/usr/bin/runc bash tests/integration/run.sh   # against runc
#   sudo bash tests/integration/run.sh [FILE...]                   # against build/berth
#
# One rootfs and helper cache is shared by the files of a run.
set -uo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$dir/../.." && pwd)
export OCI_RUNTIME=${OCI_RUNTIME:-$top/build/berth}

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  for f in "$dir"/*.sh; do
    case $(basename "$f") in common.sh|run.sh) ;; *) files+=("$f") ;; esac
  done
fi

BERTH_IT_CACHE=$(mktemp -d /tmp/berth-it-cache.XXXXXX)
export BERTH_IT_CACHE
trap 'rm -rf "$BERTH_IT_CACHE"' EXIT

echo "runtime: $OCI_RUNTIME ($("$OCI_RUNTIME" --version 2>/dev/null | head -1))"
passed=0 failed=0 skipped=0 start=$SECONDS
for f in "${files[@]}"; do
  echo "== $(basename "$f" .sh)"
  bash "$f" 2>&1 | tee "$BERTH_IT_CACHE/log"; rc=${PIPESTATUS[0]}
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$BERTH_IT_CACHE/log" | tail -1)
  if [ -z "$line" ]; then
    echo "FAIL - $(basename "$f"): no summary line (exit $rc)"
    failed=$((failed + 1)); continue
  fi
  read -r p _ f_ _ s _ <<<"$line"
  [ "$rc" -ne 0 ] && [ "$f_" -eq 0 ] && f_=1   # a crash after the summary still fails
  passed=$((passed + p)); failed=$((failed + f_)); skipped=$((skipped + s))
done
echo "== integration: $((SECONDS - start))s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
