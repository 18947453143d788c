#!/bin/bash
# linux.seccomp applied to the container and to exec'd processes: errno
# actions, kill, and the real Podman default profile.  Root; see common.sh.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

# seccomp_cfg BUNDLE JSON: linux.seccomp = JSON
seccomp_cfg() { set_cfg "$1" '.linux.seccomp = ($s | fromjson)' --arg s "$2"; }

deny_mkdir='{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'

t_errno_default_eperm() {
  new_container sceperm || return 1
  seccomp_cfg "$b" "$deny_mkdir" && set_args "$b" /payload mkdir /tmp/x || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1)
  has "mkdir under the filter" "$out" EPERM && no_state "$id"
}
t_errno_custom() {
  new_container scerrno || return 1
  seccomp_cfg "$b" '{"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}' &&
    set_args "$b" /payload mkdir /tmp/x || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1)
  has "mkdir under the filter" "$out" ENOSPC
}
t_profile_denying_execveat_still_starts() {
  # berth execs the program through a sealed trampoline with execveat
  # (CVE-2019-5736); a profile that denies execveat must not keep the
  # container from starting, and the program itself still cannot use it.
  new_container scexecat || return 1
  seccomp_cfg "$b" '{"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["execveat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}' &&
    set_args "$b" /payload echo started || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1)
  eq "output under a profile without execveat" "$out" started && no_state "$id"
}
t_kill_process() {
  new_container sckill || return 1
  seccomp_cfg "$b" '{"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"}]}' &&
    set_args "$b" /payload mkdir /tmp/x || return 1
  local rc=0; runtime run --bundle "$b" "$id" >/dev/null 2>&1 || rc=$?
  eq "killed by SIGSYS" "$rc" 159 && no_state "$id"
}
t_argument_condition() {
  # deny only a mode of 0755 (what `payload mkdir` passes; busybox mkdir
  # passes 0777): mkdir(path, mode) has it as argument 1, mkdirat(dirfd,
  # path, mode) as argument 2
  new_container scarg || return 1
  seccomp_cfg "$b" '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 493, "op": "SCMP_CMP_EQ"}]},
    {"names": ["mkdirat"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 2, "value": 493, "op": "SCMP_CMP_EQ"}]}]}' &&
    set_args "$b" /bin/sh -c '/payload mkdir /tmp/a; mkdir /tmp/b && echo made-b' || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1)
  has "mode 0755 denied" "$out" EPERM && has "mode 0777 allowed" "$out" made-b
}
t_trap_and_log() {
  # TRAP raises SIGSYS (uncaught: the process dies of it); LOG lets the call
  # through (and logs it to the audit log, not checked here).
  new_container sctrap || return 1
  seccomp_cfg "$b" '{"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_TRAP"}]}' &&
    set_args "$b" /payload mkdir /tmp/x || return 1
  local rc=0; runtime run --bundle "$b" "$id" >/dev/null 2>&1 || rc=$?
  eq "trapped by SIGSYS" "$rc" 159 || return 1
  new_container sclog || return 1
  seccomp_cfg "$b" '{"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_LOG"}]}' &&
    set_args "$b" /payload mkdir /tmp/x || return 1
  eq "logged mkdir" "$(runtime run --bundle "$b" "$id" 2>&1)" ok
}
t_notify_listener() {
  # SCMP_ACT_NOTIFY: the listener fd and the containerProcessState reach
  # listenerPath; the listener answers "continue" and the container goes on.
  new_container scnotify || return 1
  local sock=$T/io/$id.seccomp
  seccomp_cfg "$b" "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$sock\",
    \"listenerMetadata\": \"meta-$id\",
    \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}" &&
    set_args "$b" /bin/sh -c '/payload mkdir /tmp/n && [ -d /tmp/n ] && echo continued' || return 1
  timeout 20 "$PAYLOAD" seccomp-listen "$sock" 1 > "$T/io/$id.listener" 2>&1 &
  local lpid=$! i
  for ((i = 0; i < 100; i++)); do [ -S "$sock" ] && break; sleep 0.02; done
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1)
  wait "$lpid" || { echo "listener: $(cat "$T/io/$id.listener")"; return 1; }
  local state; state=$(head -1 "$T/io/$id.listener")
  has "container output" "$out" continued &&
    eq "fds" "$(jq -c .fds <<<"$state")" '["seccompFd"]' &&
    eq "metadata" "$(jq -r .metadata <<<"$state")" "meta-$id" &&
    eq "state.id" "$(jq -r .state.id <<<"$state")" "$id" &&
    eq "pid" "$(jq -r .pid <<<"$state")" "$(jq -r .state.pid <<<"$state")" &&
    has "listener" "$(cat "$T/io/$id.listener")" "notified "
}
t_exec_gets_the_filter() {
  new_container scexec || return 1
  seccomp_cfg "$b" "$deny_mkdir" && set_args "$b" /payload sleep 60 &&
    create "$id" "$b" && runtime start "$id" || return 1
  local out; out=$(runtime exec "$id" /payload mkdir /tmp/y 2>&1)
  has "mkdir in exec" "$out" EPERM && runtime delete --force "$id"
}
t_podman_default_profile() {
  # The profile Podman really sends (tests/fixtures/clients), under which an
  # ordinary shell session must work.
  new_container scpodman || return 1
  local prof; prof=$(jq -c .linux.seccomp "$top/tests/fixtures/clients/podman-conmon-create-config.json")
  seccomp_cfg "$b" "$prof" &&
    set_args "$b" /bin/sh -c 'echo start; mkdir /tmp/d && cd /tmp/d && echo hi > f && cat f; ls / | wc -l; id -u' || return 1
  local out rc=0; out=$(runtime run --bundle "$b" "$id" 2>&1) || rc=$?
  eq "exit status" "$rc" 0 && has "output" "$out" start && has "output" "$out" hi
}

