#!/bin/bash
# Rootless containers: the runtime run by an unprivileged user of its own
# (made here, with its own /etc/subuid and /etc/subgid lines), from a bundle
# of the runtime's own `spec --rootless`.  Root (to make the user); see
# common.sh.  What the container saw is asserted: its ids and maps, and the
# host owner of a file it chowned.
#
# Runtime-agnostic: runc 1.1 runs rootless too.  Nothing here creates a
# cgroup: the user may write none, and no config sets limits but the one
# that must fail for that reason.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

SUB_SIZE=65536

if ! command -v newuidmap >/dev/null || ! command -v newgidmap >/dev/null; then
  echo "SKIP: newuidmap/newgidmap not installed (Debian package uidmap; scripts/deps.sh --test installs it)"
  echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
for tool in useradd userdel setpriv pgrep ps; do
  command -v "$tool" >/dev/null || { echo "FAIL - missing tool: $tool"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
done

# ---- the test user -----------------------------------------------------------

# A name no other run uses; its home is under $T and never created.
RL_USER=berthrl$$
while getent passwd "$RL_USER" >/dev/null; do RL_USER=${RL_USER}x; done
RL_LINES=()   # "file:line" appended to /etc/subuid and /etc/subgid, removed at exit

# The user's live processes (zombies are their parents' to reap).
user_procs() { ps -u "$RL_USER" -o pid=,stat= 2>/dev/null | awk '$2 !~ /^Z/ {print $1}'; }

# Removes exactly what this file added: the user's processes (by pid), its
# containers, its subordinate id lines, the user.  Runs at exit, even after
# a failure, before common.sh's own cleanup.
_rl_cleanup() {
  local id p entry file line
  if getent passwd "$RL_USER" >/dev/null; then
    for id in $(urt list -q 2>/dev/null); do urt delete --force "$id" >/dev/null 2>&1; done
    for id in $(user_rt XDG_RUNTIME_DIR="$T/xdg" list -q 2>/dev/null); do
      user_rt XDG_RUNTIME_DIR="$T/xdg" delete --force "$id" >/dev/null 2>&1
    done
    for p in $(pgrep -u "$RL_USER"); do kill -KILL "$p" 2>/dev/null; done
  fi
  for entry in "${RL_LINES[@]}"; do
    file=${entry%%:*}; line=${entry#*:}
    # Rewritten in place (same inode and mode); every other line kept.
    if grep -qxF -- "$line" "$file"; then
      grep -vxF -- "$line" "$file" > "$T/subid.new"; cat "$T/subid.new" > "$file"; rm -f "$T/subid.new"
    fi
  done
  RL_LINES=()
  if getent passwd "$RL_USER" >/dev/null; then
    local i; for ((i = 0; i < 50; i++)); do [ -z "$(user_procs)" ] && break; sleep 0.1; done
    userdel "$RL_USER" 2>/dev/null || echo "rootless: userdel $RL_USER failed"
  fi
}
_rl_exit() { local rc=$?; _rl_cleanup; (exit $rc); _it_exit; }
trap _rl_exit EXIT

useradd -M -d "$T/home" -s /usr/sbin/nologin -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$RL_USER" || {
  echo "FAIL - useradd $RL_USER"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
RL_UID=$(id -u "$RL_USER")
RL_GID=$(id -g "$RL_USER")

# The first range of SUB_SIZE ids from a per-run start that overlaps no line
# of /etc/subuid or /etc/subgid.
free_subid_start() {
  local start=$(( 1000000 + ($$ % 1000) * 2 * SUB_SIZE ))
  while awk -F: -v s="$start" -v n="$SUB_SIZE" \
      'NF >= 3 && $2 < s + n && s < $2 + $3 { hit = 1 } END { exit !hit }' /etc/subuid /etc/subgid; do
    start=$((start + 2 * SUB_SIZE))
  done
  echo "$start"
}
SUB_START=$(free_subid_start)
for file in /etc/subuid /etc/subgid; do
  line="$RL_USER:$SUB_START:$SUB_SIZE"
  RL_LINES+=("$file:$line")
  echo "$line" >> "$file"
done

# as_user CMD...: CMD as the test user, with a clean environment.
as_user() {
  setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups --inh-caps=-all -- \
    env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$T/home" "$@"
}
# user_rt [VAR=VALUE...] ARGS...: the runtime as the user, in a clean
# environment (PATH, HOME) plus the VAR=VALUEs, under the same timeout as
# common.sh's runtime().
user_rt() {
  local env=(PATH=/usr/local/bin:/usr/bin:/bin HOME="$T/home")
  while [[ "${1:-}" == [A-Z_]*=* ]]; do env+=("$1"); shift; done
  timeout -k 5 "$RT_TIMEOUT" setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups --inh-caps=-all -- \
    env -i "${env[@]}" "$OCI_RUNTIME" "$@"
}
# urt [VAR=VALUE...] ARGS...: the same with the user's own --root.
UROOT=$T/uroot
urt() {
  local env=()
  while [[ "${1:-}" == [A-Z_]*=* ]]; do env+=("$1"); shift; done
  user_rt "${env[@]}" --root "$UROOT" "$@"
}

if ! as_user unshare --user true 2>/dev/null; then
  echo "SKIP: user namespaces are not available to unprivileged users here"
  echo "0 passed, 0 failed, 1 skipped"; exit 0
fi

# The user reaches its bundles through $T (mktemp made it 0700).
chmod 711 "$T" && mkdir -p "$T/bundles" "$UROOT" && chmod 711 "$T/bundles" && chown "$RL_USER:" "$UROOT" ||
  { echo "FAIL - prepare $T"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# rl_bundle NAME JQ-EXPR ARGS...: sets $id and $b: a bundle of the
# runtime's `spec --rootless` (made by the user), the cached rootfs, no
# terminal, process ARGS, then JQ-EXPR.
rl_bundle() {
  local name=$1 expr=$2; shift 2
  id=$(cid "$name") && b=$T/bundles/$id || return 1
  mkdir -p "$b" && chown "$RL_USER:" "$b" && cp -a "$CACHE/rootfs" "$b/rootfs" || return 1
  urt spec --rootless --bundle "$b" || { echo "spec --rootless failed"; return 1; }
  set_cfg "$b" '.process.terminal = false | .process.args = $ARGS.positional' --args -- "$@" &&
    set_cfg "$b" "$expr"
}

# rl_run [VAR=VALUE...]: runs $id from $b in the foreground as the user
# (see urt); stdout printed, stderr in $T/io/$id.err (shown on failure).
rl_run() {
  local rc=0
  urt "$@" run --bundle "$b" "$id" </dev/null 2>"$T/io/$id.err" || rc=$?
  [ $rc = 0 ] && return 0
  echo "run $id: exit $rc" >&2; cat "$T/io/$id.err" >&2; return $rc
}

# Several ranges: root is the user, 1.. the user's subordinate ids.
multi_maps='.linux.uidMappings = [{containerID: 0, hostID: $uid, size: 1},
                                  {containerID: 1, hostID: $sub, size: $n}]
  | .linux.gidMappings = [{containerID: 0, hostID: $gid, size: 1},
                          {containerID: 1, hostID: $sub, size: $n}]'
multi() { set_cfg "$b" "$multi_maps" --argjson uid "$RL_UID" --argjson gid "$RL_GID" \
            --argjson sub "$SUB_START" --argjson n "$SUB_SIZE"; }

# The maps as "a b c" lines.
squeeze() { tr -s ' ' <<<"$1" | sed 's/^ //'; }

# No state for $id in the user's root, and `state` fails.
no_user_state() {
  if [ -e "$UROOT/$1" ]; then echo "state dir $UROOT/$1 exists"; return 1; fi
  if urt state "$1" >/dev/null 2>&1; then echo "state $1 succeeds"; return 1; fi
}

# After each check (and common.sh's tidying), the user's containers go too,
# so that a failed check leaves nothing running into the next.
eval "_rl_common_$(declare -f check)"
check() {
  _rl_common_check "$@"
  local id; for id in $(urt list -q 2>/dev/null); do urt delete --force "$id" >/dev/null 2>&1; done
}

# ---- checks -----------------------------------------------------------------

t_single_mapping_runs() {
  rl_bundle single '.' /bin/sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups' ||
    return 1
  local out; out=$(rl_run) || return 1
  # setgroups "deny": the kernel takes the user's own gid_map only after it
  eq "id -u, uid_map, gid_map, setgroups" "$(squeeze "$out")" "0
0 $RL_UID 1
0 $RL_GID 1
deny"
}

t_multi_range_maps_and_owner() {
  # CAP_CHOWN: the default set has none, and root in the container must give
  # a file to uid 1000.
  rl_bundle multi '.root.readonly = false | .process.capabilities |= map_values(. + ["CAP_CHOWN"])' \
    /bin/sh -c 'cat /proc/self/uid_map /proc/self/gid_map && touch /tmp/owned && chown 1000:1000 /tmp/owned &&
      cat /proc/self/setgroups' ||
    return 1
  multi || return 1
  local out; out=$(rl_run) || return 1
  eq "uid_map and gid_map" "$(squeeze "$(head -4 <<<"$out")")" "0 $RL_UID 1
1 $SUB_START $SUB_SIZE
0 $RL_GID 1
1 $SUB_START $SUB_SIZE" || return 1
  # newgidmap keeps setgroups allowed for a user entitled to the subordinate
  # gids: the runtime must not have denied it first.
  eq "setgroups" "$(tail -1 <<<"$out")" allow || return 1
  # container uid 1000 is subordinate id 999 (the range starts at 1)
  eq "owner on the host" "$(stat -c %u:%g "$b/rootfs/tmp/owned")" "$((SUB_START + 999)):$((SUB_START + 999))"
}

# expect_failure WHAT NEEDLE: the last rl_run of $id failed and left nothing;
# berth's error is one line naming NEEDLE (runc's log lines are its own).
expect_failure() {
  local err; err=$(cat "$T/io/$id.err")
  if is_berth; then
    eq "$1: lines of stderr" "$(wc -l <<<"$err")" 1 || { echo "$err"; return 1; }
    has "$1: error" "$err" "$2" || return 1
  fi
  no_user_state "$id"
}

t_missing_newuidmap_fails() {
  rl_bundle nomap '.' /payload id && multi || return 1
  if rl_run PATH=/nonexistent >/dev/null 2>&1; then echo "ran without newuidmap in PATH"; return 1; fi
  expect_failure "no newuidmap in PATH" '"newuidmap"'
}

t_mapping_outside_subuids_fails() {
  rl_bundle outside '.' /payload id && multi || return 1
  # one past the user's subordinate range
  set_cfg "$b" '.linux.uidMappings[1].hostID += 1' || return 1
  if rl_run >/dev/null 2>&1; then echo "ran with ids outside /etc/subuid"; return 1; fi
  expect_failure "range outside /etc/subuid" "newuidmap" || return 1
  is_berth || return 0
  has "error" "$(cat "$T/io/$id.err")" "exit status 1"
}

t_limits_without_cgroup_fail() {
  # The user may create no cgroup here: a memory limit cannot be kept.
  rl_bundle limits '.linux.resources = {memory: {limit: 67108864}}' /payload id || return 1
  if rl_run >/dev/null 2>&1; then echo "ran with a limit but no cgroup"; return 1; fi
  expect_failure "memory limit without a cgroup" "linux.resources"
}

t_lifecycle_as_user_leaves_nothing() {
  rl_bundle life '.' /payload sleep 100 && multi || return 1
  urt create --bundle "$b" "$id" </dev/null >"$T/io/$id.out" 2>"$T/io/$id.err" ||
    { echo "create failed"; cat "$T/io/$id.err"; return 1; }
  eq "status after create" "$(urt state "$id" | jq -r .status)" created || return 1
  urt start "$id" || return 1
  eq "status after start" "$(urt state "$id" | jq -r .status)" running || return 1
  local pid; pid=$(urt state "$id" | jq -r .pid)
  # the process is the user's on the host
  eq "host uid of the container process" "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" "$RL_UID" || return 1
  urt kill "$id" KILL || return 1
  local i s
  for ((i = 0; i < 100; i++)); do
    s=$(urt state "$id" | jq -r .status); [ "$s" = stopped ] && break; sleep 0.05
  done
  eq "status after kill" "$s" stopped || return 1
  urt delete "$id" || return 1
  no_user_state "$id" || return 1
  # Gone, or a zombie its new parent (berth exited) has not reaped yet.
  local st; st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)
  [ -z "$st" ] || [ "$st" = Z ] || { echo "process $pid is still there (state $st)"; return 1; }
  local left; left=$(user_procs)
  [ -z "$left" ] || { echo "processes of $RL_USER left:"; ps -o pid,args -p "$(echo $left | tr ' ' ,)"; return 1; }
}

t_exec_as_user() {
  # The container's pid namespace belongs to its user namespace: a
  # non-root runtime gets there only through that user namespace.
  rl_bundle exec '.' /payload sleep 100 && multi || return 1
  urt create --bundle "$b" "$id" </dev/null >"$T/io/$id.out" 2>"$T/io/$id.err" ||
    { echo "create failed"; cat "$T/io/$id.err"; return 1; }
  urt start "$id" || return 1
  local out; out=$(urt exec "$id" /bin/sh -c 'id -u; head -1 /proc/self/uid_map; cat /proc/1/cmdline | tr "\0" " "; echo; readlink /proc/self/ns/pid' 2>&1) ||
    { echo "exec failed: $out"; return 1; }
  local init; init=$(urt state "$id" | jq -r .pid)
  eq "exec: id -u, uid_map, pid 1, pid namespace" "$(squeeze "$out")" "0
0 $RL_UID 1
/payload sleep 100 
$(readlink "/proc/$init/ns/pid")" || return 1
  # and a failing command's status comes back
  local rc=0; urt exec "$id" /bin/sh -c 'exit 7' || rc=$?
  eq "exec exit status" "$rc" 7 || return 1
  urt delete --force "$id" && no_user_state "$id"
}

# Without --root: $XDG_RUNTIME_DIR/<runtime> (runc: .../runc); berth
# without XDG_RUNTIME_DIR asks for --root (runc falls back to /run/runc).
t_default_root_is_xdg_runtime_dir() {
  local xdg=$T/xdg name; name=$(basename "$OCI_RUNTIME")
  mkdir -p "$xdg" && chown "$RL_USER:" "$xdg" && chmod 700 "$xdg" || return 1
  rl_bundle xdg '.' /payload sleep 100 || return 1
  user_rt XDG_RUNTIME_DIR="$xdg" create --bundle "$b" "$id" </dev/null >"$T/io/$id.out" 2>"$T/io/$id.err" ||
    { echo "create failed"; cat "$T/io/$id.err"; return 1; }
  [ -d "$xdg/$name/$id" ] || { echo "no state dir $xdg/$name/$id"; ls -R "$xdg"; return 1; }
  eq "list" "$(user_rt XDG_RUNTIME_DIR="$xdg" list -q)" "$id" || return 1
  user_rt XDG_RUNTIME_DIR="$xdg" delete --force "$id" || return 1
  [ ! -e "$xdg/$name/$id" ] || { echo "state dir $xdg/$name/$id left"; return 1; }
  is_berth || return 0
  local err rc=0; err=$(user_rt list 2>&1) || rc=$?
  [ $rc != 0 ] || { echo "list without --root and XDG_RUNTIME_DIR succeeded"; return 1; }
  has "error without XDG_RUNTIME_DIR" "$err" "XDG_RUNTIME_DIR is not set: a non-root user must pass --root" || return 1
  # commands that keep no state need no root
  user_rt features >/dev/null || { echo "features needs a state root"; return 1; }
}

run_checks

# Everything the user's runtime made is gone: state, processes.
rl_nothing_left() {
  local left=""
  for d in "$UROOT"/*; do [ -e "$d" ] && left+="state $d"$'\n'; done
  for p in $(user_procs); do left+="process $p $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)"$'\n'; done
  [ -z "$left" ] && return 0
  printf '%s' "$left"; return 1
}
check "nothing left by the user (state, processes)" rl_nothing_left
finish
