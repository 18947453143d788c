#!/bin/bash
# OCI hooks: every kind runs once, gets the state on stdin with the status
# its phase has, in the order the spec gives; a timeout kills a hook and
# fails create; a failing createRuntime hook fails create and leaves nothing.
# Root; see common.sh.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

kinds=(prestart createRuntime createContainer startContainer poststart poststop)

# hooked NAME [KIND...]: a container (sets $id, $b, $hd) with one hook of each
# KIND (default: all six).  Each runs $hd/hook.sh KIND, which saves its stdin
# to $hd/KIND.json and appends KIND to $hd/log; the process appends
# "process".  startContainer runs inside the container, so $hd is
# bind-mounted at the same path there and the script uses only what the
# busybox rootfs has.
hooked() {
  local name=$1; shift
  local want=("$@"); [ $# -gt 0 ] || want=("${kinds[@]}")
  new_container "$name" || return 1
  hd=$b/hooks; mkdir -p "$hd"
  printf '#!/bin/sh\ncat > "%s/$1.json"\necho "$1" >> "%s/log"\n' "$hd" "$hd" > "$hd/hook.sh"
  chmod 755 "$hd/hook.sh"
  set_cfg "$b" '.hooks = (reduce $kinds[] as $k ({}; .[$k] = [{path: ($hd + "/hook.sh"), args: ["hook.sh", $k]}]))
      | .mounts += [{destination: $hd, type: "bind", source: $hd, options: ["rbind", "rw"]}]' \
    --arg hd "$hd" --argjson kinds "$(printf '%s\n' "${want[@]}" | jq -R . | jq -s .)" &&
    set_args "$b" /bin/sh -c "echo process >> $hd/log"
}

# pos WORD: the line number of WORD in $hd/log (0 if absent)
pos() { local n; n=$(grep -nxF -- "$1" "$hd/log" | cut -d: -f1); echo "${n:-0}"; }
before() {  # before A B: A ran, B ran, A first
  local a b; a=$(pos "$1"); b=$(pos "$2")
  [ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ "$a" -lt "$b" ] && return 0
  echo "expected $1 before $2 in:"; cat "$hd/log"; return 1
}
ran() { eq "times $1 ran" "$(grep -cxF -- "$1" "$hd/log" 2>/dev/null)" "${2:-1}"; }
got() {  # got KIND STATUS: the state KIND read on stdin
  jq -e --arg id "$id" --arg b "$b" --arg st "$2" \
    '.id == $id and .bundle == $b and .status == $st and (.ociVersion | length > 0)' "$hd/$1.json" >/dev/null &&
    return 0
  echo "$1 got: $(cat "$hd/$1.json" 2>&1) (wanted status \"$2\")"; return 1
}

# poststart is left to its own check (below): runc runs it at create time.
t_hooks_every_kind_with_state_in_order() {
  hooked all prestart createRuntime createContainer startContainer poststop || return 1
  create "$id" "$b" || return 1
  eq "hooks run by create" "$(sort "$hd/log" | tr '\n' ' ')" "createContainer createRuntime prestart " &&
    before prestart createContainer && before createRuntime createContainer || return 1
  runtime start "$id" && wait_status "$id" stopped || return 1
  eq "startContainer, then the process" "$(tail -n 2 "$hd/log" | tr '\n' ' ')" "startContainer process " || return 1
  runtime delete "$id" || return 1
  eq "last" "$(tail -n 1 "$hd/log")" poststop || return 1
  ran prestart && ran createRuntime && ran createContainer && ran startContainer && ran poststop &&
    got prestart creating && got createRuntime creating && got createContainer creating &&
    got startContainer created && got poststop stopped
}
t_hooks_pid_in_state() {
  # "For hooks executed in the runtime namespace, it is the pid as seen by the
  # runtime.  For hooks executed in the container namespace, it is the pid as
  # seen by the container." (runtime-spec state.md).  pid is REQUIRED only
  # once the status is created, but the container process exists when these
  # run, runc passes it, and real hooks need it (CNI and GPU hooks find the
  # container's namespaces through /proc/PID).
  hooked pid prestart createRuntime createContainer startContainer || return 1
  create "$id" "$b" || return 1
  local pid k; pid=$(runtime state "$id" | jq -r .pid)
  for k in prestart createRuntime; do eq "$k pid" "$(jq -r .pid "$hd/$k.json")" "$pid" || return 1; done
  eq "createContainer pid" "$(jq -r .pid "$hd/createContainer.json")" 1 || return 1
  runtime start "$id" && wait_status "$id" stopped || return 1
  eq "startContainer pid" "$(jq -r .pid "$hd/startContainer.json")" 1
}
# runc 1.1.5 runs poststart hooks inside `create` (libcontainer's
# Container.Start, which create calls), with status "created", and a failing
# poststart hook fails create.  The spec: poststart runs as part of `start`,
# after the user process is executed and before start returns; its failure
# only logs a warning.
spec_only[t_hooks_poststart_runs_in_start]="runs poststart hooks during create, with status \"created\""
t_hooks_poststart_runs_in_start() {
  hooked post startContainer poststart || return 1
  create "$id" "$b" || return 1
  [ ! -e "$hd/log" ] || { echo "hooks run by create:"; cat "$hd/log"; return 1; }
  local pid; pid=$(runtime state "$id" | jq -r .pid)
  runtime start "$id" || return 1
  ran poststart && got poststart running && eq "poststart pid" "$(jq -r .pid "$hd/poststart.json")" "$pid" &&
    before startContainer poststart
}
spec_only[t_failing_poststart_hook_only_warns]="a failing poststart hook fails create (where runc runs it)"
t_failing_poststart_hook_only_warns() {
  new_container failpost || return 1
  set_cfg "$b" '.hooks.poststart = [{path: $p, args: ["payload", "exit", "3"]}]' --arg p "$b/rootfs/payload" &&
    set_args "$b" /payload write /ran yes && create "$id" "$b" || return 1
  runtime start "$id" || { echo "start failed"; return 1; }
  local i; for ((i = 0; i < 100; i++)); do [ -e "$b/rootfs/ran" ] && return 0; sleep 0.05; done
  echo "the process did not run"; return 1
}
t_hooks_run_on_run() {
  # `run` is create + start + wait + delete: all six, poststop last
  hooked run || return 1
  runtime run --bundle "$b" "$id" </dev/null >/dev/null 2>"$T/io/$id.err" || { cat "$T/io/$id.err"; return 1; }
  local k; for k in "${kinds[@]}"; do eq "times $k ran" "$(grep -cxF "$k" "$hd/log")" 1 || return 1; done
  eq "last" "$(tail -1 "$hd/log")" poststop && no_state "$id"
}
t_hook_timeout_fails_create() {
  new_container timeout || return 1
  # the static payload runs on the host too; it sleeps well past the timeout
  set_cfg "$b" '.hooks.createRuntime = [{path: $p, args: [$p, "sleep", "30"], timeout: 1}]' \
    --arg p "$b/rootfs/payload" || return 1
  local start=$SECONDS rc=0
  runtime create --bundle "$b" "$id" </dev/null >/dev/null 2>"$T/io/$id.err" || rc=$?
  eq "create with a hook past its timeout" "$rc" 1 || return 1
  [ $((SECONDS - start)) -le 10 ] || { echo "create took $((SECONDS - start))s"; return 1; }
  # the hook (its cmdline names the bundle) and the container's init are gone
  no_state "$id" && no_cgroups "$id" && no_processes "$id"
}
t_failing_create_runtime_hook() {
  new_container failhook || return 1
  set_cfg "$b" '.hooks.createRuntime = [{path: $p, args: ["payload", "exit", "3"]}]
      | .hooks.poststart = [{path: $p, args: ["payload", "write", $m, "ran"]}]' \
    --arg p "$b/rootfs/payload" --arg m "$b/poststart-ran" || return 1
  local rc=0; runtime create --bundle "$b" "$id" </dev/null >/dev/null 2>"$T/io/$id.err" || rc=$?
  eq "create with a failing createRuntime hook" "$rc" 1 && no_state "$id" && no_cgroups "$id" &&
    no_processes "$id" || return 1
  [ ! -e "$b/poststart-ran" ] || { echo "poststart ran"; return 1; }
}
run_checks
finish
