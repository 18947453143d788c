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

run_checks
finish
