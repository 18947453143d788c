#!/bin/bash
# exec into a running container: exit status, env, cwd, user, --process,
# detached exec with --pid-file, and what must fail.  Root; see common.sh.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

# A running container (sets $id, $b) with env FOO=config and hostname "box".
running() {
  new_container "$1" || return 1
  set_cfg "$b" '.process.env = ["PATH=/bin", "FOO=config"] | .hostname = "box"' &&
    set_args "$b" /payload sleep 60 && create "$id" "$b" && runtime start "$id"
}
# ex ARGS...: runtime exec, stdin closed, stderr to $T/io/exec.err
ex() { runtime exec "$@" </dev/null 2>"$T/io/exec.err"; }

t_exec_tty_relayed_without_console_socket() {
  # exec -t without --console-socket: the runtime relays the pty to its own
  # stdio (script(1) gives it a terminal to relay to).
  running ttyrelay || return 1
  local out rc=0
  out=$(timeout 20 script -qec "$OCI_RUNTIME --root $ROOT exec -t $id /payload tty" /dev/null </dev/null) || rc=$?
  eq "exec -t exit status" "$rc" 0 && has "exec -t output" "$(tr -d '\r' <<<"$out")" "0 tty /dev/pts/"
}
needs_cgroups[t_exec_sub_cgroup]=1
t_exec_sub_cgroup() {
  # exec --cgroup pids:SUB puts the process into an existing sub-cgroup of
  # the container's, for that controller only (runc's syntax).
  running subcg || return 1
  local d base=""
  for d in $(_it_cgroups "$id"); do [ -f "$d/pids.max" ] && [ -f "$d/tasks" ] && base=$d; done
  [ -n "$base" ] || { echo "no v1 pids cgroup for $id (pure cgroup2 host?)"; return 1; }
  mkdir "$base/sub" || return 1
  local out; out=$(ex --cgroup pids:sub "$id" /payload cat /proc/self/cgroup)
  has "pids cgroup of the exec'd process" "$out" ":pids:" || return 1
  grep -E '^[0-9]+:pids:' <<<"$out" | grep -q '/sub$' || { echo "not in sub: $out"; return 1; }
  local rc=0; ex --cgroup pids:missing "$id" /payload true || rc=$?
  # berth exits 1, runc 255: any failure will do
  [ "$rc" -ne 0 ] || { echo "exec into a missing sub-cgroup succeeded"; return 1; }
  runtime delete --force "$id" && [ ! -d "$base" ]
}
t_exec_output_and_exit_code() {
  running exitcode || return 1
  eq "exec echo" "$(ex "$id" /payload echo hi there)" "hi there" || return 1
  local rc=0; ex "$id" /payload exit 7 || rc=$?
  eq "exec 'exit 7'" "$rc" 7 || return 1
  rc=0; ex "$id" /payload kill-self 9 || rc=$?
  eq "exec 'kill-self 9'" "$rc" 137 || return 1
  eq "status after exec" "$(status "$id")" running
}
t_exec_joins_the_container() {
  running join || return 1
  local pid out ns; pid=$(runtime state "$id" | jq -r .pid)
  eq hostname "$(ex "$id" /payload hostname)" box || return 1
  out=$(ex "$id" /payload ns) || return 1
  for ns in ipc mnt net pid uts; do
    has "$ns namespace" "$out" "$ns $(readlink "/proc/$pid/ns/$ns")" || return 1
  done
  [ "$(ex "$id" /payload pid)" -gt 1 ] || { echo "exec'd process is pid 1"; return 1; }
}
t_exec_env() {
  running env || return 1
  local out; out=$(ex --env BAR=exec "$id" /payload env) || return 1
  has env "$out" FOO=config && has env "$out" BAR=exec || return 1
  out=$(ex --env FOO=override "$id" /payload env) || return 1
  has env "$out" FOO=override && hasnt env "$out" FOO=config
}
t_exec_cwd() {
  running cwd || return 1
  eq "default cwd" "$(ex "$id" /payload cwd)" / && eq "--cwd" "$(ex --cwd /tmp "$id" /payload cwd)" /tmp
}
t_exec_user() {
  running user || return 1
  eq "--user 1000:1000" "$(ex --user 1000:1000 "$id" /payload id)" \
    "uid=1000 gid=1000 euid=1000 egid=1000 groups=" || return 1
  eq "--user 1000:1000 --additional-gids 10" "$(ex --user 1000:1000 --additional-gids 10 "$id" /payload id)" \
    "uid=1000 gid=1000 euid=1000 egid=1000 groups=10"
}
t_exec_process_file() {
  running process || return 1
  jq -n '{terminal: false, user: {uid: 1000, gid: 1000}, cwd: "/dev",
          env: ["PATH=/bin", "ONLY=process-json"], args: ["/payload", "env"]}' > "$T/io/$id.process.json"
  local out; out=$(ex --process "$T/io/$id.process.json" "$id") || { cat "$T/io/exec.err"; return 1; }
  has env "$out" ONLY=process-json && hasnt env "$out" FOO=config || return 1
  jq '.args = ["/payload", "cwd"]' "$T/io/$id.process.json" > "$T/io/$id.p2.json"
  eq "cwd from --process" "$(ex --process "$T/io/$id.p2.json" "$id")" /dev || return 1
  jq '.args = ["/payload", "id"]' "$T/io/$id.process.json" > "$T/io/$id.p3.json"
  eq "user from --process" "$(ex --process "$T/io/$id.p3.json" "$id")" \
    "uid=1000 gid=1000 euid=1000 egid=1000 groups="
}
t_exec_detached_pid_file() {
  running detached || return 1
  local pidf=$T/io/$id.exec.pid pid init
  runtime exec -d --pid-file "$pidf" "$id" /payload sleep 60 </dev/null >/dev/null 2>"$T/io/exec.err" ||
    { cat "$T/io/exec.err"; return 1; }
  pid=$(cat "$pidf"); init=$(runtime state "$id" | jq -r .pid)
  [ -d "/proc/$pid" ] || { echo "pid file: \"$pid\", no such process"; return 1; }
  eq "cmdline of $pid" "$(tr '\0' ' ' < "/proc/$pid/cmdline")" "/payload sleep 60 " &&
    eq "pid namespace of $pid" "$(readlink "/proc/$pid/ns/pid")" "$(readlink "/proc/$init/ns/pid")" || return 1
  # killing the container (pid 1 of its namespace) ends the exec'd process too
  runtime kill "$id" KILL && wait_status "$id" stopped || return 1
  local i; for ((i = 0; i < 100; i++)); do [ -d "/proc/$pid" ] || return 0; sleep 0.05; done
  echo "exec'd process $pid outlived its container"; return 1
}
t_exec_missing_binary_fails() {
  running nobin || return 1
  local rc=0; ex "$id" /nope || rc=$?
  [ $rc != 0 ] || { echo "exec /nope succeeded"; return 1; }
  grep -qiE 'no such file or directory|executable file not found' "$T/io/exec.err" ||
    { echo "message: $(cat "$T/io/exec.err")"; return 1; }
  eq "status after a failed exec" "$(status "$id")" running
}
t_exec_stopped_fails() {
  new_container stopped || return 1
  set_args "$b" /payload exit 0 && create "$id" "$b" && runtime start "$id" && wait_status "$id" stopped || return 1
  local rc=0; ex "$id" /payload echo || rc=$?
  [ $rc != 0 ] || { echo "exec into a stopped container succeeded"; return 1; }
}
t_exec_unknown_fails() {
  local rc=0; ex "nope-$$" /payload echo || rc=$?
  [ $rc != 0 ] || { echo "exec into an unknown container succeeded"; return 1; }
}

run_checks
finish
