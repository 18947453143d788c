# Shared helpers for berth's shell test scripts.  Each script sources this,
# calls `check NAME CMD...` / `skip NAME REASON`, and ends with `finish`,
# which prints `N passed, N failed, N skipped` and exits non-zero on failure.
pass=0 fail=0 skip=0
check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then
    pass=$((pass + 1)); echo "ok - $name"
  else
    fail=$((fail + 1)); echo "FAIL - $name"
    [ -n "$out" ] && sed 's/^/    /' <<<"$out" | head -20
  fi
}
skip() { skip=$((skip + 1)); echo "SKIP: $1: $2"; }
finish() {
  echo "$pass passed, $fail failed, $skip skipped"
  [ "$fail" -eq 0 ]
}
