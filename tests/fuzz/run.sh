#!/bin/bash
# Builds the libFuzzer target with clang (ASan+UBSan, leak checks on) and
# runs it for a bounded time over a corpus seeded with every fixture config.
# usage: run.sh SECONDS
set -uo pipefail
secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
dir=$top/build-fuzz
if [ ! -f "$dir/build.ninja" ]; then
  CXX=clang++ meson setup "$dir" "$top" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debugoptimized >/dev/null || { check build false; finish; exit; }
fi
if ! ninja -C "$dir" tests/spec-fuzz >/dev/null; then
  ninja -C "$dir" tests/spec-fuzz | tail -20
  check build false; finish; exit
fi
corpus=$(mktemp -d /tmp/berth-fuzz.XXXXXX)
trap 'rm -rf "$corpus"' EXIT
find "$top/tests/fixtures" -name '*.json' -exec cp {} "$corpus/" \;
t_fuzz() {
  UBSAN_OPTIONS=halt_on_error=1 "$dir/tests/spec-fuzz" -max_total_time="$secs" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 "$corpus" 2>&1 | tail -n 25
  return "${PIPESTATUS[0]}"
}
check "fuzz spec parser ${secs}s (no crash, leak, hang)" t_fuzz
finish
