# Sourced by every tests/integration/*.sh after tests/lib.sh: the runtime
# under test, a private state root, bundles, container ids, and a cleanup that
# turns anything left behind into a failed check.
#
# Runtime-agnostic by design: OCI_RUNTIME=/usr/bin/runc runs the same tests
# against runc, which is how a test is known to be right.  The default is the
# berth built in $top/build.
#
#   OCI_RUNTIME       runtime binary            (default $top/build/berth)
#   BERTH_BUILD_DIR   where payload/recvtty are  (default: the build dir of
#                     OCI_RUNTIME when it is one, else $top/build; compiled
#                     with cc into the cache when absent there)
#   BERTH_IT_CACHE    rootfs + helpers cache shared by one run (run.sh sets it)
#
# Checks run in subshells (lib.sh's `check` uses $(...)), so everything that
# must outlive one lives on disk under $T: the ids in $T/ids, the bundles.
#
# Cgroups: bundles get a RELATIVE linux.cgroupsPath "berth-test/<id>", so the
# runtime creates them beneath its own cgroup (on this kind of host the memory
# hierarchy's own cgroup belongs to the machine's owner; that is the only
# place tests may create cgroups).  Nothing here writes to any cgroup.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OCI_RUNTIME=${OCI_RUNTIME:-$top/build/berth}
# A berth built elsewhere (BUILD_DIR=build-x) comes with its own payload,
# which may know commands the one in build/ does not yet.
if [ -z "${BERTH_BUILD_DIR:-}" ] && [ -x "$(dirname "$OCI_RUNTIME")/tests/payload/payload" ]; then
  BERTH_BUILD_DIR=$(dirname "$OCI_RUNTIME")
fi
BERTH_BUILD_DIR=${BERTH_BUILD_DIR:-$top/build}
IT_DIR=$top/tests/integration

