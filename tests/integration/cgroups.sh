#!/bin/bash
# cgroup enforcement on real containers: what linux.resources puts in the
# container's own cgroup files (read from inside, through a cgroup namespace
# and a "cgroup" mount) and what the kernel then does about it: an OOM kill,
# a refused fork, CFS throttling, a CPU mask.  `update` on a running
# container changes what it sees.  Root; see common.sh.
#
# Works on v1, hybrid (this machine: v1 controllers, a nearly empty cgroup2)
# and pure cgroup v2 hosts: cg_file names the file of each layout.  The pure
# v2 checks that need a guest (freezer via cgroup.freeze, cgroup.kill, io.max
# on a scratch disk) live in tests/vm/.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

# The layout as the container will see it: "v2" when /sys/fs/cgroup itself
# is cgroup2, else "v1" (a hybrid host's controllers are all v1 here).
if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then CG_LAYOUT=v2; else CG_LAYOUT=v1; fi

# cg_file CONTROLLER V1FILE V2FILE: the path of the container's own cgroup
# file, as the container sees it under its /sys/fs/cgroup.
cg_file() {
  if [ "$CG_LAYOUT" = v2 ]; then echo "/sys/fs/cgroup/$3"; else echo "/sys/fs/cgroup/$1/$2"; fi
}

# cg_container NAME [JQ-EXPR]: like new_container, with a cgroup namespace
# and /sys/fs/cgroup mounted, so the container reads its own limits there;
# JQ-EXPR edits the rest (typically .linux.resources).
cg_container() {
  new_container "$1" || return 1
  set_cfg "$b" '.linux.namespaces += [{type: "cgroup"}]
    | .mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                   options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}]' || return 1
  [ -z "${2:-}" ] || set_cfg "$b" "$2"
}

# cg_run NAME JQ-EXPR ARGS...: runs ARGS in the foreground in a fresh
# cg_container; prints its stdout and returns the runtime's exit status
# (the container's: 137 after a SIGKILL).
cg_run() {
  local name=$1 expr=$2 rc=0; shift 2
  cg_container "$name" "$expr" && set_args "$b" "$@" || return 1
  runtime run --bundle "$b" "$id" </dev/null 2>"$T/io/$id.err" || rc=$?
  return $rc
}
# Shows the runtime's stderr for the last container (after a failed cg_run).
cg_err() { echo "stderr of $id:"; cat "$T/io/$id.err"; }

# field FILE-TEXT KEY: the value of "KEY VALUE" lines (cpu.stat, payload output).
field() { awk -v k="$2" '$1 == k { print $2; exit }' <<<"$1"; }

# ---- memory -------------------------------------------------------------------

needs_cgroups[t_memory_limit_visible]=1
t_memory_limit_visible() {
  local f; f=$(cg_file memory memory.limit_in_bytes memory.max)
  local out; out=$(cg_run memvis '.linux.resources.memory = {limit: 67108864}' /payload cat "$f") || {
    cg_err; return 1; }
  eq "$f inside the container" "$out" 67108864
}

needs_cgroups[t_memory_swap_visible]=1
t_memory_swap_visible() {
  # OCI's swap is memory+swap (v1 memsw); cgroup2's memory.swap.max is the
  # swap alone: 96 MiB - 64 MiB = 32 MiB.
  local f want
  if [ "$CG_LAYOUT" = v2 ]; then f=/sys/fs/cgroup/memory.swap.max want=33554432
  else f=/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes want=100663296; fi
  local out rc=0
  out=$(cg_run memsw '.linux.resources.memory = {limit: 67108864, swap: 100663296}' /payload cat "$f") || rc=$?
  if [ $rc -ne 0 ] && grep -q 'No such file' "$T/io/$id.err"; then
    echo "$f missing: the host kernel has no swap accounting"; return 1
  fi
  [ $rc = 0 ] || { cg_err; return 1; }
  eq "$f inside the container" "$out" "$want"
}

needs_cgroups[t_memory_limit_enforced_oom_kill]=1
t_memory_limit_enforced_oom_kill() {
  # 128 MiB touched under a 32 MiB limit (and no swap: swap == limit): the
  # OOM killer sends SIGKILL, so `run` exits 128 + 9.
  local out rc=0
  out=$(cg_run memoom '.linux.resources.memory = {limit: 33554432, swap: 33554432}' \
    /payload memhog 128) || rc=$?
  hasnt "memhog output" "$out" survived || return 1
  eq "run exit status (OOM kill)" "$rc" 137 || { cg_err; return 1; }
}

