#!/bin/bash
# /dev in the container: linux.devices made with mknod (mode, owner), bound
# from the host inside a user namespace (mknod is not allowed there), the
# standard symlinks, and /dev/shm and /dev/mqueue.  Root; see common.sh.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

# c 1:3 is the null device: allowed by the default device rules, so the
# container can also use it.
xnull='.linux.devices = [{path: "/dev/xnull", type: "c", major: 1, minor: 3, fileMode: 416, uid: 1000, gid: 1001}]'

t_linux_devices_mknod() {
  local out
  out=$(run_payload devmknod "$xnull" stat /dev/xnull) || return 1
  eq "/dev/xnull (0640 = 416)" "$out" "640 1000 1001 chr" || return 1
  # the container's root has no CAP_DAC_OVERRIDE: a node it may write
  new_container devuse && set_cfg "$b" "${xnull/416/438}" && set_args "$b" /bin/sh -c 'echo x > /dev/xnull && echo written' || return 1
  out=$(runtime run --bundle "$b" "$id" 2>&1)
  eq "write to /dev/xnull" "$out" written
}

t_linux_devices_in_user_namespace() {
  # no mknod in a user namespace: the host's node at the same path is
  # bind-mounted (runc does the same), so the test makes one on the host
  local node=/dev/berth-test-$$
  mknod -m 666 "$node" c 1 3 || return 1
  chmod 711 "$T" && mkdir -p "$T/bundles" && chmod 711 "$T/bundles" || { rm -f "$node"; return 1; }
  new_container devuserns || { rm -f "$node"; return 1; }
  set_cfg "$b" '.linux.devices = [{path: $n, type: "c", major: 1, minor: 3, fileMode: 438}]
      | .linux.namespaces += [{type: "user"}]
      | .linux.uidMappings = [{containerID: 0, hostID: 400000, size: 65536}]
      | .linux.gidMappings = [{containerID: 0, hostID: 400000, size: 65536}]' --arg n "$node" &&
    set_args "$b" /bin/sh -c "/payload stat $node | cut -d' ' -f4; echo x > $node && echo written" || { rm -f "$node"; return 1; }
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1)
  rm -f "$node"
  eq "device in a user namespace" "$out" "chr
written"
}

t_dev_symlinks_and_mounts() {
  local out
  out=$(run_payload devlinks . cat /proc/self/mountinfo) || return 1
  has "/dev/shm mount" "$out" " /dev/shm " && has "/dev/mqueue mount" "$out" " /dev/mqueue " || return 1
  new_container devlinks2 && set_args "$b" /bin/sh -c 'for l in fd stdin stdout stderr; do echo "$l $(readlink /dev/$l)"; done' || return 1
  out=$(runtime run --bundle "$b" "$id" 2>&1)
  eq "symlinks" "$out" "fd /proc/self/fd
stdin /proc/self/fd/0
stdout /proc/self/fd/1
stderr /proc/self/fd/2"
}

t_device_not_allowed_by_cgroup() {
  # a node made for a device the cgroup rules do not allow cannot be opened
  new_container devdeny || return 1
  set_cfg "$b" '.linux.devices = [{path: "/dev/xmem", type: "c", major: 1, minor: 1, fileMode: 438}]' &&
    set_args "$b" /bin/sh -c '(: < /dev/xmem) 2>/dev/null && echo opened || echo denied' || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1)
  eq "open of /dev/mem's node" "$out" denied
}

run_checks
finish
