#!/bin/bash
# Podman 4.3 (via conmon) driving the runtime under test: the scenario of
# issue #7, each step asserting what a user of Podman would observe.  Root.
#
#   sudo OCI_RUNTIME=/usr/bin/runc bash tests/clients/podman.sh   # the test itself, against runc
#   sudo bash tests/clients/podman.sh                             # against build/berth
#
# Podman runs with its own storage (vfs), run root, tmp dir, events log and
# network config under $T (lib.sh's podman_setup), --runtime naming the
# wrapper, cgroupfs with every container beneath --cgroup-parent $CG_PARENT.
set -uo pipefail
CLIENT=podman CLIENT_TOOLS="podman conmon"
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

podman_setup
if ! podman_images >"$T/images.log" 2>&1; then
  echo "FAIL - podman: import the busybox images"; sed 's/^/    /' "$T/images.log"
  echo "0 passed, 1 failed, 0 skipped"; exit 1
fi

# prun ARGS...: `podman run` with the test's cgroup parent.
prun() { pm run --cgroup-parent "$CG_PARENT" "$@"; }
# detached NAME ARGS...: a detached container NAME running ARGS.
detached() { local n=$1; shift; prun -d --name "$n" "$IMAGE" "$@" >/dev/null; }
inspect() { pm inspect --format "$2" "$1"; }
status_is() { [ "$(inspect "$1" '{{.State.Status}}')" = "$2" ]; }

# ---- run ---------------------------------------------------------------------

t_run_output() {
  local out; out=$(prun --rm "$IMAGE" echo hello from podman) || return 1
  eq "output" "$out" "hello from podman"
}
t_run_exit_code() {
  local rc=0; prun --rm "$IMAGE" sh -c 'exit 3' || rc=$?
  eq "exit code of sh -c 'exit 3'" "$rc" 3
}
t_run_missing_binary() {
  local rc=0 err; err=$(prun --rm "$IMAGE" /no/such/binary 2>&1) || rc=$?
  eq "exit code of a missing binary (Podman: 127)" "$rc" 127 || { echo "$err"; return 1; }
}
t_run_detached() {
  detached det sleep 1000 || return 1
  status_is det running || { echo "status: $(inspect det '{{.State.Status}}')"; return 1; }
  local pid; pid=$(inspect det '{{.State.Pid}}')
  has "the container's process" "$(tr '\0' ' ' < "/proc/$pid/cmdline")" "sleep 1000"
}

# ---- exec (in the detached container "det") ----------------------------------

