#!/bin/bash
# containerd 1.6 (ctr and its runc v2 shim) driving the runtime under test:
# the scenario of issue #7, each step asserting what a user of ctr would
# observe.  Root.
#
#   sudo OCI_RUNTIME=/usr/bin/runc bash tests/clients/containerd.sh   # the test itself, against runc
#   sudo bash tests/clients/containerd.sh                             # against build/berth
#
# The test starts its own containerd (root, state, temp dir and sockets
# under $T, the CRI plugin off) and stops it by its PID at the end.  Images
# come from Podman (`podman save` of the imported busybox rootfs) through
# `ctr images import`.  Every `ctr run` names the wrapper with
# --runc-binary; ctr 1.6 drops that option with --no-pivot or --uidmap, so
# the wrapper is also first on containerd's PATH under the name `runc`.
# Containers get the relative cgroup path $CG_PARENT/<id> (lib.sh).
set -uo pipefail
CLIENT=containerd CLIENT_TOOLS="containerd ctr containerd-shim-runc-v2 podman script"
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

NS=berth-clients-$$                 # the containerd namespace, unique to this run
CTD=$T/ctd
SOCK=$CTD/containerd.sock
FIFO=$CTD/fifo
RUNC_ROOT=$CTD/runc                 # the runtime's --root is $RUNC_ROOT/$NS
mkdir -p "$CTD/pathbin" "$FIFO"
wrapper_stub "$CTD/pathbin/runc"

cat > "$CTD/config.toml" <<EOF
version = 2
root = "$CTD/root"
state = "$CTD/state"
temp = "$CTD/tmp"
# No CRI (it would watch /etc/cni/net.d and write /var/lib), no /opt/containerd.
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$SOCK"

[ttrpc]
  address = "$SOCK.ttrpc"
EOF

# ctr ARGS...: ctr on our daemon, in our namespace.
c() { timeout -k 5 "${CTR_TIMEOUT:-60}" ctr --address "$SOCK" -n "$NS" "$@"; }

CTD_PID=
if ! podman_setup || ! image_archive >"$T/images.log" 2>&1; then
  echo "FAIL - containerd: build the image archive with podman"; sed 's/^/    /' "$T/images.log"
  echo "0 passed, 1 failed, 0 skipped"; exit 1
fi
PATH=$CTD/pathbin:$PATH containerd --config "$CTD/config.toml" </dev/null >"$CTD/containerd.log" 2>&1 &
CTD_PID=$!
if ! until_true 20 c version >/dev/null 2>&1 || ! c images import "$IMAGE_ARCHIVE" >"$T/import.log" 2>&1; then
  echo "FAIL - containerd: start the daemon and import the images"
  tail -20 "$CTD/containerd.log" "$T/import.log" | sed 's/^/    /'
  echo "0 passed, 1 failed, 0 skipped"; exit 1
fi