# Spec behaviour that runc gets wrong is asserted only against berth.
is_berth() { [ "$(basename "$OCI_RUNTIME")" = berth ]; }

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
for tool in jq timeout cc; do
  command -v "$tool" >/dev/null || { echo "FAIL - missing tool: $tool"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
done

exec </dev/null                    # no container may read the caller's terminal
T=$(mktemp -d /tmp/berth-it.XXXXXX)
ROOT=$T/root                       # the runtime's --root
mkdir -p "$ROOT" "$T/bundles" "$T/io"
: > "$T/ids"
CACHE=${BERTH_IT_CACHE:-$T/cache}
# No runtime call may hang a run: each gets RT_TIMEOUT seconds, and after
# RT_MAX_TIMEOUTS of them the runtime is not called again in this file (the
# calls fail at once), so a hanging runtime fails fast instead of slowly.
RT_TIMEOUT=${RT_TIMEOUT:-10}
RT_MAX_TIMEOUTS=${RT_MAX_TIMEOUTS:-3}

# ---- helpers: payload, recvtty, rootfs ---------------------------------------

# The meson-built helpers, or (before tests/meson.build has them, on a
# machine without the build, or when the build is older than the source and
# may lack a command a test uses) the same sources compiled into the cache.
_it_helper() {
  local name=$1 built=$BERTH_BUILD_DIR/tests/payload/$1
  if [ -x "$built" ] && [ ! "$IT_DIR/../payload/$name.c" -nt "$built" ]; then echo "$built"; return; fi
  local out=$CACHE/bin/$name
  if [ ! -x "$out" ]; then
    mkdir -p "$CACHE/bin"
    local flags=(-O2 -Wall)
    [ "$name" = payload ] && flags+=(-static)
    cc "${flags[@]}" -o "$out.tmp.$$" "$IT_DIR/../payload/$name.c" && mv "$out.tmp.$$" "$out" || return 1
  fi
  echo "$out"
}
mkdir -p "$CACHE"
PAYLOAD=$(_it_helper payload) && RECVTTY=$(_it_helper recvtty) || {
  echo "FAIL - cannot build tests/payload helpers"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# One busybox rootfs per run, with the payload at /payload; bundles copy it.
if [ ! -x "$CACHE/rootfs/payload" ]; then
  rm -rf "$CACHE/rootfs.tmp.$$"
  bash "$top/scripts/make-rootfs.sh" "$CACHE/rootfs.tmp.$$" >/dev/null &&
    install -m 0755 "$PAYLOAD" "$CACHE/rootfs.tmp.$$/payload" &&
    mv -T "$CACHE/rootfs.tmp.$$" "$CACHE/rootfs" 2>/dev/null
  rm -rf "$CACHE/rootfs.tmp.$$"
  [ -x "$CACHE/rootfs/payload" ] || { echo "FAIL - cannot build rootfs"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
fi

# ---- runtime, ids, bundles ---------------------------------------------------

# runtime ARGS...: the runtime under test with the private --root.
runtime() {
  if [ -s "$T/timeouts" ] && [ "$(wc -l < "$T/timeouts")" -ge "$RT_MAX_TIMEOUTS" ]; then
    echo "runtime: not called after $RT_MAX_TIMEOUTS timeouts: $*" >&2; return 124
  fi
  local rc=0
  timeout -k 5 "$RT_TIMEOUT" "$OCI_RUNTIME" --root "$ROOT" "$@" || rc=$?
  if [ $rc = 124 ]; then
    echo "$*" >> "$T/timeouts"; echo "runtime: timed out after ${RT_TIMEOUT}s: $*" >&2
  fi
  return $rc
}

# cid NAME: a fresh container id NAME-$$-N, recorded for cleanup.
cid() {
  local n; n=$(( $(wc -l < "$T/ids") + 1 ))
  echo "$1-$$-$n" >> "$T/ids"
  echo "$1-$$-$n"
}

# new_bundle ID [--shared-rootfs]: a bundle dir for container ID (printed).
# Its own rootfs copy, or with --shared-rootfs an absolute root.path to the
# cached rootfs (cheap, read-mostly: many containers at once).
new_bundle() {
  local id=$1 b=$T/bundles/$1
  mkdir -p "$b" || return 1
  if [ "${2:-}" = --shared-rootfs ]; then
    jq --arg id "$id" --arg root "$CACHE/rootfs" \
      '.linux.cgroupsPath = "berth-test/" + $id | .root.path = $root' "$IT_DIR/config.json" > "$b/config.json"
  else
    cp -a "$CACHE/rootfs" "$b/rootfs" &&
      jq --arg id "$id" '.linux.cgroupsPath = "berth-test/" + $id' "$IT_DIR/config.json" > "$b/config.json"
  fi || return 1
  echo "$b"
}

# new_container NAME: sets $id and $b (a fresh id and its bundle).
new_container() { id=$(cid "$1") && b=$(new_bundle "$id"); }

# set_args BUNDLE ARG...: process.args.
set_args() { local b=$1; shift; set_cfg "$b" '.process.args = $ARGS.positional' --args -- "$@"; }

# set_cfg BUNDLE JQ-EXPR [JQ-ARGS...]: edit config.json in place.
set_cfg() {
  local b=$1 expr=$2; shift 2
  jq "$expr" "$b/config.json" "$@" > "$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
}

# create ID BUNDLE [FLAGS...]: create detached; the container's stdio is
# $T/io/ID.{out,err} (never the caller's pipe: a check's $(...) would wait
# for the container).  Shows the runtime's stderr on failure.
create() {
  local id=$1 b=$2; shift 2
  runtime create --bundle "$b" "$@" "$id" </dev/null >"$T/io/$id.out" 2>"$T/io/$id.err" && return 0
  local rc=$?; echo "create $id: exit $rc"; cat "$T/io/$id.err"; return $rc
}
out_of() { cat "$T/io/$1.out"; }

# run_payload NAME JQ-EXPR ARGS...: runs a fresh container NAME whose
# config.json is edited by JQ-EXPR and whose process is /payload ARGS, in the
# foreground; prints its stdout.  Fails, showing the runtime's stderr, unless
# it exits 0.
run_payload() {
  local name=$1 expr=$2 id b rc=0; shift 2
  new_container "$name" && set_cfg "$b" "$expr" && set_args "$b" /payload "$@" || return 1
  runtime run --bundle "$b" "$id" </dev/null 2>"$T/io/$id.err" || rc=$?
  [ $rc = 0 ] && return 0
  echo "run /payload $*: exit $rc" >&2; cat "$T/io/$id.err" >&2; return $rc
}

# status ID: the status field of `state`.
status() { runtime state "$1" 2>/dev/null | jq -r .status; }

# wait_status ID STATUS [SECONDS]
wait_status() {
  local i s
  for ((i = 0; i < ${3:-10} * 20; i++)); do
    s=$(status "$1"); [ "$s" = "$2" ] && return 0
    sleep 0.05
  done
  echo "$1: status \"$s\", wanted \"$2\""; return 1
}

# wait_for_line FILE TEXT [SECONDS]: until FILE has a line TEXT.
wait_for_line() {
  local i
  for ((i = 0; i < ${3:-10} * 20; i++)); do
    grep -qxF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "no line \"$2\" in $1:"; cat "$1" 2>/dev/null; return 1
}

# ---- assertions (print what differed, return 1) ------------------------------

eq() {  # eq WHAT ACTUAL EXPECTED
  [ "$2" = "$3" ] && return 0
  printf '%s:\n  expected: %s\n  actual:   %s\n' "$1" "$3" "$2"; return 1
}
has() {  # has WHAT HAYSTACK NEEDLE (fixed string)
  grep -qF -- "$3" <<<"$2" && return 0
  printf '%s: no "%s" in:\n%s\n' "$1" "$3" "$(sed 's/^/    /' <<<"$2")"; return 1
}
hasnt() {
  grep -qF -- "$3" <<<"$2" || return 0
  printf '%s: unexpected "%s" in:\n%s\n' "$1" "$3" "$(sed 's/^/    /' <<<"$2")"; return 1
}
# no_state ID: the runtime keeps nothing for ID (state fails, no dir in root).
no_state() {
  if [ -e "$ROOT/$1" ]; then echo "state dir $ROOT/$1 exists"; return 1; fi
  if runtime state "$1" >/dev/null 2>&1; then echo "state $1 succeeds"; return 1; fi
}

# ---- leftovers and cleanup ---------------------------------------------------

# Every directory where a runtime may have put "berth-test": the root of each
# mounted cgroup hierarchy and, beneath it, this process's own cgroup there.
_it_cgroup_parents() { cgroup_dirs_of_self --with-roots; }

# The cgroups of this run's containers (or of the ids given) that exist now.
_it_cgroups() {
  local d id ids; ids=${*:-$(cat "$T/ids")}
  for d in $(_it_cgroup_parents); do
    [ -d "$d/berth-test" ] || continue
    for id in $ids; do [ -d "$d/berth-test/$id" ] && echo "$d/berth-test/$id"; done
  done
  return 0
}
# no_cgroups ID: the runtime left no cgroup for container ID.
no_cgroups() {
  local l; l=$(_it_cgroups "$1"); [ -z "$l" ] && return 0
  echo "cgroups left for $1:"; echo "$l"; return 1
}

# no_processes ID: nothing runs in container ID's cgroups or from its bundle.
no_processes() {
  local l; l=$(_it_processes "$1"); [ -z "$l" ] && return 0
  echo "processes left for $1:"; ps -o pid,ppid,args -p "$(echo $l | tr ' ' ,)"; return 1
}

_it_is_descendant() {  # PID: of this shell?
  local p=$1 i
  for ((i = 0; i < 64 && p > 1; i++)); do
    [ "$p" = "$$" ] && return 0
    p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) || return 1
  done
  return 1
}

# Processes of this run: in its containers' cgroups (after pivot_root a
# container's /proc/PID/root no longer names the bundle), rooted or working
# under $T (an init before pivot_root), or naming $T without being our
# child (a hook or a recvtty that outlived its test).
# With ID: only those of container ID (its cgroups, its bundle).
_it_processes() {
  local d p t=$T; [ $# -gt 0 ] && t=$T/bundles/$1
  { for d in $(_it_cgroups "$@"); do cat "$d/cgroup.procs" 2>/dev/null; done
    find /proc -mindepth 2 -maxdepth 2 \( -name root -o -name cwd \) -printf '%h %l\n' 2>/dev/null |
      awk -v t="$t" 'index($2, t) == 1 { sub("/proc/", "", $1); print $1 }'
    for d in $(grep -laF -- "$t" /proc/[0-9]*/cmdline 2>/dev/null); do
      p=${d#/proc/}; p=${p%/cmdline}
      [ "$p" != $$ ] && ! _it_is_descendant "$p" && echo "$p"
    done; } | sort -un
}

# Deletes every container of this run, then prints what is left behind.
_it_leftovers() {
  local id d p live; live=$(runtime list -q 2>/dev/null)
  for id in $( { cat "$T/ids"; echo "$live"; } | sort -u); do
    if [ -e "$ROOT/$id" ] || grep -qxF -- "$id" <<<"$live"; then
      runtime delete --force "$id" >/dev/null 2>&1 || echo "leftover: delete --force $id failed"
    fi
  done
  for d in "$ROOT"/*; do [ -e "$d" ] && echo "leftover: state $d"; done
  grep -F -- "$T" /proc/self/mountinfo | awk '{print "leftover: mount " $5}'
  for d in $(_it_cgroups); do echo "leftover: cgroup $d"; done
  for p in $(_it_processes); do
    echo "leftover: process $p $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)"
  done
  return 0
}

# Ours to end: processes of this run (see _it_processes), then its containers'
# empty cgroups (rmdir only: nothing is written to any cgroup).  Mounts under
# $T are detached so that removing $T never crosses into them.
_it_reap() {
  local p m d i
  for p in $(_it_processes); do kill -KILL "$p" 2>/dev/null; done
  for m in $(grep -F -- "$T" /proc/self/mountinfo | awk '{print $5}' | sort -r); do
    [[ "$m" == "$T"* ]] && umount -l "$m" 2>/dev/null
  done
  for ((i = 0; i < 20; i++)); do
    for d in $(_it_cgroups | sort -r); do rmdir "$d" 2>/dev/null; done
    [ -z "$(_it_cgroups)" ] && break
    sleep 0.1
  done
}

_it_no_leftovers() {
  local l; l=$(_it_leftovers)
  [ -z "$l" ] && return 0
  echo "$l"; _it_reap; return 1
}

# After each check, delete --force the containers it created, so that checks
# stay independent and few containers run at once; what that cannot remove
# is reported by the last check.
eval "_lib_$(declare -f check)"
_it_tidied=0
check() {
  _lib_check "$@"
  local n id live; n=$(wc -l < "$T/ids")
  [ "$n" -gt "$_it_tidied" ] || return 0
  live=$(runtime list -q 2>/dev/null)
  for id in $(tail -n +"$((_it_tidied + 1))" "$T/ids"); do
    if [ -e "$ROOT/$id" ] || grep -qxF -- "$id" <<<"$live"; then
      runtime delete --force "$id" >/dev/null 2>&1
    fi
  done
  _it_tidied=$n
}

# Checks that assert runtime-spec behaviour a reference runtime gets wrong:
# spec_only[t_NAME]="what it does instead".  run_checks skips them unless the
# runtime under test is berth, so that a run against runc is green and says
# what it skipped.
declare -A spec_only=()
# Checks of a feature the runtime under test says it lacks: needs_cgroups
# [t_NAME]=1 skips when `features` reports no cgroup support (runc always
# has it; berth reports it once its cgroup manager exists, and then these
# checks run by themselves).
declare -A needs_cgroups=()
has_cgroups() {
  if [ -z "${_it_has_cgroups:-}" ]; then
    _it_has_cgroups=yes
    if is_berth && ! "$OCI_RUNTIME" features | jq -e '.linux.cgroup.v1 or .linux.cgroup.v2' >/dev/null; then
      _it_has_cgroups=no
    fi
  fi
  [ "$_it_has_cgroups" = yes ]
}
# run_checks: every function t_NAME of the test file, as check NAME.
run_checks() {
  local t
  for t in $(declare -F | awk '$3 ~ /^t_/ {print $3}'); do
    if [ -n "${spec_only[$t]:-}" ] && ! is_berth; then
      skip "${t#t_}" "$(basename "$OCI_RUNTIME"): ${spec_only[$t]}"; continue
    fi
    if [ -n "${needs_cgroups[$t]:-}" ] && ! has_cgroups; then
      skip "${t#t_}" "$(basename "$OCI_RUNTIME") features: no cgroup support (linux.cgroup v1/v2 false)"; continue
    fi
    check "${t#t_}" "$t"
  done
}

# lib.sh's finish, after one more check: nothing left behind.
eval "_lib_$(declare -f finish)"
_it_finished=0
finish() {
  check "no leftovers (state, mounts, cgroups, processes)" _it_no_leftovers
  _it_finished=1
  _lib_finish
}
_it_exit() {
  local rc=$?
  if [ "$_it_finished" = 0 ]; then   # died before finish: still clean, still fail
    local l; l=$(_it_leftovers)
    if [ -n "$l" ]; then echo "FAIL - leftovers"; sed 's/^/    /' <<<"$l"; _it_reap; rc=1; fi
  fi
  # The runtimes remove each container's cgroup but not the shared parent
  # "berth-test" they made beneath ours: remove it when empty (rmdir cannot
  # remove a cgroup that another run is still using).
  local d; for d in $(_it_cgroup_parents); do rmdir "$d/berth-test" 2>/dev/null; done
  rm -rf --one-file-system "$T"
  exit $rc
}
trap _it_exit EXIT
trap 'exit 130' INT TERM