t_exec_exit_code() {
  local rc=0; pm exec det sh -c 'exit 5' || rc=$?
  eq "exec exit code" "$rc" 5
}
t_exec_user() {
  local out; out=$(pm exec --user 1000:1000 det sh -c 'id -u; id -g') || return 1
  eq "exec --user 1000:1000" "$(echo $out)" "1000 1000"
}
t_exec_env() {
  local out; out=$(pm exec -e BERTH_X=exec-env det sh -c 'echo $BERTH_X') || return 1
  eq "exec -e" "$out" "exec-env"
}
t_exec_cwd() {
  local out; out=$(pm exec -w /srv det pwd) || return 1
  eq "exec -w" "$out" "/srv"
}
t_exec_tty() {
  local out; out=$(pm exec -t det tty | tr -d '\r') || return 1
  [[ $out == /dev/pts/* ]] || { echo "exec -t: tty printed \"$out\""; return 1; }
}
t_exec_detached() {
  pm exec -d det sh -c 'echo detached-exec > /tmp/exec-d' >/dev/null || return 1
  until_true 10 pm exec det cat /tmp/exec-d || return 1
  eq "file written by the detached exec" "$(pm exec det cat /tmp/exec-d)" detached-exec
}
t_top() {
  local out; out=$(pm top det) || return 1
  has "podman top" "$out" "sleep 1000"
}

# ---- pause, update -----------------------------------------------------------

t_pause_unpause() {
  local pid fz; pid=$(inspect det '{{.State.Pid}}') && fz=$(cgroup_dir freezer "$pid") || return 1
  pm pause det >/dev/null || return 1
  status_is det paused || { echo "after pause: $(inspect det '{{.State.Status}}')"; return 1; }
  eq "freezer.state after pause" "$(cat "$fz/freezer.state")" FROZEN || return 1
  # The kernel shows the frozen task stopped in the freezer (D, or T).
  grep -qE '^State:\s+[DT]' "/proc/$pid/status" || { grep State "/proc/$pid/status"; return 1; }
  pm unpause det >/dev/null || return 1
  status_is det running || { echo "after unpause: $(inspect det '{{.State.Status}}')"; return 1; }
  eq "freezer.state after unpause" "$(cat "$fz/freezer.state")" THAWED || return 1
  eq "exec after unpause" "$(pm exec det echo alive)" alive
}
t_kill_paused() {
  detached killp sleep 1000 || return 1
  pm pause killp >/dev/null && status_is killp paused || return 1
  pm kill -s KILL killp >/dev/null || return 1
  eq "podman wait after kill -s KILL of a paused container" "$(PM_TIMEOUT=20 pm wait killp)" 137
}
t_rm_force_paused() {
  detached rmp sleep 1000 || return 1
  local pid fz; pid=$(inspect rmp '{{.State.Pid}}') && fz=$(cgroup_dir freezer "$pid") || return 1
  pm pause rmp >/dev/null && status_is rmp paused || return 1
  pm rm -f -t 0 rmp >/dev/null || return 1
  [ ! -e "$fz" ] || { echo "cgroup $fz left after rm -f of a paused container"; return 1; }
  [ ! -e "/proc/$pid" ] || { echo "process $pid still alive"; return 1; }
}
t_update_memory() {
  local pid mem; pid=$(inspect det '{{.State.Pid}}') && mem=$(cgroup_dir memory "$pid") || return 1
  pm update --memory 96m det >/dev/null || return 1
  eq "memory.limit_in_bytes after podman update --memory 96m" "$(cat "$mem/memory.limit_in_bytes")" 100663296
}

# ---- stop, kill --------------------------------------------------------------

t_stop_timeout_kill() {
  # PID 1 of a pid namespace ignores TERM without a handler; here explicitly.
  prun -d --name stopk "$IMAGE" /payload ignore-term 1000 >/dev/null || return 1
  local start=$SECONDS
  pm stop -t 2 stopk >/dev/null || return 1
  eq "exit code after stop -t 2 (TERM ignored, then KILL)" "$(inspect stopk '{{.State.ExitCode}}')" 137 || return 1
  [ $((SECONDS - start)) -ge 2 ] || { echo "stop returned before the 2 s timeout"; return 1; }
}
t_stop_term_trap() {
  prun -d --name stopt "$IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done' >/dev/null || return 1
  pm stop -t 20 stopt >/dev/null || return 1
  eq "exit code after stop with a TERM trap" "$(inspect stopt '{{.State.ExitCode}}')" 0
}
t_kill_term() {
  prun -d --name killt "$IMAGE" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null || return 1
  pm kill -s TERM killt >/dev/null || return 1
  eq "podman wait after kill -s TERM" "$(pm wait killt)" 7
}
t_kill_kill() {
  detached killk sleep 1000 || return 1
  pm kill -s KILL killk >/dev/null || return 1
  eq "podman wait after kill -s KILL" "$(pm wait killk)" 137
}

# ---- resources ---------------------------------------------------------------

t_memory_limit_visible() {
  local out; out=$(prun --rm --memory 32m "$IMAGE" cat /sys/fs/cgroup/memory/memory.limit_in_bytes) || return 1
  eq "memory.limit_in_bytes inside" "$out" 33554432
}
t_memory_limit_oom() {
  # State.OOMKilled is not asserted: Podman reports false on this host with
  # runc as well.
  local rc=0; prun --rm --memory 32m --memory-swap 32m "$IMAGE" /payload memhog 128 >/dev/null 2>&1 || rc=$?
  eq "exit code of memhog 128 MiB under 32 MiB" "$rc" 137
}
t_pids_limit_visible() {
  local out; out=$(prun --rm --pids-limit 10 "$IMAGE" cat /sys/fs/cgroup/pids/pids.max) || return 1
  eq "pids.max inside" "$out" 10
}
t_pids_limit_enforced() {
  local out; out=$(prun --rm --pids-limit 10 "$IMAGE" /payload forkbomb 50) || return 1
  has "forkbomb 50 under pids.max 10" "$out" "error EAGAIN" || return 1
  local n; n=$(sed -n 's/^forked //p' <<<"$out")
  [ "$n" -lt 10 ] || { echo "forked $n processes under pids.max 10"; return 1; }
}

# ---- filesystem, terminal, stdin, user, process ------------------------------

t_read_only_rootfs() {
  local out
  out=$(prun --rm --read-only "$IMAGE" sh -c 'touch /x 2>&1; touch /tmp/y && echo tmp-writable') || return 1
  has "touch / on a read-only rootfs" "$out" "Read-only file system" && has "/tmp" "$out" tmp-writable
}
t_tty_run() {
  local out; out=$(prun --rm -t "$IMAGE" sh -c 'tty; stty size >/dev/null && echo is-a-terminal' | tr -d '\r') || return 1
  [[ $(head -1 <<<"$out") == /dev/pts/* ]] || { echo "run -t: tty printed \"$out\""; return 1; }
  has "run -t" "$out" is-a-terminal
}
t_stdin() {
  local out; out=$(printf 'line one\nline two\n' | prun --rm -i "$IMAGE" sh -c 'cat; echo eof') || return 1
  eq "run -i" "$out" "$(printf 'line one\nline two\neof')"
}
t_user_1000() {
  local out; out=$(prun --rm --user 1000 "$IMAGE" id -u) || return 1
  eq "run --user 1000" "$out" 1000
}
t_image_user_workdir() {
  local out; out=$(prun --rm "$IMAGE_USER" sh -c 'id -u; pwd') || return 1
  eq "USER/WORKDIR of the image" "$(echo $out)" "1000 /srv/app"
}
t_env_workdir_hostname() {
  local out
  out=$(prun --rm -e BERTH_Y=run-env -w /srv --hostname berth-host "$IMAGE" sh -c 'echo $BERTH_Y; pwd; hostname') || return 1
  eq "env, workdir, hostname" "$(echo $out)" "run-env /srv berth-host"
}

t_ulimits() {
  local out
  out=$(prun --rm --ulimit nofile=100:200 --ulimit nproc=1000:1000 "$IMAGE" sh -c 'ulimit -Sn; ulimit -Hn; ulimit -u') || return 1
  eq "nofile soft, hard; nproc" "$(echo $out)" "100 200 1000"
}
t_cgroups_disabled() {
  # Podman passes --cgroup-manager disabled to runtimes it lists in
  # runtime_supports_nocgroup; the container stays in conmon's cgroup, ours.
  if ! grep -q "^runtime_supports_nocgroup = .*\"$RT_NAME\"" "$CONTAINERS_CONF"; then
    echo "SKIP: $RT_NAME has no --cgroup-manager disabled (not in Podman's runtime_supports_nocgroup)"; return 0
  fi
  local out; out=$(pm run --rm --cgroups=disabled "$IMAGE" cat /proc/self/cgroup) || return 1
  eq "/proc/self/cgroup inside" "$out" "$(cat /proc/self/cgroup)" || return 1
  grep -qE " exit 0 .*--cgroup-manager disabled .*create " "$T/wrap/calls" ||
    { echo "no 'create' call with --cgroup-manager disabled"; return 1; }
}
t_sysctl() {
  local out; out=$(prun --rm --sysctl net.ipv4.ip_forward=1 "$IMAGE" cat /proc/sys/net/ipv4/ip_forward) || return 1
  eq "net.ipv4.ip_forward inside with --sysctl" "$out" 1
}
t_preserve_fds() {
  # conmon hands the fd on and passes --preserve-fds to create.
  echo preserved-fd > "$T/fd3"
  local out; out=$(prun --rm --preserve-fds 1 "$IMAGE" sh -c 'cat <&3' 3<"$T/fd3") || return 1
  eq "fd 3 inside" "$out" preserved-fd
}
t_volume_read_only() {
  mkdir -p "$T/vol" && echo from-host > "$T/vol/f" || return 1
  local out; out=$(prun --rm -v "$T/vol:/vol:ro" "$IMAGE" sh -c 'cat /vol/f; touch /vol/g 2>&1; true') || return 1
  has "bind mount" "$out" from-host && has "ro bind mount" "$out" "Read-only file system"
}
t_capabilities() {
  local out; out=$(prun --rm --cap-drop all --cap-add CHOWN "$IMAGE" grep -E '^Cap(Eff|Bnd)' /proc/self/status) || return 1
  eq "capabilities with --cap-drop all --cap-add CHOWN" "$(echo $out)" "CapEff: 0000000000000001 CapBnd: 0000000000000001"
}
t_user_namespace() {
  local out; out=$(prun --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 "$IMAGE" \
    sh -c 'cat /proc/self/uid_map; touch /tmp/f && stat -c %u /tmp/f') || return 1
  eq "uid_map, owner of a new file" "$(echo $out)" "0 100000 65536 0"
}

# ---- network -----------------------------------------------------------------

t_host_network() {
  local out; out=$(prun --rm --network host "$IMAGE" readlink /proc/self/ns/net) || return 1
  eq "network namespace with --network host" "$out" "$(readlink /proc/self/ns/net)"
}

# A CNI network of our own (Podman's CNI backend reads any conflist in
# network_config_dir): a bridge with a gateway address and host-local IPAM
# whose leases live under $T; no masquerading, port mapping or firewall
# plugin, so that nothing is added to iptables.  The bridge plugin leaves the
# bridge behind when the last container goes: cl_teardown deletes it.
NET=berthnet$$ BRIDGE=bcl$$
CL_TAG=bcl
SUBNET_C=$((200 + $$ % 50))
t_bridge_network() {
  if [ ! -x /usr/lib/cni/bridge ] || [ ! -x /usr/lib/cni/host-local ]; then
    echo "SKIP: no CNI bridge/host-local plugins in /usr/lib/cni (containernetworking-plugins)"; return 0
  fi
  if ip -4 route | grep -q "^10\.213\.$SUBNET_C\."; then
    echo "SKIP: 10.213.$SUBNET_C.0/24 is already routed on this host"; return 0
  fi
  jq -n --arg net "$NET" --arg br "$BRIDGE" --arg sub "10.213.$SUBNET_C.0/24" --arg gw "10.213.$SUBNET_C.1" \
    --arg data "$T/cni-ipam" '{cniVersion: "0.4.0", name: $net, plugins: [{type: "bridge", bridge: $br,
      isGateway: true, ipMasq: false, hairpinMode: false,
      ipam: {type: "host-local", dataDir: $data, routes: [{dst: "0.0.0.0/0"}],
             ranges: [[{subnet: $sub, gateway: $gw}]]}}]}' > "$T/podman/cni/$NET.conflist" || return 1
  local out
  out=$(prun --rm --network "$NET" --cap-add NET_RAW "$IMAGE" \
    sh -c "ip -4 -o addr show eth0; ping -c 1 -W 5 10.213.$SUBNET_C.1 >/dev/null && echo gateway-reachable") || return 1
  has "eth0 on the bridge network" "$out" "inet 10.213.$SUBNET_C." && has "ping the gateway" "$out" gateway-reachable
}

# ---- rm -f -------------------------------------------------------------------

t_rm_force_running() {
  detached rmme sleep 1000 || return 1
  local id pid cgs=() d; id=$(inspect rmme '{{.Id}}') && pid=$(inspect rmme '{{.State.Pid}}') || return 1
  for d in memory pids freezer; do cgs+=("$(cgroup_dir "$d" "$pid")") || return 1; done
  local state=/run/$RT_NAME/$id     # Podman passes no --root: the runtime's default
  [ -e "$state" ] || { echo "no runtime state at $state while running"; return 1; }
  pm rm -f -t 0 rmme >/dev/null || return 1
  for d in "${cgs[@]}"; do [ ! -e "$d" ] || { echo "cgroup $d left after rm -f"; return 1; }; done
  [ ! -e "$state" ] || { echo "runtime state $state left after rm -f"; return 1; }
  [ ! -e "/proc/$pid" ] || { echo "process $pid still alive after rm -f"; return 1; }
  [ -z "$(pm ps -a -q --filter name=rmme)" ] || { echo "podman still lists rmme"; return 1; }
}

cl_teardown() {
  pm rm -a -f -t 0 >/dev/null 2>&1
  [ -f "$T/podman/cni/$NET.conflist" ] && ip link show "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE"
  # libcni's cache of this network's results (the plugins remove the rest).
  rm -rf /var/lib/cni/results/"$NET"-* 2>/dev/null
  pm rmi -a -f >/dev/null 2>&1
  return 0
}

# ---- run them ----------------------------------------------------------------

for t in run_output run_exit_code run_missing_binary run_detached exec_exit_code exec_user exec_env \
         exec_cwd exec_tty exec_detached top pause_unpause update_memory stop_timeout_kill \
         stop_term_trap kill_term kill_kill kill_paused rm_force_paused memory_limit_visible \
         memory_limit_oom pids_limit_visible pids_limit_enforced read_only_rootfs tty_run stdin \
         user_1000 image_user_workdir env_workdir_hostname ulimits cgroups_disabled sysctl \
         preserve_fds volume_read_only capabilities user_namespace host_network bridge_network \
         rm_force_running; do
  [ -n "${CL_STEPS:-}" ] && [[ " $CL_STEPS " != *" $t "* ]] && continue
  check_step "podman ${t//_/ }" "t_$t"
done
cl_finish