needs_cgroups[t_memory_below_limit_survives]=1
t_memory_below_limit_survives() {
  # The same hog under a limit that fits it: the OOM kill above is the limit's.
  local out; out=$(cg_run memok '.linux.resources.memory = {limit: 268435456}' /payload memhog 64) || {
    cg_err; return 1; }
  has "memhog output" "$out" survived
}

# ---- pids ---------------------------------------------------------------------

needs_cgroups[t_pids_limit_visible_and_enforced]=1
t_pids_limit_visible_and_enforced() {
  # The payload is the container's only process (pid 1), so with pids.max 8
  # exactly 7 forks succeed and the 8th fails with EAGAIN.
  local f; f=$(cg_file pids pids.max pids.max)
  local out; out=$(cg_run pidsvis '.linux.resources.pids = {limit: 8}' /payload cat "$f") || {
    cg_err; return 1; }
  eq "$f inside the container" "$out" 8 || return 1
  out=$(cg_run pidsbomb '.linux.resources.pids = {limit: 8}' /payload forkbomb 64) || {
    cg_err; return 1; }
  eq "forks under pids.max 8" "$(field "$out" forked)" 7 &&
    eq "error of the refused fork" "$(field "$out" error)" EAGAIN
}

# ---- cpu ----------------------------------------------------------------------

needs_cgroups[t_cpu_quota_visible_and_throttled]=1
t_cpu_quota_visible_and_throttled() {
  # 10 ms per 100 ms period: a 300 ms busy loop spans 3+ periods, each of
  # which runs out of quota, so nr_throttled counts them.
  local res='.linux.resources.cpu = {quota: 10000, period: 100000}' out want
  if [ "$CG_LAYOUT" = v2 ]; then
    out=$(cg_run cpuq "$res" /bin/sh -c \
      '/payload cat /sys/fs/cgroup/cpu.max && /payload spin 300 && /payload cat /sys/fs/cgroup/cpu.stat') || {
      cg_err; return 1; }
    eq "cpu.max inside the container" "$(head -1 <<<"$out")" "10000 100000" || return 1
  else
    out=$(cg_run cpuq "$res" /bin/sh -c \
      'cd /sys/fs/cgroup/cpu && /payload echo quota $(cat cpu.cfs_quota_us) period $(cat cpu.cfs_period_us) &&
       /payload spin 300 && /payload cat cpu.stat') || { cg_err; return 1; }
    eq "cpu.cfs_quota_us/period_us inside the container" "$(head -1 <<<"$out")" \
      "quota 10000 period 100000" || return 1
  fi
  has "busy loop" "$out" spun || return 1
  local thr; thr=$(field "$out" nr_throttled)
  [ "${thr:-0}" -gt 0 ] 2>/dev/null || { echo "nr_throttled is \"$thr\" after 300 ms at 10%:"; echo "$out"; return 1; }
}

needs_cgroups[t_cpu_shares_visible]=1
t_cpu_shares_visible() {
  local res='.linux.resources.cpu = {shares: 512}' f want
  if [ "$CG_LAYOUT" = v2 ]; then
    f=/sys/fs/cgroup/cpu.weight
    # berth maps shares with the quadratic fit of runc >= 1.3 (1024 -> 100);
    # runc 1.1.5 still uses the linear map: 1 + (512 - 2) * 9999 / 262142.
    if is_berth; then want=59; else want=20; fi
  else
    f=/sys/fs/cgroup/cpu/cpu.shares want=512
  fi
  local out; out=$(cg_run shares "$res" /payload cat "$f") || { cg_err; return 1; }
  eq "$f inside the container" "$out" "$want"
}

needs_cgroups[t_cpuset_visible_and_applied]=1
t_cpuset_visible_and_applied() {
  # The last CPU alone: the container sees it in its cpuset and the kernel
  # confines the process to it (Cpus_allowed_list).
  local last; last=$(( $(nproc --all) - 1 ))
  local f; f=$(cg_file cpuset cpuset.cpus cpuset.cpus)
  local out; out=$(cg_run cpuset ".linux.resources.cpu = {cpus: \"$last\", mems: \"0\"}" /bin/sh -c \
    "/payload cat $f; grep -E '^(Cpus|Mems)_allowed_list' /proc/self/status") || { cg_err; return 1; }
  eq "$f inside the container" "$(head -1 <<<"$out")" "$last" || return 1
  has "CPU mask of the container's process" "$out" "Cpus_allowed_list:	$last" &&
    has "memory node mask" "$out" "Mems_allowed_list:	0"
}

# ---- block io -------------------------------------------------------------------

# A block device of this host as "MAJOR:MINOR" (the throttle files refuse
# devices that do not exist), or nothing.
host_block_device() {
  local d
  for d in /sys/block/*/dev; do
    [ -e "$d" ] || continue
    case $d in */loop*|*/ram*|*/zram*) continue ;; esac
    cat "$d"; return 0
  done
}

