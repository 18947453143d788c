#!/bin/bash
# Runs inside the systemd flavour of the tests/vm guest (systemd is PID 1,
# pure cgroup v2; see init-systemd.sh and build-systemd-overlay.sh) as root,
# from berth-test.service: drives the runtime with --systemd-cgroup and
# asserts what systemd reports for the unit (systemctl show), what is in
# the unit's cgroup directory, and what the container itself sees.
# Output: lib.sh's "ok - / FAIL - / SKIP:" lines, then
# `N passed, N failed, N skipped`; exit status non-zero on failure.
#
# Checks share state on disk (lib.sh runs each in a subshell): container
# "sd2" is created by one check and used by the next ones, down to the one
# that deletes it.
#
# BERTH_VM_RUNTIME=/usr/bin/runc bash tests/vm/run-systemd.sh runs the same
# checks against runc (whose default scope prefix is "runc", not "berth");
# the exact wording of berth's errors is checked for berth only.
set -uo pipefail
B=/opt/berth
. "$B/lib.sh"
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
T=/tmp/berth-vm-systemd
mkdir -p "$T"
RUNTIME=$(cat "$B/runtime" 2>/dev/null || echo berth)
is_berth() { [ "$RUNTIME" = berth ]; }
PREFIX=berth
is_berth || PREFIX=runc

rt() { timeout -k 5 60 /usr/local/bin/berth --root /run/berth --systemd-cgroup "$@"; }
exec 3>&1
note() { echo "# $*" >&3; }
eq() {  # eq WHAT ACTUAL EXPECTED
  [ "$2" = "$3" ] && return 0
  printf '%s:\n  expected: %s\n  actual:   %s\n' "$1" "$3" "$2"; return 1
}
has() {
  grep -qF -- "$3" <<<"$2" && return 0
  printf '%s: no "%s" in:\n%s\n' "$1" "$3" "$2"; return 1
}
prop() { systemctl show -p "$2" --value "$1" 2>&1; }
# The unit is not loaded at all (a stopped scope is garbage-collected).
unit_gone() {
  local s
  s=$(prop "$1" LoadState)
  [ "$s" = not-found ] && return 0
  echo "unit $1: LoadState=$s ActiveState=$(prop "$1" ActiveState)"; return 1
}
dir_gone() { [ ! -e "$1" ] && return 0; echo "$1 still exists"; return 1; }
status() { rt state "$1" 2>/dev/null | jq -r .status; }
wait_status() {  # wait_status ID STATUS
  local i
  for i in $(seq 100); do [ "$(status "$1")" = "$2" ] && return 0; sleep 0.1; done
  echo "$1: status $(status "$1"), wanted $2"; return 1
}

