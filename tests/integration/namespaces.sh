#!/bin/bash
# Namespaces seen from inside: a user namespace with root mapped, time
# namespace offsets, and rootfsPropagation on the container's "/".  Root;
# see common.sh.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

userns='.linux.namespaces += [{type: "user"}]
  | .linux.uidMappings = [{containerID: 0, hostID: 200000, size: 65536}]
  | .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]'

# The container's root is host uid 200000: the test's private temp dir must
# let it reach the bundles (as any real bundle directory does).
chmod 711 "$T" && mkdir -p "$T/bundles" && chmod 711 "$T/bundles"

t_user_namespace_maps_root() {
  local out
  out=$(run_payload userns "$userns" cat /proc/self/uid_map /proc/self/gid_map) || return 1
  eq "uid_map and gid_map" "$(tr -s ' ' <<<"$out" | sed 's/^ //')" "0 200000 65536
0 200000 65536" || return 1
  eq "id in the user namespace" "$(run_payload userns2 "$userns" id)" "uid=0 gid=0 euid=0 egid=0 groups=" || return 1
  # what the container writes belongs to the mapped ids on the host
  new_container userns3 && set_cfg "$b" "$userns" && set_args "$b" /payload mkdir /created || return 1
  chown 200000:200000 "$b/rootfs" || return 1
  runtime run --bundle "$b" "$id" >/dev/null 2>&1 || { echo "run failed"; return 1; }
  eq "owner on the host" "$(stat -c '%u:%g' "$b/rootfs/created")" "200000:200000"
}

t_user_namespace_is_new() {
  local out; out=$(run_payload userns4 "$userns" ns) || return 1
  hasnt "user namespace" "$out" "user $(readlink /proc/self/ns/user)" && has "user namespace" "$out" "user user:["
}

spec_only[t_time_namespace_offsets]="runc 1.1 has no time namespace (runc 1.2)"
t_time_namespace_offsets() {
  local out
  out=$(run_payload timens '.linux.namespaces += [{type: "time"}]
    | .linux.timeOffsets = {monotonic: {secs: 86400, nanosecs: 0}, boottime: {secs: 31536000, nanosecs: 0}}' \
    cat /proc/self/timens_offsets /proc/uptime) || return 1
  local offsets; offsets=$(head -2 <<<"$out" | tr -s ' ')
  eq "offsets" "$offsets" "monotonic 86400 0
boottime 31536000 0" || return 1
  # the container's uptime counts the year it was given
  local up; up=$(tail -1 <<<"$out" | cut -d. -f1)
  [ "$up" -ge 31536000 ] || { echo "uptime in the container: $up"; return 1; }
}

t_namespace_path_of_wrong_type_fails() {
  new_container nswrong || return 1
  set_cfg "$b" '.linux.namespaces |= map(if .type == "ipc" then .path = $p else . end)' --arg p "/proc/$$/ns/net" ||
    return 1
  local rc=0; runtime create --bundle "$b" "$id" </dev/null >"$T/io/$id.out" 2>"$T/io/$id.err" || rc=$?
  [ "$rc" != 0 ] || { echo "create succeeded"; return 1; }
  if is_berth; then
    has "error" "$(cat "$T/io/$id.err")" "linux.namespaces[2].path: \"/proc/$$/ns/net\" is a namespace of type \"network\", not \"ipc\"" || return 1
  fi
  no_state "$id"
}

# root_propagation PROPAGATION: the optional fields of "/" in the container.
root_propagation() {
  local out
  out=$(run_payload "prop$1" ".linux.rootfsPropagation = \"$1\"" cat /proc/self/mountinfo) || return 1
  awk '$5 == "/" { for (i = 7; $i != "-"; i++) printf "%s ", $i; print "" }' <<<"$out"
}
t_rootfs_propagation_private() {
  local f; f=$(root_propagation private) || return 1
  [[ "$f" != *shared:* && "$f" != *master:* && "$f" != *unbindable* ]] || { echo "private root: $f"; return 1; }
}
t_rootfs_propagation_slave() {
  # a slave of a shared host mount shows its master; of a private one, nothing
  local f; f=$(root_propagation rslave) || return 1
  [[ "$f" != *shared:* && "$f" != *unbindable* ]] || { echo "rslave root: $f"; return 1; }
}
spec_only[t_rootfs_propagation_shared]="runc 1.1 fails rootfsPropagation \"shared\" (pivot_root needs a private parent)"
t_rootfs_propagation_shared() {
  local f; f=$(root_propagation shared) || return 1
  [[ "$f" == *shared:* ]] || { echo "shared root: $f"; return 1; }
}
spec_only[t_rootfs_propagation_unbindable]="runc 1.1 fails rootfsPropagation \"unbindable\""
t_rootfs_propagation_unbindable() {
  local f; f=$(root_propagation unbindable) || return 1
  [[ "$f" == *unbindable* ]] || { echo "unbindable root: $f"; return 1; }
}

run_checks
finish