# The Podman profile with an EPERM default and without the syscalls numbered
# 435 (clone3) and up on x86_64, nor getcpu (309): as if written before
# clone3 existed, by an author who denies getcpu (which no runtime's init,
# shell or payload needs; runc's init needs getppid, for one).
newer_than_pidfd_open='["clone3", "close_range", "openat2", "pidfd_getfd", "faccessat2",
  "process_madvise", "epoll_pwait2", "mount_setattr", "quotactl_fd", "landlock_create_ruleset",
  "landlock_add_rule", "landlock_restrict_self", "memfd_secret", "process_mrelease", "futex_waitv",
  "set_mempolicy_home_node", "cachestat", "fchmodat2", "map_shadow_stack", "futex_wake",
  "futex_wait", "futex_requeue", "statmount", "listmount", "lsm_get_self_attr",
  "lsm_set_self_attr", "lsm_list_modules", "mseal", "setxattrat", "getxattrat", "listxattrat",
  "removexattrat", "open_tree_attr", "getcpu"]'
t_enosys_for_syscalls_newer_than_the_profile() {
  new_container scenosys || return 1
  local prof; prof=$(jq -c --argjson drop "$newer_than_pidfd_open" \
    '.linux.seccomp | del(.defaultErrnoRet) | .syscalls |= map(.names -= $drop | select(.names != []))' \
    "$top/tests/fixtures/clients/podman-conmon-create-config.json") || return 1
  # clone3 (435) and a number no kernel has get ENOSYS (newer than the
  # profile); getcpu (309) the default EPERM; getpid (39) is allowed.  A
  # shell runs them: fork falls back from clone3 to clone on ENOSYS.
  seccomp_cfg "$b" "$prof" &&
    set_args "$b" /bin/sh -c 'for n in 435 1000 309 39; do echo "$n $(/payload syscall $n)"; done' || return 1
  local out rc=0; out=$(runtime run --bundle "$b" "$id" 2>&1) || rc=$?
  eq "exit status" "$rc" 0 || { echo "$out"; return 1; }
  eq "what each syscall got" "$(tr '\n' ' ' <<<"$out")" "435 ENOSYS 1000 ENOSYS 309 EPERM 39 ok "
}
if [ "$(uname -m)" != x86_64 ]; then
  unset -f t_enosys_for_syscalls_newer_than_the_profile
  skip enosys_for_syscalls_newer_than_the_profile "its syscall numbers are x86_64's"
fi
t_enosys_not_under_an_allow_default() {
  # Under SCMP_ACT_ALLOW a number past the profile is the kernel's to answer.
  new_container scnostub || return 1
  seccomp_cfg "$b" "$deny_mkdir" && set_args "$b" /payload syscall 435 || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1)
  eq "clone3 with no arguments, as on the host" "$out" "$("$PAYLOAD" syscall 435)"
}
t_profile_cache_shared_by_containers() {
  # Three containers with one profile (its own: EACCES) all get it; with
  # berth, the first caches the compiled program, the second reads it, and a
  # damaged entry is replaced without changing what the third one gets.
  local i out entry before cache=$ROOT/.berth:cache/seccomp
  before=$(ls "$cache" 2>/dev/null)
  for i in 1 2 3; do
    new_container sccache || return 1
    seccomp_cfg "$b" '{"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}' &&
      set_args "$b" /payload mkdir /tmp/x || return 1
    out=$(runtime run --bundle "$b" "$id" 2>&1)
    eq "mkdir in container $i" "$out" EACCES || return 1
    is_berth || continue
    if [ "$i" = 1 ]; then
      entry=$(comm -13 <(echo "$before") <(ls "$cache"))
      eq "new cache entries" "$(wc -w <<<"$entry")" 1 && [[ $entry == *.bpf ]] || return 1
      entry=$cache/$entry
      eq "entry mode and owner" "$(stat -c '%a %u' "$entry")" "600 0" &&
        eq "cache dir mode and owner" "$(stat -c '%a %u' "$cache")" "700 0" || return 1
      local inode; inode=$(stat -c %i "$entry")
    elif [ "$i" = 2 ]; then
      eq "entry reused, not rewritten" "$(stat -c %i "$entry")" "$inode" || return 1
      printf 'garbage' > "$entry"
    else
      [ "$(stat -c %s "$entry")" -gt 100 ] || { echo "damaged entry not replaced"; return 1; }
    fi
  done
}

run_checks
finish