# bundle NAME CGROUPSPATH [JQ-EXPR] [ARG...]: $T/NAME/config.json, the
# integration tests' config without a cgroup namespace, so the container's
# /proc/self/cgroup shows the full path.
bundle() {
  local name=$1 cg=$2 expr=${3:-.}
  shift 3 2>/dev/null || shift $#
  mkdir -p "$T/$name" &&
    jq --arg root "$B/rootfs" --arg cg "$cg" "
        .root.path = \$root | .linux.cgroupsPath = \$cg
        | .linux.namespaces |= map(select(.type != \"cgroup\"))
        | .process.args = \$ARGS.positional | $expr" --args -- "$@" \
      < "$B/config.json" > "$T/$name/config.json"
}

# ---- the cgroup layout ---------------------------------------------------------
# run.sh boots the guest pure cgroup v2 (the default) or, with
# BERTH_VM_CGROUP=hybrid, with systemd's hybrid layout: v1 controllers, the
# scope in name=systemd, and a controller-less cgroup2 at /sys/fs/cgroup/unified.
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then V2=1; else V2=0; fi
[ $V2 = 1 ] && note "cgroup layout: unified" || note "cgroup layout: v1 ($(ls /sys/fs/cgroup | tr '\n' ' '))"
# systemd's memory limit property: MemoryLimit= on v1.
MEMPROP=MemoryMax
[ $V2 = 1 ] || MEMPROP=MemoryLimit
# v1 hierarchies a container's processes must all be in; /proc/<pid>/cgroup
# names them by controller.
# runc 1.1 leaves the devices hierarchy at the slice (and its ps, which
# reads that hierarchy, empty): berth's own expectation there only.
V1_CTLS="name=systemd memory pids cpu cpuset freezer blkio"
is_berth && V1_CTLS+=" devices"
# placed WHAT CGROUP-TEXT PATH: the /proc/<pid>/cgroup text puts the
# process at PATH (the "0::" line on v2; each of V1_CTLS on v1).
placed() {
  if [ $V2 = 1 ]; then eq "$1" "$2" "0::$3"; return; fi
  local c p
  for c in $V1_CTLS; do
    p=$(awk -F: -v c="$c" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' <<<"$2")
    eq "$1 ($c)" "$p" "$3" || return 1
  done
}
# cgdir CONTROLLER PATH: the directory of PATH in CONTROLLER's hierarchy.
cgdir() { if [ $V2 = 1 ]; then echo "/sys/fs/cgroup$2"; else echo "/sys/fs/cgroup/$1$2"; fi; }
# gone PATH: no directory of PATH in any hierarchy.
gone() {
  if [ $V2 = 1 ]; then dir_gone "/sys/fs/cgroup$1"; return; fi
  local c
  for c in systemd memory pids cpuset freezer; do dir_gone "/sys/fs/cgroup/$c$1" || return 1; done
}

# ---- the bus ------------------------------------------------------------------
# With a bus daemon in the guest, systemd joins it shortly after it starts;
# both runtimes try the bus first.  Without one (BERTH_VM_DBUS=0) they use
# /run/systemd/private.
if [ -S /run/dbus/system_bus_socket ]; then
  for _ in $(seq 100); do
    busctl --system status org.freedesktop.systemd1 >/dev/null 2>&1 && break
    sleep 0.1
  done
  if busctl --system status org.freedesktop.systemd1 >/dev/null 2>&1; then
    note "systemd is on the system bus"
  else
    note "systemd did not join the system bus"
  fi
else
  note "no system bus: the private socket is used"
fi
note "$(systemctl --version | head -1)"

# ---- checks -------------------------------------------------------------------
c_default_path() {
  bundle sd1 "" . /payload cat /proc/self/cgroup || return 1
  local out
  out=$(rt run --bundle "$T/sd1" sd1 </dev/null 2>"$T/sd1.err") || { echo "run failed:"; cat "$T/sd1.err"; return 1; }
  placed "/proc/self/cgroup in the container" "$out" "/system.slice/$PREFIX-sd1.scope" || return 1
  # run deleted the container: nothing of the scope is left.
  unit_gone "$PREFIX-sd1.scope" && gone "/system.slice/$PREFIX-sd1.scope"
}
check "empty cgroupsPath: the container runs in system.slice/$PREFIX-<id>.scope, removed after run" c_default_path

SD2=/machine.slice/test-sd2.scope
c_create() {
  # memory.oom.group: systemd has no property for it (and v1 no such file).
  local unified='{}'
  [ $V2 = 1 ] && unified='{"memory.oom.group": "1"}'
  bundle sd2 "machine.slice:test:sd2" "
      .linux.resources = {memory: {limit: 67108864}, pids: {limit: 32},
                          cpu: {quota: 50000, period: 100000, cpus: \"1\"},
                          unified: $unified}" \
    /payload sleep 1000 || return 1
  rt create --bundle "$T/sd2" sd2 </dev/null >"$T/sd2.out" 2>&1 || { cat "$T/sd2.out"; return 1; }
  eq status "$(status sd2)" created || return 1
  local pid
  pid=$(rt state sd2 | jq -r .pid)
  placed "/proc/<init>/cgroup" "$(cat /proc/"$pid"/cgroup)" $SD2
}
check "create: slice:prefix:name places the init in machine.slice/test-sd2.scope" c_create

c_unit() {
  eq ActiveState "$(prop test-sd2.scope ActiveState)" active || return 1
  eq Slice "$(prop test-sd2.scope Slice)" machine.slice || return 1
  eq Delegate "$(prop test-sd2.scope Delegate)" yes || return 1
  eq $MEMPROP "$(prop test-sd2.scope $MEMPROP)" 67108864 || return 1
  eq TasksMax "$(prop test-sd2.scope TasksMax)" 32 || return 1
  eq CPUQuotaPerSecUSec "$(prop test-sd2.scope CPUQuotaPerSecUSec)" 500ms || return 1
  eq AllowedCPUs "$(prop test-sd2.scope AllowedCPUs)" 1 || return 1
  eq ControlGroup "$(prop test-sd2.scope ControlGroup)" /machine.slice/test-sd2.scope
}
check "systemd's unit: active, Slice, Delegate, MemoryMax, TasksMax, CPU quota, AllowedCPUs" c_unit

mem_limit() {
  if [ $V2 = 1 ]; then cat "$(cgdir memory $SD2)/memory.max"; else cat "$(cgdir memory $SD2)/memory.limit_in_bytes"; fi
}
c_files() {
  eq "memory limit" "$(mem_limit)" 67108864 || return 1
  eq pids.max "$(cat "$(cgdir pids $SD2)/pids.max")" 32 || return 1
  if [ $V2 = 1 ]; then
    eq cpu.max "$(cat "$(cgdir cpu $SD2)/cpu.max")" "50000 100000" || return 1
    # systemd has no property for this one: written to the file directly.
    eq memory.oom.group "$(cat "$(cgdir memory $SD2)/memory.oom.group")" 1 || return 1
  else
    eq cpu.cfs_quota_us "$(cat "$(cgdir cpu $SD2)/cpu.cfs_quota_us")" 50000 || return 1
    eq cpu.cfs_period_us "$(cat "$(cgdir cpu $SD2)/cpu.cfs_period_us")" 100000 || return 1
  fi
  # systemd applies no cpuset on v1: there it is only the direct write.
  eq cpuset.cpus "$(cat "$(cgdir cpuset $SD2)/cpuset.cpus")" 1
}
check "the scope's cgroup files hold linux.resources, systemd-unknown ones included" c_files

c_start_exec() {
  rt start sd2 || return 1
  wait_status sd2 running || return 1
  local out
  out=$(rt exec sd2 /payload cat /proc/self/cgroup </dev/null 2>"$T/sd2.exec.err") || { cat "$T/sd2.exec.err"; return 1; }
  placed "/proc/self/cgroup of an exec'd process" "$out" $SD2 || return 1
  [ $V2 = 1 ] || is_berth || return 0  # runc 1.1's ps on v1: see V1_CTLS
  out=$(rt ps sd2 2>"$T/sd2.ps.err") || { cat "$T/sd2.ps.err"; return 1; }
  has "ps" "$out" "$(rt state sd2 | jq -r .pid)"
}
check "start, exec joins the scope, ps lists the init" c_start_exec

c_devices_reload() {
  # On v1 systemd writes a unit's devices.allow/deny itself once the unit
  # has device properties, so the unit carries the container's rules (as
  # runc does): what systemd re-applies must be them, never "a *:* rwm".
  systemctl daemon-reload || return 1
  local l
  l=$(cat "$(cgdir devices $SD2)/devices.list") || return 1
  if grep -qx 'a \*:\* rwm' <<<"$l"; then printf 'devices.list allows everything after daemon-reload:\n%s\n' "$l"; return 1; fi
  has devices.list "$l" "c 1:3 rwm" || return 1
  eq DevicePolicy "$(prop test-sd2.scope DevicePolicy)" strict
}
[ $V2 = 1 ] || check "v1: the unit carries the device rules (DevicePolicy=strict); devices.list keeps them across daemon-reload" c_devices_reload

c_update() {
  rt update --memory 134217728 --pids-limit 64 sd2 || return 1
  eq "memory limit" "$(mem_limit)" 134217728 || return 1
  eq pids.max "$(cat "$(cgdir pids $SD2)/pids.max")" 64 || return 1
  eq $MEMPROP "$(prop test-sd2.scope $MEMPROP)" 134217728 || return 1
  eq TasksMax "$(prop test-sd2.scope TasksMax)" 64
}
check "update: memory.max and pids.max, in the files and in the unit" c_update

frozen() {
  if [ $V2 = 1 ]; then cat "$(cgdir x $SD2)/cgroup.freeze"; else cat "$(cgdir freezer $SD2)/freezer.state"; fi
}
c_pause() {
  local on=1 off=0
  [ $V2 = 1 ] || { on=FROZEN; off=THAWED; }
  rt pause sd2 || return 1
  eq status "$(status sd2)" paused || return 1
  eq "freezer" "$(frozen)" $on || return 1
  rt resume sd2 || return 1
  eq status "$(status sd2)" running || return 1
  eq "freezer" "$(frozen)" $off
}
check "pause and resume freeze and thaw the scope" c_pause

c_kill_delete() {
  rt kill sd2 KILL || return 1
  wait_status sd2 stopped || return 1
  rt delete sd2 || return 1
  unit_gone test-sd2.scope && gone $SD2
}
check "kill and delete leave no unit and no cgroup behind" c_kill_delete

c_force_delete() {
  bundle sd3 "machine.slice:test:sd3" . /payload sleep 1000 || return 1
  rt create --bundle "$T/sd3" sd3 </dev/null >"$T/sd3.out" 2>&1 || { cat "$T/sd3.out"; return 1; }
  eq ActiveState "$(prop test-sd3.scope ActiveState)" active || return 1
  rt delete --force sd3 || return 1
  unit_gone test-sd3.scope && gone /machine.slice/test-sd3.scope
}
check "delete --force of a created container stops and removes its scope" c_force_delete

c_bad_path() {
  bundle sd4 "/plain/path" . /payload echo hi || return 1
  local out
  if out=$(rt create --bundle "$T/sd4" sd4 </dev/null 2>&1); then
    echo "create succeeded with cgroupsPath /plain/path"; rt delete --force sd4; return 1
  fi
  has "error" "$out" "/plain/path" || return 1
  if is_berth; then has "error" "$out" "linux.cgroupsPath" || return 1; fi
  [ -z "$(rt list -q 2>/dev/null)" ] || { echo "containers left: $(rt list -q)"; return 1; }
  gone /plain
}
check "a cgroupsPath not of the form slice:prefix:name fails and leaves nothing" c_bad_path

c_refused_unit() {
  # systemd refuses the unit name: create fails after the init was cloned,
  # and rolls everything back.
  bundle sd7 "machine.slice:test:a b" . /payload sleep 1000 || return 1
  local out
  if out=$(rt create --bundle "$T/sd7" sd7 </dev/null 2>&1); then
    echo "create succeeded with an invalid unit name"; rt delete --force sd7; return 1
  fi
  if is_berth; then has "error" "$out" "StartTransientUnit" || return 1; fi
  [ -z "$(rt list -q 2>/dev/null)" ] || { echo "containers left: $(rt list -q)"; return 1; }
  gone "/machine.slice/test-a b.scope" || return 1
  ! pgrep -f "payload sleep 1000" >/dev/null || { echo "a payload is still running"; return 1; }
}
check "a unit name systemd refuses fails create and leaves nothing" c_refused_unit

c_nested_slice() {
  bundle sd5 "a-b.slice:p:sd5" . /payload cat /proc/self/cgroup || return 1
  local out
  out=$(rt run --bundle "$T/sd5" sd5 </dev/null 2>"$T/sd5.err") || { echo "run failed:"; cat "$T/sd5.err"; return 1; }
  placed "/proc/self/cgroup" "$out" /a.slice/a-b.slice/p-sd5.scope || return 1
  unit_gone p-sd5.scope
}
check "a nested slice a-b.slice expands to /a.slice/a-b.slice" c_nested_slice

c_private_socket() {
  # An unreachable bus: as root, both runtimes fall back to systemd's own
  # socket, /run/systemd/private.
  bundle sd6 "" . /payload cat /proc/self/cgroup || return 1
  local out
  out=$(DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus rt run --bundle "$T/sd6" sd6 </dev/null 2>"$T/sd6.err") ||
    { echo "run failed:"; cat "$T/sd6.err"; return 1; }
  placed "/proc/self/cgroup" "$out" "/system.slice/$PREFIX-sd6.scope" || return 1
  unit_gone "$PREFIX-sd6.scope"
}
check "without a reachable system bus, systemd's private socket is used" c_private_socket

finish