# blkio.weight needs CFQ (gone since 5.0) or BFQ with group scheduling
# (blkio.bfq.weight / io.bfq.weight); cgroup2's io.weight needs io.cost.
# Decided before the checks run, from the files the host's root offers.
blkio_weight_skip() {
  if [ "$CG_LAYOUT" = v2 ]; then
    grep -qw io /sys/fs/cgroup/cgroup.controllers 2>/dev/null || { echo "no io controller in cgroup2"; return; }
    local d; for d in /sys/fs/cgroup/*/; do
      [ -f "$d/io.weight" ] || [ -f "$d/io.bfq.weight" ] && return
    done
    echo "no io.weight or io.bfq.weight in any cgroup (io.cost/BFQ not available)"
  else
    local m; m=$(awk '$3 == "cgroup" && $4 ~ /(^|,)blkio(,|$)/ { print $2; exit }' /proc/mounts)
    [ -n "$m" ] || { echo "no blkio hierarchy mounted"; return; }
    [ -f "$m/blkio.weight" ] || [ -f "$m/blkio.bfq.weight" ] ||
      echo "this kernel's blkio has no blkio.weight (CFQ is gone since 5.0) nor blkio.bfq.weight (BFQ group scheduling)"
  fi
}

needs_cgroups[t_blkio_weight_visible]=1
t_blkio_weight_visible() {
  local f want out
  if [ "$CG_LAYOUT" = v2 ]; then f=/sys/fs/cgroup/io.weight; else f=/sys/fs/cgroup/blkio/blkio.weight; fi
  out=$(cg_run blkw '.linux.resources.blockIO = {weight: 500}' /bin/sh -c \
    "cat $f 2>/dev/null || cat ${f%weight}bfq.weight") || { cg_err; return 1; }
  # v1 and BFQ keep blkio's own scale; cgroup2's io.weight is 1..10000
  # ("default N" in both of cgroup2's files).
  case $out in
    500|"default 500"|"default 4950") return 0 ;;
  esac
  echo "weight inside the container: \"$out\", wanted 500 (or 4950 on io.weight)"; return 1
}

needs_cgroups[t_blkio_throttle_visible]=1
t_blkio_throttle_visible() {
  # Visibility only: enforcing a bps limit needs a scratch disk to read,
  # which the guest in tests/vm/ has (a RAM disk) and this host does not.
  local dev; dev=$(host_block_device)
  [ -n "$dev" ] || { echo "no block device on this host"; return 1; }
  local res=".linux.resources.blockIO = {throttleReadBpsDevice: [{major: ${dev%:*}, minor: ${dev#*:}, rate: 1048576}]}"
  local f out; f=$(cg_file blkio blkio.throttle.read_bps_device io.max)
  out=$(cg_run blkthr "$res" /payload cat "$f") || { cg_err; return 1; }
  if [ "$CG_LAYOUT" = v2 ]; then has "$f inside the container" "$out" "$dev rbps=1048576"
  else eq "$f inside the container" "$out" "$dev 1048576"; fi
}

# ---- update -----------------------------------------------------------------------

needs_cgroups[t_update_memory_and_pids_seen_and_enforced]=1
t_update_memory_and_pids_seen_and_enforced() {
  # A running container with generous limits; `update` lowers them and the
  # container's own view changes, and so does what the kernel allows: the
  # same 96 MiB hog fits before and is OOM-killed after.
  cg_container upd '.linux.resources = {memory: {limit: 268435456}, pids: {limit: 100}}' &&
    set_args "$b" /payload sleep 60 && create "$id" "$b" && runtime start "$id" || return 1
  local mf pf; mf=$(cg_file memory memory.limit_in_bytes memory.max); pf=$(cg_file pids pids.max pids.max)
  local ex=(runtime exec "$id")
  eq "memory limit before update" "$("${ex[@]}" /payload cat "$mf")" 268435456 || return 1
  eq "pids limit before update" "$("${ex[@]}" /payload cat "$pf")" 100 || return 1
  has "hog under 256 MiB" "$("${ex[@]}" /payload memhog 96)" survived || return 1

  # Not much lower than 20 pids: runc's exec runs a multi-threaded Go
  # process inside the container's cgroup, which aborts when it cannot
  # start its threads.
  runtime update --memory 50331648 --pids-limit 20 "$id" || return 1
  eq "memory limit after update" "$("${ex[@]}" /payload cat "$mf")" 50331648 || return 1
  eq "pids limit after update" "$("${ex[@]}" /payload cat "$pf")" 20 || return 1
  local rc=0; "${ex[@]}" /payload memhog 96 >/dev/null 2>&1 || rc=$?
  eq "exec of the hog after lowering memory to 48 MiB (OOM kill)" "$rc" 137 || return 1
  # sleep (pid 1) and the exec'd forkbomb use 2 of the 20 pids; a runtime's
  # exec helper that has exited but is not yet reaped may hold one or two more.
  local out n; out=$("${ex[@]}" /payload forkbomb 64) || return 1
  n=$(field "$out" forked)
  [ "${n:-0}" -ge 16 ] && [ "$n" -le 18 ] || { echo "forks under the updated pids limit 20: $out"; return 1; }
  eq "error of the refused fork" "$(field "$out" error)" EAGAIN || return 1
  eq "status after the OOM kill of an exec'd process" "$(status "$id")" running || return 1
  runtime delete --force "$id" && no_cgroups "$id"
}

needs_cgroups[t_update_cpu_quota_or_period_alone]=1
t_update_cpu_quota_or_period_alone() {
  # v1 has a file for each; cgroup2's cpu.max holds both, so a runtime that
  # writes only what it was given would lift the quota on a period update.
  cg_container updcpu '.linux.resources.cpu = {quota: 30000, period: 50000}' &&
    set_args "$b" /payload sleep 60 && create "$id" "$b" && runtime start "$id" || return 1
  local cmd
  if [ "$CG_LAYOUT" = v2 ]; then cmd='cat /sys/fs/cgroup/cpu.max'
  else cmd='cd /sys/fs/cgroup/cpu && echo "$(cat cpu.cfs_quota_us) $(cat cpu.cfs_period_us)"'; fi
  local ex=(runtime exec "$id" /bin/sh -c "$cmd")
  eq "quota and period at create" "$("${ex[@]}")" "30000 50000" || return 1
  runtime update --cpu-period 40000 "$id" && eq "after --cpu-period 40000" "$("${ex[@]}")" "30000 40000" || return 1
  runtime update --cpu-quota 10000 "$id" && eq "after --cpu-quota 10000" "$("${ex[@]}")" "10000 40000" || return 1
  runtime delete --force "$id" && no_cgroups "$id"
}

# ---- freezer and kill ---------------------------------------------------------------

# paused NAME: a running container (sets $id, $b) with an exec'd second
# process, then paused.
paused() {
  new_container "$1" && set_args "$b" /payload sleep 60 && create "$id" "$b" && runtime start "$id" || return 1
  runtime exec -d "$id" /payload sleep 60 </dev/null >/dev/null 2>&1 || return 1
  runtime pause "$id" && eq "status after pause" "$(status "$id")" paused
}

needs_cgroups[t_kill_all_of_paused_container]=1
t_kill_all_of_paused_container() {
  # Tasks the v1 freezer holds take SIGKILL only once thawed: the runtime
  # must thaw after killing (cgroup2's freezer lets fatal signals through).
  paused killp || return 1
  runtime kill --all "$id" KILL || return 1
  wait_status "$id" stopped 5 || { grep -h State /proc/$(runtime state "$id" | jq -r .pid)/status; return 1; }
  runtime delete "$id" && no_state "$id" && no_cgroups "$id" && no_processes "$id"
}

needs_cgroups[t_delete_force_of_paused_container]=1
t_delete_force_of_paused_container() {
  # berth used to leave it frozen with SIGKILL pending, "did not exit after
  # SIGKILL", on hybrid hosts (cgroup.kill without a thaw).
  paused delp || return 1
  runtime delete --force "$id" || return 1
  no_state "$id" && no_cgroups "$id" && no_processes "$id"
}

# Checks whose host lacks the feature are reported as skips, with the reason.
if reason=$(blkio_weight_skip) && [ -n "$reason" ]; then
  skip blkio_weight_visible "$reason"; unset -f t_blkio_weight_visible
fi
if [ -z "$(host_block_device)" ]; then
  skip blkio_throttle_visible "no block device on this host"; unset -f t_blkio_throttle_visible
fi

run_checks
finish
