#!/bin/bash
# Runs inside the tests/vm guest (pure cgroup v2, see init.sh) as root:
# drives berth and asserts, from the host side of the guest and from inside
# each container, what the v2 manager wrote and what the kernel enforced.
# Output: lib.sh's "ok - / FAIL - / SKIP:" lines, then
# `N passed, N failed, N skipped`; exit status non-zero on failure.
#
# Checks share state on disk (lib.sh runs each in a subshell): container
# "c1" is created by one check and used by the next ones, down to the one
# that deletes it.  The cgroup of a container NAME is $CG/NAME: the
# relative cgroupsPath "berth-test/NAME" is taken beneath the parent of the
# caller's cgroup on a pure v2 host, and the caller is in /guest.scope.
#
# Like the integration tests, these are checked against runc:
# BERTH_VM_RUNTIME=/usr/bin/runc bash tests/vm/run.sh runs them with runc in
# berth's place; what runc 1.1 lacks (cpu.idle/burst, checkBeforeUpdate) or
# gets wrong is skipped there, with the reason.
set -uo pipefail
B=/opt/berth
. "$B/lib.sh"
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
T=/tmp/berth-vm-test
CG=/sys/fs/cgroup/berth-test
mkdir -p "$T"

# The runtime under test is at /usr/local/bin/berth; it is runc when the
# guest was built with BERTH_VM_RUNTIME=/usr/bin/runc (build-initramfs.sh).
berth() { timeout -k 5 60 /usr/local/bin/berth --root /run/berth "$@"; }
RUNTIME=$(cat "$B/runtime" 2>/dev/null || echo berth)
is_berth() { [ "$RUNTIME" = berth ]; }
# cpu.shares -> cpu.weight: berth uses the quadratic fit of runc >= 1.3
# (1024 stays the default 100); runc 1.1 the linear 1 + (s - 2) * 9999 / 262142.
weight_of() {
  if is_berth; then case $1 in 512) echo 59 ;; 1024) echo 100 ;; 2048) echo 174 ;; esac
  else echo $(( 1 + ($1 - 2) * 9999 / 262142 )); fi
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# Notes reach the results even from inside a check (whose output lib.sh
# keeps for failures only).
exec 3>&1
note() { echo "# $*" >&3; }