# cr ID [CTR-RUN-FLAGS...] IMAGE [ARGS...]: `ctr run` of container ID with the
# wrapped runtime, our fifo dir, runtime root and cgroup path.  Flags must
# be given as --flag or --flag=value.
cr() {
  local id=$1 flags=(); shift
  while [ $# -gt 0 ] && [[ $1 == -* ]]; do flags+=("$1"); shift; done
  local image=$1; shift
  c run --fifo-dir "$FIFO" --runc-binary "$WRAPPED" --runc-root "$RUNC_ROOT" \
    --cgroup "$CG_PARENT/$id" "${flags[@]}" "$image" "$id" "$@"
}
# cx FLAGS... ID ARGS...: `ctr task exec` with a fresh exec id.
_exec_n=0
cx() { _exec_n=$((_exec_n + 1)); c task exec --fifo-dir "$FIFO" --exec-id "x$_exec_n-$BASHPID" "$@"; }
# task_status ID: RUNNING, PAUSED, STOPPED... from `ctr task ls`.
task_status() { c task ls | awk -v id="$1" '$1 == id {print $3}'; }
task_pid() { c task ls | awk -v id="$1" '$1 == id {print $2}'; }
status_is() { [ "$(task_status "$1")" = "$2" ]; }
# bg_run ID [FLAGS...] IMAGE ARGS...: cr in the background; its exit status
# is in $T/ID.rc when it ends.
bg_run() {
  local id=$1
  { cr "$@" >"$T/$id.out" 2>&1; echo $? > "$T/$id.rc"; } </dev/null >/dev/null 2>&1 &
  until_true 20 status_is "$id" RUNNING
}
bg_status() { until_true 20 test -s "$T/$1.rc" && cat "$T/$1.rc"; }
# called VERB-AND-ARGS: the wrapper log has an exit-0 call ending in it.
called() { grep -qE " exit 0 .*$1\$" "$T/wrap/calls"; }

# ---- run ---------------------------------------------------------------------

t_run_output() {
  local out; out=$(cr r-out --rm "$IMAGE" echo hello from containerd) || return 1
  eq "output" "$out" "hello from containerd"
}
t_run_exit_code() {
  local rc=0; cr r-exit --rm "$IMAGE" sh -c 'exit 3' || rc=$?
  eq "exit code of sh -c 'exit 3'" "$rc" 3
}
t_run_missing_binary() {
  local rc=0 out; out=$(cr r-missing --rm "$IMAGE" /no/such/binary 2>&1) || rc=$?
  [ $rc -ne 0 ] || { echo "ctr run of a missing binary exited 0"; return 1; }
  has "ctr's error" "$out" "/no/such/binary" || return 1
  [ -z "$(task_status r-missing)" ] || { echo "task r-missing left: $(task_status r-missing)"; return 1; }
}
t_run_detached() {
  cr det -d "$IMAGE" sleep 1000 >/dev/null || return 1
  status_is det RUNNING || { echo "task status: $(task_status det)"; return 1; }
  has "the container's process" "$(tr '\0' ' ' < "/proc/$(task_pid det)/cmdline")" "sleep 1000"
}

# ---- exec (in the detached container "det") ----------------------------------

t_exec_exit_code() {
  local rc=0; cx det sh -c 'exit 5' || rc=$?
  eq "exec exit code" "$rc" 5
}
t_exec_user() {
  # In a container of its own: for --user, ctr mounts the container's
  # snapshot a second time to read /etc/passwd, and a second overlay mount
  # on a running container's upper dir leaves that container's writes
  # failing (ENOENT on /tmp) afterwards, whatever the runtime.
  cr exu -d "$IMAGE" sleep 1000 >/dev/null || return 1
  local out; out=$(cx --user 1000 exu id -u) || return 1
  eq "exec --user 1000" "$out" 1000
}
t_exec_cwd() {
  local out; out=$(cx --cwd /srv det pwd) || return 1
  eq "exec --cwd" "$out" /srv
}
t_exec_tty() {
  # ctr -t needs a terminal of its own: script(1) gives it one.
  local out
  out=$(script -qec "ctr --address $SOCK -n $NS task exec --fifo-dir $FIFO --exec-id xtty -t det tty" /dev/null |
    tr -d '\r') || return 1
  [[ $out == /dev/pts/* ]] || { echo "exec -t: tty printed \"$out\""; return 1; }
}
t_exec_detached() {
  cx -d det sh -c 'echo detached-exec > /tmp/exec-d' >/dev/null || return 1
  until_true 10 cx det cat /tmp/exec-d || return 1
  eq "file written by the detached exec" "$(cx det cat /tmp/exec-d)" detached-exec
}
t_task_ps() {
  local out pid; pid=$(task_pid det) && out=$(c task ps det) || return 1
  grep -qE "^$pid\b" <<<"$out" || { echo "ctr task ps det: no pid $pid in:"; echo "$out"; return 1; }
  called "ps --format json det" || { echo "no 'ps --format json det' call"; return 1; }
}

# ---- pause -------------------------------------------------------------------

t_pause_resume() {
  local pid fz; pid=$(task_pid det) && fz=$(cgroup_dir freezer "$pid") || return 1
  c task pause det || return 1
  status_is det PAUSED || { echo "after pause: $(task_status det)"; return 1; }
  eq "freezer.state after pause" "$(cat "$fz/freezer.state")" FROZEN || return 1
  grep -qE '^State:\s+[DT]' "/proc/$pid/status" || { grep State "/proc/$pid/status"; return 1; }
  c task resume det || return 1
  status_is det RUNNING || { echo "after resume: $(task_status det)"; return 1; }
  eq "freezer.state after resume" "$(cat "$fz/freezer.state")" THAWED || return 1
  eq "exec after resume" "$(cx det echo alive)" alive
}

# ---- kill --------------------------------------------------------------------

t_kill_term() {
  bg_run k-term "$IMAGE" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' || return 1
  c task kill -s SIGTERM k-term || return 1
  eq "ctr run's exit code after kill -s SIGTERM" "$(bg_status k-term)" 7
}
t_kill_kill() {
  bg_run k-kill "$IMAGE" sleep 1000 || return 1
  c task kill -s SIGKILL k-kill || return 1
  eq "ctr run's exit code after kill -s SIGKILL" "$(bg_status k-kill)" 137
}
t_term_ignored_then_kill() {
  # What `stop` with a timeout does: TERM, which PID 1 ignores, then KILL.
  bg_run k-ign "$IMAGE" /payload ignore-term 1000 || return 1
  c task kill -s SIGTERM k-ign || return 1
  sleep 1
  status_is k-ign RUNNING || { echo "after TERM: $(task_status k-ign)"; return 1; }
  c task kill -s SIGKILL k-ign || return 1
  eq "ctr run's exit code after KILL" "$(bg_status k-ign)" 137
}
t_kill_paused() {
  bg_run k-paused "$IMAGE" sleep 1000 || return 1
  c task pause k-paused && status_is k-paused PAUSED || return 1
  c task kill -s SIGKILL k-paused || return 1
  eq "ctr run's exit code after kill -s SIGKILL of a paused task" "$(bg_status k-paused)" 137
}
t_kill_all() {
  cr k-all -d "$IMAGE" sh -c 'sleep 1000 & sleep 1000 & wait' >/dev/null || return 1
  local pids; pids=$(cgroup_dir pids "$(task_pid k-all)") || return 1
  until_true 10 test "$(wc -l < "$pids/cgroup.procs")" -ge 3 || return 1
  c task kill --all -s SIGKILL k-all || return 1
  until_true 10 status_is k-all STOPPED || { echo "after kill --all: $(task_status k-all)"; return 1; }
  called "kill --all k-all 9" || { echo "no 'kill --all k-all 9' call"; return 1; }
  [ ! -s "$pids/cgroup.procs" ] || { echo "processes left: $(cat "$pids/cgroup.procs")"; return 1; }
  c task delete k-all >/dev/null
}

# ---- resources ---------------------------------------------------------------

t_memory_limit_visible() {
  # ctr's default spec has no cgroup mount (the CRI plugin adds one): ask for it.
  local out
  out=$(cr m-vis --rm --memory-limit=33554432 --mount=type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro:nosuid:nodev:noexec \
    "$IMAGE" cat /sys/fs/cgroup/memory/memory.limit_in_bytes) || return 1
  eq "memory.limit_in_bytes inside" "$out" 33554432
}
t_memory_limit_oom() {
  local rc=0; cr m-oom --rm --memory-limit=33554432 "$IMAGE" /payload memhog 128 >/dev/null 2>&1 || rc=$?
  eq "exit code of memhog 128 MiB under 32 MiB" "$rc" 137
}

# ---- filesystem, terminal, stdin, user, process, network ---------------------

t_read_only_rootfs() {
  local out
  out=$(cr ro --rm --read-only --mount=type=tmpfs,src=tmpfs,dst=/tmp,options=nosuid:nodev "$IMAGE" \
    sh -c 'touch /x 2>&1; touch /tmp/y && echo tmp-writable') || return 1
  has "touch / on a read-only rootfs" "$out" "Read-only file system" && has "/tmp" "$out" tmp-writable
}
t_tty_run() {
  local out
  out=$(script -qec "ctr --address $SOCK -n $NS run --fifo-dir $FIFO --runc-binary $WRAPPED --runc-root $RUNC_ROOT --cgroup $CG_PARENT/tty --rm -t $IMAGE tty sh -c 'tty; test -t 0 && test -t 1 && echo is-a-terminal'" /dev/null |
    tr -d '\r' | sed 's/\^@//g') || return 1   # the terminal echoes a NUL from ctr as ^@
  [[ $(head -1 <<<"$out") == /dev/pts/* ]] || { echo "run -t: printed \"$out\""; return 1; }
  has "run -t" "$out" is-a-terminal
}
t_stdin() {
  # ctr 1.6 does not close the container's stdin at the end of its own:
  # read two lines, never until EOF.
  local out
  out=$(printf 'line one\nline two\n' | cr stdin --rm "$IMAGE" sh -c 'read a; read b; echo "$b|$a"') || return 1
  eq "stdin" "$out" "line two|line one"
}
t_image_user_workdir() {
  local out; out=$(cr img-user --rm "$IMAGE_USER" sh -c 'id -u; pwd') || return 1
  eq "USER/WORKDIR of the image" "$(echo $out)" "1000 /srv/app"
}
t_env_cwd() {
  local out; out=$(cr env --rm --env=BERTH_Y=run-env --cwd=/srv "$IMAGE" sh -c 'echo $BERTH_Y; pwd') || return 1
  eq "env, cwd" "$(echo $out)" "run-env /srv"
}
t_home_from_passwd() {
  # The images set no HOME: the runtime takes the uid's from /etc/passwd,
  # "/" for a uid that has no entry (runc's convention).
  local out; out=$(cr home --rm "$IMAGE" sh -c 'echo $HOME') || return 1
  eq "HOME of root" "$out" /root || return 1
  out=$(cr home-u --rm "$IMAGE_USER" sh -c 'echo $HOME') || return 1
  eq "HOME of uid 1000 (no /etc/passwd entry)" "$out" /
}
t_host_network() {
  local out; out=$(cr net-host --rm --net-host "$IMAGE" readlink /proc/self/ns/net) || return 1
  eq "network namespace with --net-host" "$out" "$(readlink /proc/self/ns/net)"
}
t_no_pivot() {
  local out; out=$(cr no-pivot --rm --no-pivot "$IMAGE" sh -c 'echo no-pivot; ls /') || return 1
  has "output" "$out" no-pivot && has "the container's /" "$out" payload || return 1
  # ctr ignored --runc-binary: the runtime under test came from PATH.
  grep -qE " exit 0 .*create .*--no-pivot no-pivot\$" "$T/wrap/calls" ||
    { echo "no 'create --no-pivot' call of the runtime under test"; return 1; }
}

t_user_namespace() {
  # ctr ignores --runc-binary with --uidmap too: the runtime comes from PATH.
  local out
  out=$(cr userns --rm --uidmap=0:100000:65536 --gidmap=0:100000:65536 "$IMAGE" \
    sh -c 'cat /proc/self/uid_map; touch /tmp/f && stat -c %u /tmp/f') || return 1
  eq "uid_map, owner of a new file" "$(echo $out)" "0 100000 65536 0" || return 1
  grep -qE " exit 0 .*create .* userns\$" "$T/wrap/calls" || { echo "no 'create userns' call of the runtime under test"; return 1; }
}

# ---- delete ------------------------------------------------------------------

t_task_delete() {
  cr del -d "$IMAGE" sleep 1000 >/dev/null || return 1
  local pid cgs=() d; pid=$(task_pid del) || return 1
  for d in memory pids freezer; do cgs+=("$(cgroup_dir "$d" "$pid")") || return 1; done
  [ -e "$RUNC_ROOT/$NS/del" ] || { echo "no runtime state at $RUNC_ROOT/$NS/del"; return 1; }
  c task kill -s SIGKILL del && until_true 10 status_is del STOPPED || return 1
  c task delete del >/dev/null || return 1
  called "delete del" || { echo "no 'delete del' call that exited 0"; return 1; }
  # The shim's cleanup deletes the container again, already gone: exit 0.
  until_true 10 called "delete --force del" || {
    echo "no 'delete --force del' call that exited 0:"; grep -E " del\$" "$T/wrap/calls"; return 1; }
  for d in "${cgs[@]}"; do [ ! -e "$d" ] || { echo "cgroup $d left"; return 1; }; done
  [ ! -e "$RUNC_ROOT/$NS/del" ] || { echo "runtime state $RUNC_ROOT/$NS/del left"; return 1; }
}
t_task_delete_force_running() {
  cr delf -d "$IMAGE" sleep 1000 >/dev/null || return 1
  local pid cgs=() d; pid=$(task_pid delf) || return 1
  for d in memory pids; do cgs+=("$(cgroup_dir "$d" "$pid")") || return 1; done
  c task delete --force delf >/dev/null || return 1
  [ -z "$(task_status delf)" ] || { echo "task delf: $(task_status delf)"; return 1; }
  for d in "${cgs[@]}"; do until_true 5 test ! -e "$d" || { echo "cgroup $d left"; return 1; }; done
  [ ! -e "$RUNC_ROOT/$NS/delf" ] || { echo "runtime state $RUNC_ROOT/$NS/delf left"; return 1; }
  [ ! -e "/proc/$pid" ] || { echo "process $pid still alive"; return 1; }
}

# ---- a full spec -------------------------------------------------------------

# `ctr run --config`: the runtime's own default spec (`spec`), with our
# rootfs, limits, hostname and relative cgroup path, run as given.
t_run_config_full_spec() {
  local s=$T/spec
  mkdir -p "$s/rootfs" && tar -C "$s/rootfs" -xf "$ROOTFS_TAR" && "$OCI_RUNTIME" spec --bundle "$s" || return 1
  jq --arg root "$s/rootfs" --arg cg "$CG_PARENT/cfg" '
    .root = {path: $root, readonly: true} | .hostname = "berth-spec" |
    .process.terminal = false | .process.env += ["BERTH_Z=from-spec"] |
    .process.args = ["sh", "-c", "cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes; hostname; echo $BERTH_Z; /payload forkbomb 50"] |
    .linux.cgroupsPath = $cg |
    .linux.resources.pids = {limit: 10} | .linux.resources.memory = {limit: 67108864}' \
    "$s/config.json" > "$s/spec.json" || return 1
  local out
  out=$(c run --fifo-dir "$FIFO" --runc-binary "$WRAPPED" --runc-root "$RUNC_ROOT" --rm \
    --config "$s/spec.json" cfg) || { echo "$out"; return 1; }
  eq "pids.max, memory limit, hostname, env" "$(head -4 <<<"$out" | tr '\n' ' ')" "10 67108864 berth-spec from-spec " &&
    has "forkbomb under pids.max 10" "$out" "error EAGAIN"
}

cl_teardown() {
  local id
  if [ -n "$CTD_PID" ] && kill -0 "$CTD_PID" 2>/dev/null; then
    for id in $(c task ls -q 2>/dev/null); do
      c task kill -a -s SIGKILL "$id" >/dev/null 2>&1
      c task delete --force "$id" >/dev/null 2>&1
    done
    for id in $(c containers ls -q 2>/dev/null); do c containers delete "$id" >/dev/null 2>&1; done
    c images rm $(c images ls -q 2>/dev/null) >/dev/null 2>&1
    kill -TERM "$CTD_PID"
    until_true 10 eval "! kill -0 $CTD_PID" || kill -KILL "$CTD_PID"
    wait "$CTD_PID" 2>/dev/null
  fi
  return 0
}

# ---- run them ----------------------------------------------------------------

for t in run_output run_exit_code run_missing_binary run_detached exec_exit_code exec_user exec_cwd \
         exec_tty exec_detached task_ps pause_resume kill_term kill_kill term_ignored_then_kill \
         kill_paused kill_all memory_limit_visible memory_limit_oom read_only_rootfs tty_run stdin \
         image_user_workdir env_cwd home_from_passwd host_network no_pivot user_namespace \
         task_delete task_delete_force_running run_config_full_spec; do
  [ -n "${CL_STEPS:-}" ] && [[ " $CL_STEPS " != *" $t "* ]] && continue
  check_step "containerd ${t//_/ }" "t_$t"
done
cl_finish
