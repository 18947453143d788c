#!/bin/bash
# The whole test suite, from a fresh Debian 12 machine (as root): installs
# what the tests need, builds, and runs every suite.  .ci/run calls exactly
# this.  Ends with `total: N passed, N failed, N skipped`.
#
# Suites: unit (Catch2), unit again under ASan+UBSan, CLI black-box tests,
# integration tests on real containers (tests/integration, runtime-agnostic:
# OCI_RUNTIME=/usr/bin/runc bash tests/integration/run.sh checks the tests
# themselves), Podman and containerd driving runc and berth (tests/clients),
# cgroup v2 checks in a QEMU guest (tests/vm), man page rendering, and a
# bounded libFuzzer run of the parser; bench/run.sh in quick mode (it must
# run; its timings are not asserted).
# FUZZ_SECONDS (default 60) bounds the fuzzer.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/scripts/deps.sh" --test || { echo "deps: install failed"; echo "total: 0 passed, 1 failed, 0 skipped"; exit 1; }

passed=0 failed=0 skipped=0
declare -a summary
add() {  # add SUITE PASSED FAILED SKIPPED
  passed=$((passed + $2)); failed=$((failed + $3)); skipped=$((skipped + $4))
  summary+=("$(printf '%-22s %4d passed, %d failed, %d skipped' "$1" "$2" "$3" "$4")")
}
# Counts from a suite's `N passed, N failed[, N skipped]` line.
add_from_output() {
  local suite=$1 out=$2 rc=$3 line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)
  if [ -z "$line" ]; then add "$suite" 0 1 0; return; fi
  local p f s
  p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line"); s=${s:-0}
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1   # a crash after the summary still fails
  add "$suite" "$p" "$f" "$s"
}
# Catch2 v2 prints "All tests passed (A assertions in N test cases)" or
# "test cases: N | P passed | F failed".
run_catch() {
  local suite=$1; shift
  local out rc p f
  out=$("$@" 2>&1); rc=$?
  echo "$out" | tail -n 40
  if grep -qE '^All tests passed' <<<"$out"; then
    p=$(grep -E '^All tests passed' <<<"$out" | sed -E 's/.* in ([0-9]+) test case.*/\1/'); f=0
  else
    p=$(grep -E '^test cases:' <<<"$out" | sed -nE 's/.*\| *([0-9]+) passed.*/\1/p'); p=${p:-0}
    f=$(grep -E '^test cases:' <<<"$out" | sed -nE 's/.*\| *([0-9]+) failed.*/\1/p'); f=${f:-1}
  fi
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  add "$suite" "$p" "$f" 0
}

echo "== build"
if ! BUILD_DIR=$top/build "$top/scripts/build.sh"; then
  ninja -C "$top/build" 2>&1 | tail -40
  echo "total: 0 passed, 1 failed, 0 skipped"; exit 1
fi

echo "== unit"
run_catch unit "$top/build/tests/berth-unit"

echo "== unit (ASan+UBSan)"
if BUILD_DIR=$top/build-asan "$top/scripts/build.sh" -Db_sanitize=address,undefined -Db_lundef=false \
     -Dbuildtype=debug; then
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    run_catch unit-asan "$top/build-asan/tests/berth-unit"
else
  ninja -C "$top/build-asan" 2>&1 | tail -20; add unit-asan 0 1 0
fi

echo "== cli"
out=$(bash "$top/tests/cli/run.sh" "$top/build/berth" 2>&1); rc=$?
echo "$out"; add_from_output cli "$out" $rc

echo "== integration (real containers, as root)"
out=$(OCI_RUNTIME=$top/build/berth bash "$top/tests/integration/run.sh" 2>&1); rc=$?
echo "$out" | grep -vE '^ok - ' | tail -n 40; add_from_output integration "$out" $rc

# Real callers: Podman via conmon and containerd via its runc v2 shim, the
# same scenario with runc (which proves the test) and with berth, side by side.
echo "== clients (Podman, containerd; runc and berth)"
out=$(BERTH=$top/build/berth BERTH_BUILD_DIR=$top/build bash "$top/tests/clients/run.sh" 2>&1); rc=$?
echo "$out" | grep -vE '^ok - ' | tail -n 150; add_from_output clients "$out" $rc

# Pure cgroup v2 in a QEMU guest (TCG): the hosts this runs on are hybrid.
# tests/vm/setup.sh installs QEMU and fetches a Debian kernel on first use;
# when that is impossible the suite is one SKIP, not a failure.
echo "== vm-cgroup2 (pure cgroup v2 guest)"
out=$(BUILD_DIR=$top/build bash "$top/tests/vm/run.sh" 2>&1); rc=$?
echo "$out" | grep -vE '^ok - ' | tail -n 40; add_from_output vm-cgroup2 "$out" $rc

# The systemd cgroup driver in a guest whose PID 1 is systemd (the hosts
# this runs on do not boot with systemd); same kernel, same SKIP rule.
echo "== vm-systemd (systemd cgroup driver, systemd as the guest's PID 1)"
out=$(BUILD_DIR=$top/build bash "$top/tests/vm/run-systemd.sh" 2>&1); rc=$?
echo "$out" | grep -vE '^ok - ' | tail -n 40; add_from_output vm-systemd "$out" $rc

# Benchmarks are never timed tests: the quick mode only has to run through
# (every runtime measured, nothing left behind); its numbers are printed.
echo "== bench (quick mode: it must run; no timing is asserted)"
bench_json=$(mktemp /tmp/berth-bench-ci.XXXXXX.json)
out=$(BERTH=$top/build/berth BENCH_N=5 bash "$top/bench/run.sh" "$bench_json" 2>&1); rc=$?
echo "$out" | tail -n 45
if [ "$rc" = 0 ] && jq -e '.benchmarks[0].rows.berth.median > 0' "$bench_json" >/dev/null 2>&1; then
  add bench 1 0 0
else
  echo "FAIL - bench/run.sh exit $rc"; add bench 0 1 0
fi
rm -f "$bench_json"

echo "== man"
out=$(bash "$top/tests/man/render.sh" "$top/build" 2>&1); rc=$?
echo "$out" | tail -n 5; add_from_output man "$out" $rc

echo "== fuzz (config parser, ${FUZZ_SECONDS:-60}s)"
out=$(bash "$top/tests/fuzz/run.sh" "${FUZZ_SECONDS:-60}" 2>&1); rc=$?
echo "$out" | tail -n 15; add_from_output fuzz "$out" $rc

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
echo "total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
