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

# cgroup_dirs_of_self [--with-roots]: the directory of this process's own
# cgroup in each mounted hierarchy (v1 by controller list, cgroup2 by its
# "0::" line), one a line; --with-roots adds each hierarchy's mount point.
cgroup_dirs_of_self() {
  local hid ctrls path root mnt fstype opts c ok rel
  while IFS=: read -r hid ctrls path; do
    while read -r root mnt fstype opts; do
      if [ -z "$ctrls" ]; then
        [ "$fstype" = cgroup2 ] || continue
      else
        [ "$fstype" = cgroup ] || continue
        ok=1
        for c in ${ctrls//,/ }; do [[ ",$opts," == *",$c,"* ]] || ok=0; done
        [ $ok = 1 ] || continue
      fi
      rel=$path; [ "$root" = / ] || rel=${path#"$root"}
      [ "${1:-}" = --with-roots ] && echo "$mnt"
      echo "${mnt%/}${rel%/}"
    done < <(awk '{ for (i = 7; $i != "-"; i++); print $4, $5, $(i+1), $(i+3) }' /proc/self/mountinfo)
  done < /proc/self/cgroup | sort -u
}
