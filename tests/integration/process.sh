#!/bin/bash
# What the container process sees: fds, env, cwd, user, rlimits,
# capabilities, no_new_privs, hostname, namespaces, rootfs and devices, and a
# terminal through --console-socket.  Root; see common.sh.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

t_no_fd_leaks() {
  # fd 7 is open (not close-on-exec) in the caller; the container must not see it
  local out; out=$(exec 7<"$T/ids"; run_payload fds . fds) || return 1
  eq "fds in the container" "$out" ""
}
t_preserve_fds() {
  echo three > "$T/io/f3"; echo four > "$T/io/f4"; echo five > "$T/io/f5"
  new_container pfds || return 1
  set_args "$b" /payload fds
  local out; out=$(runtime run --preserve-fds 2 --bundle "$b" "$id" 3<"$T/io/f3" 4<"$T/io/f4" 5<"$T/io/f5" \
                   </dev/null 2>"$T/io/$id.err") || { cat "$T/io/$id.err"; return 1; }
  eq "fds with --preserve-fds 2" "$out" "3 $T/io/f3
4 $T/io/f4"
}
t_listen_fds_runtime_activated() {
  # The runtime itself socket-activated (LISTEN_FDS=1, LISTEN_PID=its pid):
  # fd 3 goes into the container with LISTEN_FDS=1 and LISTEN_PID=1 (runc).
  echo three > "$T/io/la3"
  new_container listenrt || return 1
  set_args "$b" /bin/sh -c '/payload env | grep ^LISTEN_; /payload fds'
  # exec keeps the pid, so LISTEN_PID=$$ names the runtime process.
  local out; out=$(LISTEN_FDS=1 sh -c 'export LISTEN_PID=$$; exec "$@"' sh "$OCI_RUNTIME" --root "$ROOT" \
                   run --bundle "$b" "$id" 3<"$T/io/la3" </dev/null 2>"$T/io/$id.err") || { cat "$T/io/$id.err"; return 1; }
  has env "$out" "LISTEN_FDS=1" && has env "$out" "LISTEN_PID=1" && has fds "$out" "3 $T/io/la3"
}
spec_only[t_listen_fds_socket_activation]="keeps a stale LISTEN_PID from the config's env"
t_listen_fds_socket_activation() {
  # LISTEN_FDS in the config's env for --preserve-fds: LISTEN_PID must name
  # the process that receives the fds, the container's pid 1.
  echo three > "$T/io/lf3"
  new_container listen || return 1
  set_cfg "$b" '.process.env = ["PATH=/bin", "LISTEN_FDS=1", "LISTEN_PID=4242"]' && set_args "$b" /payload env || return 1
  local out; out=$(runtime run --preserve-fds 1 --bundle "$b" "$id" 3<"$T/io/lf3" </dev/null 2>"$T/io/$id.err") ||
    { cat "$T/io/$id.err"; return 1; }
  has env "$out" "LISTEN_FDS=1" && has env "$out" "LISTEN_PID=1" && hasnt env "$out" "LISTEN_PID=4242"
}
t_no_pivot_and_keep() {
  # --no-pivot (MS_MOVE + chroot, for initramfs hosts) runs the same
  # container; --keep leaves it stopped for a later delete.
  new_container nopivot || return 1
  set_args "$b" /bin/sh -c 'cat /proc/self/mountinfo | wc -l >/dev/null && /payload echo inside'
  local out; out=$(runtime run --no-pivot --keep --bundle "$b" "$id" </dev/null 2>"$T/io/$id.err") ||
    { cat "$T/io/$id.err"; return 1; }
  eq "output" "$out" inside && eq "status after run --keep" "$(status "$id")" stopped &&
    runtime delete "$id" && no_state "$id"
}
spec_only[t_scheduler_ioprio_affinity]="1.1.5 ignores process.scheduler, ioPriority and execCPUAffinity (runtime-spec 1.2)"
t_scheduler_ioprio_affinity() {
  # process.scheduler, ioPriority and execCPUAffinity, read back by the
  # process from the kernel (sched_getscheduler, getpriority, ioprio_get,
  # Cpus_allowed_list).
  local cpu; cpu=$(( $(nproc) - 1 ))
  new_container sched || return 1
  set_cfg "$b" '.process.scheduler = {policy: "SCHED_BATCH", nice: 5}
    | .process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 6}
    | .process.execCPUAffinity = {initial: "0", final: $c}' --arg c "$cpu" &&
    set_args "$b" /bin/sh -c '/payload sched; grep Cpus_allowed_list /proc/self/status' || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1)
  has "scheduler" "$out" "policy 3 nice 5 priority 0 ioprio 2 6" &&
    grep -qE "^Cpus_allowed_list:\s+$cpu\$" <<<"$out" || { echo "$out"; return 1; }
}
spec_only[t_personality_and_memory_policy]="1.1.5 ignores linux.personality and linux.memoryPolicy"
t_personality_and_memory_policy() {
  # linux.personality LINUX32 and linux.memoryPolicy MPOL_BIND on node 0,
  # seen in /proc/self/personality and /proc/self/numa_maps.
  new_container persona || return 1
  set_cfg "$b" '.linux.personality = {domain: "LINUX32"} | .linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0"}' &&
    set_args "$b" /bin/sh -c 'cat /proc/self/personality; grep -c "bind:0" /proc/self/numa_maps' || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1)
  has "personality" "$out" "00000008" && grep -qE '^[1-9][0-9]*$' <<<"$(tail -1 <<<"$out")" || { echo "$out"; return 1; }
}
spec_only[t_no_namespaces_at_all]="not run: a runtime that prepares the rootfs without a mount namespace would change this host's mount table"
t_no_namespaces_at_all() {
  # No namespace: the container shares everything with the host and gets
  # only its root directory (no mounts are allowed without a mount
  # namespace, validation refuses them), and the host's mount table is
  # untouched.
  new_container nons || return 1
  set_cfg "$b" '.linux.namespaces = [] | .mounts = [] | del(.hostname) | del(.linux.maskedPaths)
    | del(.linux.readonlyPaths) | .root.readonly = false' &&
    set_args "$b" /payload echo "no namespaces" || return 1
  local before after out
  before=$(wc -l < /proc/self/mountinfo)
  out=$(runtime run --bundle "$b" "$id" 2>&1) || { echo "$out"; return 1; }
  after=$(wc -l < /proc/self/mountinfo)
  eq "output" "$out" "no namespaces" && eq "host mount count" "$after" "$before" && no_state "$id"
}
t_mounts_without_mount_namespace_refused() {
  new_container nomnt || return 1
  set_cfg "$b" '.linux.namespaces = [{type: "pid"}] | del(.hostname) | del(.linux.maskedPaths)
    | del(.linux.readonlyPaths) | .root.readonly = false' || return 1
  local out rc=0; out=$(runtime create --bundle "$b" "$id" 2>&1) || rc=$?
  eq "exit status" "$rc" 1 && has "error" "$out" "mounts: requires a mount namespace" && no_state "$id"
}
spec_only[t_mounts_without_mount_namespace_refused]="not run: a runtime that mounts without a mount namespace would change this host's mount table"
t_symlink_escape_stays_in_rootfs() {
  # CVE-2021-30465 class: mount destinations through symlinks planted in the
  # image resolve inside the rootfs, never on the host.
  new_container escape || return 1
  local mark=berth-escape-$id
  ln -s / "$b/rootfs/abs" && ln -s "../../../../../../../../tmp/$mark" "$b/rootfs/rel" || return 1
  set_cfg "$b" '.mounts += [{destination: ("/abs/" + $m), type: "tmpfs", source: "tmpfs"},
                            {destination: "/rel", type: "tmpfs", source: "tmpfs"}]' --arg m "$mark" &&
    set_args "$b" /bin/sh -c 'grep -c " tmpfs " /proc/self/mountinfo >/dev/null; echo ran' || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1)
  has "container ran" "$out" ran || return 1
  [ ! -e "/$mark" ] && [ ! -e "/tmp/$mark" ] || { echo "a mount target escaped the rootfs"; ls -ld "/$mark" "/tmp/$mark" 2>&1; rm -rf "/$mark" "/tmp/$mark"; return 1; }
  ! grep -qF "$mark" /proc/self/mountinfo || { echo "host mount table has $mark"; return 1; }
  # the targets were made inside the rootfs instead
  [ -d "$b/rootfs/$mark" ] && [ -d "$b/rootfs/tmp/$mark" ] || { echo "targets not created inside the rootfs"; return 1; }
}
spec_only[t_sysfs_read_only_without_network_namespace]="berth's own hardening, not required of other runtimes"
t_sysfs_read_only_without_network_namespace() {
  # With the host's network namespace, a writable sysfs would expose the
  # host's interfaces for writing: berth mounts it read-only regardless.
  new_container sysro || return 1
  set_cfg "$b" '.linux.namespaces |= map(select(.type != "network"))
    | .mounts |= map(if .type == "sysfs" then .options = ["nosuid", "noexec", "nodev"] else . end)' &&
    set_args "$b" /bin/sh -c 'grep " /sys " /proc/self/mountinfo' || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1)
  grep -qE ' /sys (ro|ro,[^ ]*) ' <<<"$out" || { echo "sysfs not read-only: $out"; return 1; }
}
spec_only[t_sysctl_in_host_namespace_refused]="not run: a runtime that writes it would change this host's sysctl"
t_sysctl_in_host_namespace_refused() {
  # Joining the host's own network namespace by path and asking for a net.*
  # sysctl would change the host: refused before anything exists.
  new_container sysctlhost || return 1
  # this test shell's own network namespace: the host's, as the runtime's
  set_cfg "$b" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)
    | .linux.sysctl = {"net.ipv4.ip_forward": "1"}' --arg p "/proc/$$/ns/net" || return 1
  local out rc=0; out=$(runtime create --bundle "$b" "$id" 2>&1) || rc=$?
  eq "exit status" "$rc" 1 && has "error" "$out" 'linux.sysctl: "net.ipv4.ip_forward" would change the host' && no_state "$id"
}
t_sysctl_before_proc_sys_read_only() {
  # /proc/sys is among the readonlyPaths (as in every default config): the
  # sysctls go in before it turns read-only.  Found by tests/clients
  # (`podman run --sysctl`).
  local out rc=0
  out=$(run_payload sysctl '.linux.sysctl = {"net.ipv4.ip_forward": "1"}' cat /proc/sys/net/ipv4/ip_forward) || return 1
  eq "net.ipv4.ip_forward inside" "$out" 1 || return 1
  run_payload sysctlro . write /proc/sys/net/ipv4/ip_forward 0 >/dev/null 2>&1 || rc=$?
  [ $rc -ne 0 ] || { echo "/proc/sys is writable inside"; return 1; }
}
t_pid_one() {
  eq "pid" "$(run_payload pid . pid)" 1 && eq "ppid" "$(run_payload ppid . ppid)" 0
}
t_env() {
  local out; out=$(run_payload env '.process.env = ["PATH=/bin", "FOO=bar baz", "EMPTY="]' env) || return 1
  has env "$out" "FOO=bar baz" && has env "$out" "EMPTY=" && has env "$out" "PATH=/bin" &&
    hasnt env "$out" "TERM=xterm"
}
t_home_from_passwd() {
  # runc's convention, which images run by ctr rely on: no HOME in the env
  # gives the uid's home from the container's /etc/passwd, else "/"; a
  # HOME in the env stays.  Found by tests/clients.
  local out
  out=$(run_payload home . env) && has "env of uid 0" "$out" "HOME=/root" || return 1
  out=$(run_payload home1000 '.process.user = {uid: 1000, gid: 1000}' env) && has "env of uid 1000" "$out" "HOME=/" || return 1
  out=$(run_payload homeset '.process.env += ["HOME=/tmp"]' env) && has "env with HOME" "$out" "HOME=/tmp" &&
    hasnt "env with HOME" "$out" "HOME=/root"
}
t_cwd() {
  eq "cwd" "$(run_payload cwd '.process.cwd = "/tmp"' cwd)" /tmp
}
t_cwd_created_if_missing() {
  # Not in runtime-spec, but runc creates a missing cwd (as root, before
  # dropping privileges), and clients rely on it (images whose WORKDIR is
  # not in the rootfs).
  eq "cwd" "$(run_payload cwd2 '.process.cwd = "/work/dir"' cwd)" /work/dir
}
t_user_and_groups() {
  local u='.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20]}'
  eq "id" "$(run_payload user "$u" id)" "uid=1000 gid=1000 euid=1000 egid=1000 groups=10,20" || return 1
  eq "id of root" "$(run_payload root . id)" "uid=0 gid=0 euid=0 egid=0 groups="
}
t_rlimits() {
  local out; out=$(run_payload rlimits \
    '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456},
                         {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]' limits) || return 1
  has limits "$out" "RLIMIT_NOFILE 123 456" && has limits "$out" "RLIMIT_CORE 0 0"
}
t_capabilities_only_kill() {
  # CAP_KILL is bit 5: 0x20
  local out; out=$(run_payload caps \
    '.process.capabilities = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}' caps) || return 1
  eq caps "$out" "$(printf 'CapInh:\t%016x\nCapPrm:\t%016x\nCapEff:\t%016x\nCapBnd:\t%016x\nCapAmb:\t%016x' 0 32 32 32 0)"
}
t_capabilities_ambient_non_root() {
  local all='["CAP_KILL"]' out
  out=$(run_payload ambient ".process.user = {\"uid\": 1000, \"gid\": 1000} |
    .process.capabilities = {\"bounding\": $all, \"effective\": $all, \"permitted\": $all,
                             \"inheritable\": $all, \"ambient\": $all}" caps) || return 1
  eq caps "$out" "$(printf 'CapInh:\t%016x\nCapPrm:\t%016x\nCapEff:\t%016x\nCapBnd:\t%016x\nCapAmb:\t%016x' 32 32 32 32 32)"
}
t_ambient_without_inheritable_is_skipped() {
  # What `runc spec` writes: ambient capabilities that are not inheritable.
  # The kernel refuses to raise those; runc runs the container anyway.
  local all='["CAP_KILL"]' out
  out=$(run_payload ambnoinh ".process.capabilities = {\"bounding\": $all, \"effective\": $all,
                             \"permitted\": $all, \"ambient\": $all}" caps) || return 1
  eq caps "$out" "$(printf 'CapInh:\t%016x\nCapPrm:\t%016x\nCapEff:\t%016x\nCapBnd:\t%016x\nCapAmb:\t%016x' 0 32 32 32 0)"
}
t_no_new_privileges() {
  local out
  out=$(run_payload nnp '.process.noNewPrivileges = true' cat /proc/self/status) || return 1
  has status "$out" "$(printf 'NoNewPrivs:\t1')" || return 1
  out=$(run_payload nnp0 '.process.noNewPrivileges = false' cat /proc/self/status) || return 1
  has status "$out" "$(printf 'NoNewPrivs:\t0')"
}
t_hostname() {
  eq hostname "$(run_payload host ".hostname = \"h-$$\"" hostname)" "h-$$"
}
t_namespaces() {
  # the five in the template are new; those not asked for are the runtime's
  local out ns mine; out=$(run_payload ns . ns) || return 1
  for ns in ipc mnt net pid uts; do
    mine=$(readlink "/proc/self/ns/$ns")
    hasnt "$ns namespace" "$out" "$ns $mine" && has "$ns namespace" "$out" "$ns $ns:[" || return 1
  done
  for ns in user cgroup; do
    has "$ns namespace" "$out" "$ns $(readlink "/proc/self/ns/$ns")" || return 1
  done
}
t_rootfs_writable_or_readonly() {
  eq "mkdir in a writable rootfs" "$(run_payload rw . mkdir /newdir)" ok || return 1
  eq "mkdir in a read-only rootfs" "$(run_payload ro '.root.readonly = true' mkdir /newdir)" EROFS || return 1
  eq "mkdir in /dev/shm of a read-only rootfs" "$(run_payload roshm '.root.readonly = true' mkdir /dev/shm/x)" ok
}
t_default_devices() {
  local dev out
  for dev in null zero full random urandom tty; do
    out=$(run_payload "dev$dev" . stat "/dev/$dev") || return 1
    eq "/dev/$dev" "$out" "666 0 0 chr" || return 1
  done
  out=$(run_payload devptmx . stat /dev/ptmx) || return 1
  [[ "$out" == *" link" || "$out" == *" chr" ]] || { echo "/dev/ptmx: $out"; return 1; }
}
t_masked_and_readonly_paths() {
  local out rc=0
  # masked: nothing readable
  out=$(run_payload masked . cat /proc/kcore 2>/dev/null) || rc=$?
  [ -z "$out" ] || { echo "/proc/kcore readable in the container"; return 1; }
  # read-only: the write fails
  rc=0; out=$(run_payload ro . write /proc/sysrq-trigger x 2>&1) || rc=$?
  [ $rc != 0 ] || { echo "write to /proc/sysrq-trigger succeeded"; return 1; }
}
t_console_socket() {
  new_container tty || return 1
  set_cfg "$b" '.process.terminal = true' && set_args "$b" /payload tty || return 1
  local sock=$T/io/$id.sock rpid i out
  "$RECVTTY" -t 20 "$sock" >"$T/io/$id.tty" 2>"$T/io/$id.recvtty" </dev/null &
  rpid=$!
  for ((i = 0; i < 100; i++)); do [ -S "$sock" ] && break; sleep 0.05; done
  create "$id" "$b" --console-socket "$sock" && runtime start "$id" || { kill "$rpid"; wait "$rpid"; return 1; }
  wait "$rpid" || { echo "recvtty failed:"; cat "$T/io/$id.recvtty"; return 1; }
  out=$(tr -d '\r' < "$T/io/$id.tty")
  grep -qxE '0 tty /dev/pts/[0-9]+' <<<"$out" && grep -qxE '1 tty /dev/pts/[0-9]+' <<<"$out" &&
    grep -qxE '2 tty /dev/pts/[0-9]+' <<<"$out" || { echo "payload tty through the console:"; echo "$out"; return 1; }
}
t_console_input() {
  # what is written to the master reaches the process's stdin
  new_container ttyin || return 1
  set_cfg "$b" '.process.terminal = true' && set_args "$b" /bin/sh -c 'read line; echo "got:$line"' || return 1
  local sock=$T/io/$id.sock rpid i
  "$RECVTTY" -t 20 "$sock" $'hello\n' >"$T/io/$id.tty" 2>"$T/io/$id.recvtty" </dev/null &
  rpid=$!
  for ((i = 0; i < 100; i++)); do [ -S "$sock" ] && break; sleep 0.05; done
  create "$id" "$b" --console-socket "$sock" && runtime start "$id" || { kill "$rpid"; wait "$rpid"; return 1; }
  wait "$rpid" || { echo "recvtty failed:"; cat "$T/io/$id.recvtty"; return 1; }
  grep -qx 'got:hello' < <(tr -d '\r' < "$T/io/$id.tty") || { echo "console:"; cat "$T/io/$id.tty"; return 1; }
}
needs_cgroups[t_device_cgroup_rules]=1
t_device_cgroup_rules() {
  # /dev/kmsg (c 1:11) is created in both containers; only the one whose
  # linux.resources.devices allows it may open it.  Default devices stay usable.
  local rule out
  for rule in deny allow; do
    new_container "dev$rule" || return 1
    set_cfg "$b" '.linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11, fileMode: 438}]' || return 1
    if [ $rule = allow ]; then
      set_cfg "$b" '.linux.resources.devices = [{allow: true, type: "c", major: 1, minor: 11, access: "rw"}]' || return 1
    fi
    set_args "$b" /bin/sh -c 'echo berth-device-test > /dev/kmsg && echo kmsg-ok; echo x > /dev/null && echo null-ok' || return 1
    out=$(runtime run --bundle "$b" "$id" 2>&1)
    has "$rule: default device" "$out" null-ok || return 1
    if [ $rule = allow ]; then has "allowed device" "$out" kmsg-ok || return 1
    else hasnt "denied device" "$out" kmsg-ok && has "denied device" "$out" "Operation not permitted" || return 1; fi
  done
}
t_run_terminal_relayed_without_console_socket() {
  # run (foreground) relays a terminal container's pty to its own stdio.
  new_container ttyrun || return 1
  set_cfg "$b" '.process.terminal = true' && set_args "$b" /payload tty || return 1
  local out rc=0
  out=$(timeout 20 script -qec "$OCI_RUNTIME --root $ROOT run --bundle $b $id" /dev/null </dev/null) || rc=$?
  eq "run exit status" "$rc" 0 && has "run output" "$(tr -d '\r' <<<"$out")" "0 tty /dev/pts/" && no_state "$id"
}
t_terminal_without_console_socket_fails() {
  # detached + terminal needs somewhere to send the pty master
  new_container nosock || return 1
  set_cfg "$b" '.process.terminal = true' || return 1
  local rc=0; runtime create --bundle "$b" "$id" </dev/null >/dev/null 2>&1 || rc=$?
  eq "create with terminal and no --console-socket" "$rc" 1 && no_state "$id"
}

run_checks
finish