# bundle NAME [JQ-EXPR]: $T/NAME with a config.json (the integration tests'
# one) that shares one rootfs with the others, has a cgroup namespace and a
# cgroup mount (so the container can read its own limits), and is then
# edited by JQ-EXPR.
bundle() {
  local d=$T/$1
  mkdir -p "$d" && jq --arg name "$1" --arg root "$B/rootfs" "
      .root.path = \$root | .linux.cgroupsPath = \"berth-test/\" + \$name
      | .linux.namespaces += [{type: \"cgroup\"}]
      | .mounts += [{destination: \"/sys/fs/cgroup\", type: \"cgroup\", source: \"cgroup\",
                     options: [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}]
      | ${2:-.}" "$B/config.json" > "$d/config.json"
}
# args NAME ARG...: process.args of bundle NAME.
args() {
  local d=$T/$1; shift
  jq '.process.args = $ARGS.positional' --args -- "$@" < "$d/config.json" > "$d/config.new" &&
    mv "$d/config.new" "$d/config.json"
}
# run NAME JQ-EXPR ARG...: a fresh container in the foreground; prints its
# stdout (stderr in $T/NAME.err) and returns its exit status.
run() {
  local name=$1 expr=$2; shift 2
  bundle "$name" "$expr" && args "$name" "$@" || return 1
  berth run --bundle "$T/$name" "$name" </dev/null 2>"$T/$name.err"
}
err() { echo "stderr of $1:"; cat "$T/$1.err"; }
status() { berth state "$1" 2>/dev/null | jq -r .status; }
ex() { berth exec c1 "$@" </dev/null; }

eq() {  # eq WHAT ACTUAL EXPECTED
  [ "$2" = "$3" ] && return 0
  printf '%s:\n  expected: %s\n  actual:   %s\n' "$1" "$3" "$2"; return 1
}
has() {
  grep -qF -- "$3" <<<"$2" && return 0
  printf '%s: no "%s" in:\n%s\n' "$1" "$3" "$2"; return 1
}
field() { awk -v k="$2" '$1 == k { print $2; exit }' <<<"$1"; }

note "kernel $(uname -r), $(nproc) cpus, $(berth --version | head -1)"
is_berth || note "runtime under test: $RUNTIME (checking the tests, not berth)"
note "root controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

# ---- the host -----------------------------------------------------------------------

t_pure_cgroup2() {
  grep -q '^cgroup2 /sys/fs/cgroup cgroup2 ' /proc/mounts || { grep cgroup /proc/mounts; return 1; }
  ! grep -q ' cgroup ' /proc/mounts || { echo "a v1 hierarchy is mounted:"; grep ' cgroup ' /proc/mounts; return 1; }
  local c
  for c in cpuset cpu io memory pids; do
    grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control || { echo "$c not in the root's subtree_control"; return 1; }
  done
  eq "berth features .linux.cgroup.v2" "$(berth features | jq .linux.cgroup.v2)" true
}
check "pure cgroup v2, controllers enabled, berth features says v2" t_pure_cgroup2

# A RAM disk (brd, major 1) is the guest's block device for io.max and
# io.weight; without it those checks are skipped.
insmod /lib/modules/brd.ko rd_nr=1 rd_size=16384 2>/dev/null
RAM=""; [ -b /dev/ram0 ] && RAM=$(cat /sys/block/ram0/dev)
# Device rules on cgroup2 are an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE)
# attached to the container's cgroup: berth has one (src/cgroups/
# device_bpf.cpp), runc since 1.0, so the device checks always run.
note "block device for io checks: ${RAM:-none}"

# ---- one long-running container: limits, its own view, throttling, update,
# freeze, kill --all, delete ----------------------------------------------------------

C1_RES='{memory: {limit: 67108864, swap: 100663296}, pids: {limit: 32},
         cpu: {shares: 512, quota: 20000, period: 100000, cpus: "1", mems: "0"}}'
if [ -n "$RAM" ]; then
  C1_RES="$C1_RES + {blockIO: {weight: 500, throttleReadBpsDevice: [{major: ${RAM%:*}, minor: ${RAM#*:}, rate: 1048576}]},
                     devices: [{allow: true, type: \"b\", major: ${RAM%:*}, minor: ${RAM#*:}, access: \"r\"}]}"
fi
t_c1_create_start() {
  bundle c1 ".linux.resources = ($C1_RES)" || return 1
  [ -z "$RAM" ] || jq ".linux.devices = [{path: \"/dev/ram0\", type: \"b\", major: ${RAM%:*}, minor: ${RAM#*:}, fileMode: 420}]" \
    "$T/c1/config.json" > "$T/c1/c.new" && mv "$T/c1/c.new" "$T/c1/config.json" || return 1
  args c1 /payload sleep 600 || return 1
  berth create --bundle "$T/c1" c1 </dev/null >"$T/c1.out" 2>"$T/c1.err" || { err c1; return 1; }
  berth start c1 && eq "status" "$(status c1)" running
}
check "c1: create and start with memory, swap, pids, cpu, cpuset${RAM:+, io} limits" t_c1_create_start

t_c1_placement() {
  local pid; pid=$(berth state c1 | jq -r .pid)
  eq "/proc/$pid/cgroup" "$(cat "/proc/$pid/cgroup")" "0::/berth-test/c1" &&
    has "$CG/c1/cgroup.procs" "$(cat "$CG/c1/cgroup.procs")" "$pid"
}
check "c1: relative cgroupsPath beneath the caller's parent cgroup (/berth-test/c1)" t_c1_placement

t_c1_files() {
  local d=$CG/c1
  eq memory.max "$(cat $d/memory.max)" 67108864 &&
    eq "memory.swap.max (swap 96 MiB - limit 64 MiB)" "$(cat $d/memory.swap.max)" 33554432 &&
    eq pids.max "$(cat $d/pids.max)" 32 &&
    eq cpu.max "$(cat $d/cpu.max)" "20000 100000" &&
    eq "cpu.weight (shares 512)" "$(cat $d/cpu.weight)" "$(weight_of 512)" &&
    eq cpuset.cpus "$(cat $d/cpuset.cpus)" 1 &&
    eq cpuset.mems "$(cat $d/cpuset.mems)" 0
}
check "c1: memory.max, memory.swap.max, pids.max, cpu.max, cpu.weight, cpuset in its cgroup" t_c1_files

t_c1_io_files() {
  local d=$CG/c1 w
  has io.max "$(cat $d/io.max)" "$RAM rbps=1048576 wbps=max riops=max wiops=max" || return 1
  # blkio weight 500: BFQ keeps blkio's scale, io.weight is 1..10000.
  if [ -f $d/io.bfq.weight ] && grep -q "default 500" $d/io.bfq.weight; then return 0; fi
  eq io.weight "$(head -1 $d/io.weight)" "default 4950"
}
if [ -n "$RAM" ]; then check "c1: io.max and io.weight" t_c1_io_files
else skip "c1: io.max and io.weight" "no block device in the guest (brd module missing)"; fi

t_c1_own_view() {
  # A cgroup namespace and a cgroup2 mount rooted at the container's cgroup.
  eq "/proc/self/cgroup inside" "$(ex /payload cat /proc/self/cgroup)" "0::/" || return 1
  eq "memory.max inside" "$(ex /payload cat /sys/fs/cgroup/memory.max)" 67108864 || return 1
  eq "memory.swap.max inside" "$(ex /payload cat /sys/fs/cgroup/memory.swap.max)" 33554432 || return 1
  eq "pids.max inside" "$(ex /payload cat /sys/fs/cgroup/pids.max)" 32 || return 1
  eq "cpu.max inside" "$(ex /payload cat /sys/fs/cgroup/cpu.max)" "20000 100000" || return 1
  local procs; procs=$(ex /payload cat /sys/fs/cgroup/cgroup.procs)
  has "cgroup.procs inside (its init is pid 1)" "$procs" 1 || return 1
  local ls; ls=$(ex /bin/ls /sys/fs/cgroup)
  if grep -qxE 'berth-test|guest.scope' <<<"$ls"; then echo "the host's tree is visible inside:"; echo "$ls"; return 1; fi
}
check "c1: its own view: cgroup namespace root at its cgroup, showing its limits" t_c1_own_view

t_c1_cpu_throttled() {
  local before after
  before=$(awk '$1 == "nr_throttled" { print $2 }' $CG/c1/cpu.stat)
  has "busy loop" "$(ex /payload spin 300)" spun || return 1
  after=$(awk '$1 == "nr_throttled" { print $2 }' $CG/c1/cpu.stat)
  note "cpu.stat nr_throttled $before -> $after"
  [ "$after" -gt "$before" ] || { echo "nr_throttled did not grow: $before -> $after"; cat $CG/c1/cpu.stat; return 1; }
}
check "c1: cpu.max 20% throttles a 300 ms busy loop (cpu.stat nr_throttled)" t_c1_cpu_throttled

t_c1_cpuset_applied() {
  has "status of an exec'd process" "$(ex /bin/grep _allowed_list /proc/self/status)" "Cpus_allowed_list:	1"
}
check "c1: cpuset.cpus 1 confines its processes to CPU 1" t_c1_cpuset_applied

t_c1_io_throttled() {
  # 4 MiB of direct reads at 1 MiB/s: about 4 s (blk-throttle lets a slice's
  # worth through at once, so ask for half).
  local t0 t1 el
  t0=$(uptime_s)
  ex /bin/dd if=/dev/ram0 of=/dev/null bs=64k count=64 iflag=direct 2>&1 || return 1
  t1=$(uptime_s)
  el=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  note "4 MiB read from /dev/ram0 under rbps=1MiB/s took ${el}s"
  awk -v e="$el" 'BEGIN { exit !(e >= 2.0) }' || { echo "read took only ${el}s"; return 1; }
}
if [ -n "$RAM" ]; then check "c1: io.max rbps throttles reads of the block device" t_c1_io_throttled
else skip "c1: io.max rbps throttles reads of the block device" "no block device in the guest"; fi

t_c1_update() {
  berth update --memory 134217728 --pids-limit 40 c1 || return 1
  eq "memory.max after update" "$(cat $CG/c1/memory.max)" 134217728 &&
    eq "pids.max after update" "$(cat $CG/c1/pids.max)" 40 &&
    eq "memory.max inside after update" "$(ex /payload cat /sys/fs/cgroup/memory.max)" 134217728 &&
    eq "pids.max inside after update" "$(ex /payload cat /sys/fs/cgroup/pids.max)" 40 || return 1
  has "a 96 MiB hog under 128 MiB" "$(ex /payload memhog 96)" survived || return 1
  # Lowered below the hog: the same exec is OOM-killed (137), c1 lives on.
  berth update --memory 50331648 c1 && eq "memory.max" "$(cat $CG/c1/memory.max)" 50331648 || return 1
  local rc=0; ex /payload memhog 96 >/dev/null 2>&1 || rc=$?
  eq "exec of a 96 MiB hog under 48 MiB" "$rc" 137 && eq "status" "$(status c1)" running
}
check "c1: update of memory and pids changes its cgroup, its own view and the OOM limit" t_c1_update

t_c1_pause_resume() {
  berth pause c1 || return 1
  eq "status after pause" "$(status c1)" paused &&
    eq cgroup.freeze "$(cat $CG/c1/cgroup.freeze)" 1 &&
    has cgroup.events "$(cat $CG/c1/cgroup.events)" "frozen 1" || return 1
  local pid; pid=$(berth state c1 | jq -r .pid)
  berth resume c1 || return 1
  eq "status after resume" "$(status c1)" running &&
    eq cgroup.freeze "$(cat $CG/c1/cgroup.freeze)" 0 &&
    has cgroup.events "$(cat $CG/c1/cgroup.events)" "frozen 0" &&
    eq "exec after resume" "$(ex /payload echo thawed)" thawed
}
check "c1: pause/resume through cgroup.freeze (status paused, then running)" t_c1_pause_resume

t_c1_kill_all() {
  local i; for i in 1 2; do berth exec -d c1 /payload sleep 600 </dev/null >/dev/null 2>&1 || return 1; done
  local n; n=$(wc -l < $CG/c1/cgroup.procs)
  [ "$n" -ge 3 ] || { echo "expected 3+ processes, cgroup.procs:"; cat $CG/c1/cgroup.procs; return 1; }
  berth kill --all c1 KILL || return 1
  for ((i = 0; i < 50; i++)); do grep -q '^populated 0' $CG/c1/cgroup.events && break; sleep 0.1; done
  has cgroup.events "$(cat $CG/c1/cgroup.events)" "populated 0" || return 1
  for ((i = 0; i < 50; i++)); do [ "$(status c1)" = stopped ] && break; sleep 0.1; done
  eq "status after kill --all" "$(status c1)" stopped
}
check "c1: kill --all KILL empties the cgroup (cgroup.kill), status stopped" t_c1_kill_all

t_c1_delete() {
  berth delete c1 || return 1
  [ ! -d $CG/c1 ] || { echo "$CG/c1 still exists"; return 1; }
  ! berth state c1 >/dev/null 2>&1 || { echo "state c1 still works"; return 1; }
}
check "c1: delete removes its cgroup" t_c1_delete

# ---- enforcement in fresh containers ------------------------------------------------

t_oom_kill() {
  local out rc=0
  out=$(run oom '.linux.resources.memory = {limit: 33554432, swap: 33554432}' /bin/sh -c \
    'cat /sys/fs/cgroup/memory.swap.max; exec /payload memhog 128') || rc=$?
  eq "memory.swap.max inside (swap == limit: no swap)" "$(head -1 <<<"$out")" 0 || return 1
  grep -q survived <<<"$out" && { echo "the hog survived a 32 MiB limit"; return 1; }
  eq "run exit status (SIGKILL by the OOM killer)" "$rc" 137 || { err oom; return 1; }
  local kills; kills=$(awk '$1 == "oom_kill" { print $2 }' $CG/memory.events)
  [ "${kills:-0}" -ge 1 ] || { echo "$CG/memory.events:"; cat $CG/memory.events; return 1; }
  [ ! -d $CG/oom ] || { echo "$CG/oom left behind"; return 1; }
}
check "memory.max 32 MiB: a 128 MiB hog is OOM-killed (run exits 137, memory.events oom_kill)" t_oom_kill

t_memory_fits() {
  local out; out=$(run memok '.linux.resources.memory = {limit: 268435456}' /payload memhog 64) || { err memok; return 1; }
  has "memhog" "$out" survived
}
check "memory.max 256 MiB: a 64 MiB hog survives" t_memory_fits

t_pids_enforced() {
  local out; out=$(run pids '.linux.resources.pids = {limit: 8}' /bin/sh -c \
    'cat /sys/fs/cgroup/pids.max; exec /payload forkbomb 64') || { err pids; return 1; }
  eq "pids.max inside" "$(head -1 <<<"$out")" 8 &&
    eq "forks under pids.max 8 (pid 1 is the 8th)" "$(field "$out" forked)" 7 &&
    eq "error of the refused fork" "$(field "$out" error)" EAGAIN
}
check "pids.max 8: the 8th process cannot be forked (EAGAIN)" t_pids_enforced

t_cpu_weight_default() {
  # shares 1024 (runc's default) must stay cgroup2's default weight 100.
  local out; out=$(run weight '.linux.resources.cpu = {shares: 1024}' /payload cat /sys/fs/cgroup/cpu.weight) ||
    { err weight; return 1; }
  eq "cpu.weight inside for shares 1024" "$out" "$(weight_of 1024)"
}
check "cpu.weight from shares: 1024 -> $(weight_of 1024)" t_cpu_weight_default

t_extras_visible() {
  # Fields with no v1 twin, and linux.resources.unified, which wins over the
  # typed field for the same file (pids.max here).
  local out; out=$(run extras '.linux.resources = {memory: {limit: 67108864, reservation: 16777216},
      cpu: {quota: 50000, period: 100000, burst: 10000, idle: 1}, pids: {limit: 100},
      unified: {"memory.high": "50331648", "pids.max": "12"}}' /bin/sh -c \
    'cd /sys/fs/cgroup && for f in memory.low memory.high pids.max cpu.max.burst cpu.idle; do echo "$f $(cat $f)"; done') ||
    { err extras; return 1; }
  eq "memory.low (reservation)" "$(field "$out" memory.low)" 16777216 &&
    eq "memory.high (unified)" "$(field "$out" memory.high)" 50331648 &&
    eq "pids.max (unified over pids.limit)" "$(field "$out" pids.max)" 12 &&
    { ! is_berth || eq "cpu.idle" "$(field "$out" cpu.idle)" 1; } || return 1
  # runc 1.1 predates cpu.burst and cpu.idle (runtime-spec 1.1) and drops them.
  if is_berth; then eq "cpu.max.burst" "$(field "$out" cpu.max.burst)" 10000; fi
}
check "memory.low, cpu.max.burst, cpu.idle and unified entries (memory.high, pids.max over pids.limit)" t_extras_visible

t_create_failure_leaves_no_cgroup() {
  # CPU 7 does not exist in a 2-CPU guest: the kernel refuses cpuset.cpus,
  # and create must undo its cgroup and state.
  bundle badcpu '.linux.resources.cpu = {cpus: "7"}' && args badcpu /payload true || return 1
  local rc=0; berth create --bundle "$T/badcpu" badcpu </dev/null >/dev/null 2>"$T/badcpu.err" || rc=$?
  [ $rc -ne 0 ] || { echo "create with cpuset.cpus 7 succeeded"; return 1; }
  has "error" "$(cat "$T/badcpu.err")" cpuset.cpus || return 1
  [ ! -d $CG/badcpu ] || { echo "$CG/badcpu left behind"; return 1; }
  ! berth state badcpu >/dev/null 2>&1 || { echo "state badcpu exists"; return 1; }
}
check "create refused by the kernel (cpuset.cpus 7) leaves no cgroup or state" t_create_failure_leaves_no_cgroup

t_c3_start() {
  bundle c3 '.linux.resources = {cpu: {shares: 1024, quota: 10000, period: 100000}, memory: {limit: 67108864}}' &&
    args c3 /payload wait-signal || return 1
  berth create --bundle "$T/c3" c3 </dev/null >"$T/c3.out" 2>"$T/c3.err" || { err c3; return 1; }
  berth start c3 && eq "status" "$(status c3)" running
}
check "c3: create and start (init waits for SIGTERM)" t_c3_start

t_c3_update_cpu_swap() {
  berth update --cpu-quota 30000 --cpu-period 50000 --cpu-share 2048 --cpuset-cpus 0 c3 || return 1
  eq cpu.max "$(cat $CG/c3/cpu.max)" "30000 50000" &&
    eq "cpu.weight (shares 2048)" "$(cat $CG/c3/cpu.weight)" "$(weight_of 2048)" &&
    eq cpuset.cpus "$(cat $CG/c3/cpuset.cpus)" 0 || return 1
  # memory+swap 128 MiB over memory 64 MiB: 64 MiB of swap.
  berth update --memory 67108864 --memory-swap 134217728 c3 || return 1
  eq memory.max "$(cat $CG/c3/memory.max)" 67108864 &&
    eq memory.swap.max "$(cat $CG/c3/memory.swap.max)" 67108864 || return 1
  # -1: unlimited.
  berth update --memory -1 --memory-swap -1 c3 || return 1
  eq "memory.max after -1" "$(cat $CG/c3/memory.max)" max &&
    eq "memory.swap.max after -1" "$(cat $CG/c3/memory.swap.max)" max
}
check "c3: update of cpu quota/period/shares, cpuset, memory+swap and -1 (unlimited)" t_c3_update_cpu_swap

t_c3_update_quota_or_period_alone() {
  # cpu.max holds both: one given alone must keep the other (runc merges
  # with its stored config; berth reads cpu.max).  Before the fix berth
  # wrote "max 40000" here, silently lifting the CPU limit.
  eq "cpu.max before" "$(cat $CG/c3/cpu.max)" "30000 50000" || return 1
  berth update --cpu-period 40000 c3 && eq "cpu.max after --cpu-period 40000" "$(cat $CG/c3/cpu.max)" "30000 40000" &&
    berth update --cpu-quota 10000 c3 && eq "cpu.max after --cpu-quota 10000" "$(cat $CG/c3/cpu.max)" "10000 40000" || return 1
  echo '{"cpu": {"period": 80000}}' > "$T/c3.res"
  berth update --resources "$T/c3.res" c3 && eq "cpu.max after --resources {cpu: {period: 80000}}" "$(cat $CG/c3/cpu.max)" "10000 80000"
}
if is_berth; then
  check "c3: update of cpu quota or period alone keeps the other half of cpu.max" t_c3_update_quota_or_period_alone
else
  # Fixed in runc 1.0 (runc#2456), broken again for this sequence (runc#4225).
  skip "c3: update of cpu quota or period alone keeps the other half of cpu.max" "$RUNTIME 1.1 writes \"max PERIOD\" (runc#4225)"
fi

t_c3_exec_sub_cgroup_ps() {
  mkdir -p $CG/c3/sub || return 1
  eq "/proc/self/cgroup of exec --cgroup sub" "$(berth exec --cgroup sub c3 /payload cat /proc/self/cgroup </dev/null)" "0::/sub" || return 1
  # Its stdio must not be the pipe lib.sh reads the check through.
  berth exec -d c3 /payload sleep 600 </dev/null >/dev/null 2>&1 || return 1
  local pid ps; pid=$(berth state c3 | jq -r .pid); ps=$(berth ps --format json c3)
  eq "ps: processes" "$(jq length <<<"$ps")" 2 && has "ps" "$ps" "$pid"
}
check "c3: exec --cgroup into a sub-cgroup; ps lists the tree" t_c3_exec_sub_cgroup_ps

t_c3_check_before_update() {
  # runtime-spec 1.1 memory.checkBeforeUpdate: a limit below the current
  # usage is rejected.  Without the check a cgroup2 kernel takes it and
  # OOM-kills the container (v1 refuses the write by itself).
  berth exec -d c3 /payload memhog 32 600 </dev/null >/dev/null 2>&1 || return 1
  local i cur=0
  for ((i = 0; i < 100; i++)); do
    cur=$(cat $CG/c3/memory.current); [ "$cur" -gt 33554432 ] && break; sleep 0.1
  done
  [ "$cur" -gt 33554432 ] || { echo "memory.current stayed at $cur"; return 1; }
  local before kills
  before=$(cat $CG/c3/memory.max); kills=$(awk '$1 == "oom_kill" { print $2 }' $CG/c3/memory.events)
  echo '{"memory": {"limit": 16777216, "checkBeforeUpdate": true}}' > "$T/c3.low"
  local rc=0; berth update --resources "$T/c3.low" c3 2>"$T/c3.upd" || rc=$?
  [ $rc -ne 0 ] || { echo "update to 16 MiB below a usage of $cur succeeded"; return 1; }
  has "update error" "$(cat "$T/c3.upd")" checkBeforeUpdate || return 1
  eq "memory.max after the rejected update" "$(cat $CG/c3/memory.max)" "$before" &&
    eq "oom_kill count" "$(awk '$1 == "oom_kill" { print $2 }' $CG/c3/memory.events)" "$kills" || return 1
  echo '{"memory": {"limit": 134217728, "checkBeforeUpdate": true}}' > "$T/c3.high"
  berth update --resources "$T/c3.high" c3 && eq "memory.max above the usage" "$(cat $CG/c3/memory.max)" 134217728
}
if is_berth; then
  check "c3: update with memory.checkBeforeUpdate refuses a limit below the usage" t_c3_check_before_update
else
  skip "c3: update with memory.checkBeforeUpdate refuses a limit below the usage" "$RUNTIME 1.1 predates checkBeforeUpdate"
fi

t_c3_kill_all_term() {
  # Not SIGKILL: cgroup.kill cannot send it, so each process is signalled.
  # The init has a handler (wait-signal), so the pid namespace lets it in.
  berth kill --all c3 TERM || return 1
  local i; for ((i = 0; i < 50; i++)); do [ "$(status c3)" = stopped ] && break; sleep 0.1; done
  eq "status after kill --all TERM" "$(status c3)" stopped &&
    has "init's output" "$(cat "$T/c3.out")" TERM &&
    has cgroup.events "$(cat $CG/c3/cgroup.events)" "populated 0"
}
check "c3: kill --all TERM signals every process" t_c3_kill_all_term

t_c3_delete() {
  berth delete c3 && [ ! -d $CG/c3 ] || { echo "$CG/c3 (with sub/) left behind"; return 1; }
}
check "c3: delete removes its cgroup and sub-cgroup" t_c3_delete

t_paused_delete_force() {
  bundle c4 && args c4 /payload sleep 600 || return 1
  berth create --bundle "$T/c4" c4 </dev/null >/dev/null 2>"$T/c4.err" && berth start c4 && berth pause c4 || {
    err c4; return 1; }
  eq "status" "$(status c4)" paused || return 1
  local pid; pid=$(berth state c4 | jq -r .pid)
  berth delete --force c4 || return 1
  [ ! -d $CG/c4 ] || { echo "$CG/c4 left behind"; return 1; }
  [ ! -e /proc/$pid ] || { echo "init $pid of a paused container survived delete --force"; return 1; }
}
check "delete --force of a paused container kills it and removes its cgroup" t_paused_delete_force

# ---- devices (eBPF on cgroup2) -------------------------------------------------------

# /dev/kmsg (c 1:11) is put into the container but not allowed: opening it
# for writing must fail with EPERM (writing needs no privilege otherwise,
# unlike reading, which dmesg_restrict guards).  With CAP_MKNOD the
# container also makes its own node for it: mknod is allowed for every type
# by the default rules (as in runc), the open still is not.
t_devices() {
  local out
  out=$(run devs '.linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11, fileMode: 438}]
      | .process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"]
      | .process.capabilities.permitted += ["CAP_MKNOD"]' /bin/sh -c \
    '/payload write /dev/null x && echo null-ok
     /payload write /dev/kmsg berth-vm-denied 2>&1 && echo kmsg-open-ok
     rm -f /tmp/kmsg2; mknod /tmp/kmsg2 c 1 11 && echo mknod-ok && { /payload write /tmp/kmsg2 berth-vm-denied 2>&1 && echo kmsg2-open-ok; }
     true') || { err devs; return 1; }
  note "devices: $(tr '\n' ' ' <<<"$out")"
  has "default device /dev/null" "$out" null-ok || return 1
  if grep -q kmsg-open-ok <<<"$out"; then echo "opened /dev/kmsg (c 1:11) without a rule allowing it"; return 1; fi
  has "open of a denied device" "$out" 'open "/dev/kmsg": Operation not permitted' || return 1
  has "mknod (allowed by the default rules)" "$out" mknod-ok || return 1
  if grep -q kmsg2-open-ok <<<"$out"; then echo "opened a denied device through a fresh node"; return 1; fi
  has "open of a fresh node of a denied device" "$out" 'open "/tmp/kmsg2": Operation not permitted'
}
t_devices_allowed() {
  local out
  out=$(run devok '.linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11, fileMode: 438}]
      | .linux.resources.devices = [{allow: true, type: "c", major: 1, minor: 11, access: "rw"}]' /bin/sh -c \
    '/payload write /dev/kmsg berth-vm-allowed && echo kmsg-ok') || { err devok; return 1; }
  has "allowed device" "$out" kmsg-ok
}
# Access is per bit: "r" alone does not let the container open for writing.
t_devices_access_subset() {
  local out
  out=$(run devsub '.linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11, fileMode: 438}]
      | .linux.resources.devices = [{allow: true, type: "c", major: 1, minor: 11, access: "r"}]' /bin/sh -c \
    '/payload write /dev/kmsg berth-vm-read-only 2>&1 && echo kmsg-ok; true') || { err devsub; return 1; }
  if grep -q kmsg-ok <<<"$out"; then echo "opened /dev/kmsg for writing with only \"r\" allowed"; return 1; fi
  has "write open with only r allowed" "$out" 'open "/dev/kmsg": Operation not permitted'
}
# Processes started by exec live in the same cgroup, under the same program.
t_devices_exec() {
  local out
  bundle devexec '.linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11, fileMode: 438}]' &&
    args devexec /payload sleep 30 || return 1
  berth run -d --bundle "$T/devexec" devexec </dev/null >/dev/null 2>"$T/devexec.err" || { err devexec; return 1; }
  out=$(berth exec devexec /bin/sh -c '/payload write /dev/null x && echo null-ok
    /payload write /dev/kmsg berth-vm-denied 2>&1 && echo kmsg-ok; true' </dev/null 2>&1)
  berth delete --force devexec >/dev/null 2>&1
  has "exec: default device" "$out" null-ok || return 1
  if grep -q kmsg-ok <<<"$out"; then echo "an exec'd process opened a denied device"; return 1; fi
  has "exec: denied device" "$out" 'open "/dev/kmsg": Operation not permitted'
}
check "devices: a denied device cannot be opened (EPERM), /dev/null can, mknod is allowed" t_devices
check "devices: a device allowed by linux.resources.devices can be opened" t_devices_allowed
check "devices: an \"r\" rule does not allow opening for writing" t_devices_access_subset
check "devices: exec'd processes are restricted too" t_devices_exec

# ---- network devices -------------------------------------------------------------

# linux.netDevices with a dummy interface made here (the development hosts'
# kernel has no dummy driver, so tests/integration/network.sh uses a veth
# peer): moved into the container's network namespace, renamed, its
# address kept, and gone from the host's namespace.
t_net_device_dummy() {
  insmod /lib/modules/dummy.ko 2>/dev/null
  ip link add bdummy0 type dummy && ip addr add 10.9.8.7/24 dev bdummy0 ||
    { echo "cannot make a dummy interface"; return 1; }
  local out rc=0
  out=$(run netdev '.linux.netDevices = {bdummy0: {name: "ctr5"}}' /bin/sh -c \
    'ip -o addr show ctr5; ls /sys/class/net') || rc=$?
  if ip link show bdummy0 >/dev/null 2>&1; then echo "bdummy0 is still on the host"; ip link delete bdummy0; return 1; fi
  eq "run exit status" "$rc" 0 || { err netdev; return 1; }
  has "the device inside, renamed, with its address" "$out" "ctr5" || return 1
  has "its address" "$out" "10.9.8.7/24"
}
if is_berth; then
  check "netDevices: a dummy interface moved in, renamed ctr5, its address kept" t_net_device_dummy
else
  skip "netDevices with a dummy interface" "$RUNTIME predates linux.netDevices (runtime-spec 1.2)"
fi

# ---- nothing left behind --------------------------------------------------------------

t_no_leftovers() {
  local id left=""
  for id in $(berth list -q 2>/dev/null); do left+=" $id"; berth delete --force "$id" >/dev/null 2>&1; done
  [ -z "$left" ] || { echo "containers left:$left"; return 1; }
  local d; d=$(find $CG -mindepth 1 -type d 2>/dev/null)
  [ -z "$d" ] || { echo "cgroups left:"; echo "$d"; return 1; }
}
check "no containers or cgroups left" t_no_leftovers
rmdir $CG 2>/dev/null

finish
