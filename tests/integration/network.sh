#!/bin/bash
# linux.netDevices: a host interface moved into the container's network
# namespace, renamed, with its permanent global addresses, and up.  The test
# makes a veth pair (this kernel has no dummy driver everywhere) and moves
# one end; the pair goes away with the container's namespace.  Root; see
# common.sh.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

dev=bt$$a peer=bt$$b
cleanup_links() { ip link del "$dev" 2>/dev/null; ip link del "$peer" 2>/dev/null; return 0; }
trap 'cleanup_links; _it_exit' EXIT

# make_link: the veth pair, with an IPv4 and an IPv6 address on $dev.
make_link() {
  cleanup_links
  ip link add "$dev" type veth peer name "$peer" &&
    ip addr add 10.213.7.1/24 dev "$dev" && ip addr add fd00:213:7::1/64 dev "$dev"
}

spec_only[t_net_device_moved_renamed_with_addresses]="runc 1.1 has no linux.netDevices (runtime-spec 1.3)"
t_net_device_moved_renamed_with_addresses() {
  make_link || return 1
  new_container netdev || return 1
  set_cfg "$b" '.linux.netDevices = {($d): {name: "eth7"}}' --arg d "$dev" &&
    set_args "$b" /bin/sh -c 'ip -o addr show dev eth7; ip -o link show dev eth7' || return 1
  local out; out=$(runtime run --bundle "$b" "$id" 2>&1) || { echo "$out"; return 1; }
  has "IPv4 address kept" "$out" "inet 10.213.7.1/24" && has "IPv6 address kept" "$out" "inet6 fd00:213:7::1/64" &&
    grep -qE 'eth7@[^:]*: <[^>]*\bUP\b' <<<"$out" || { echo "eth7 not up: $out"; return 1; }
  # the namespace is gone with the container: so is this veth pair
  ! ip link show "$dev" >/dev/null 2>&1 || { echo "$dev still on the host"; return 1; }
}

spec_only[t_net_device_missing_fails]="runc 1.1 has no linux.netDevices (runtime-spec 1.3)"
t_net_device_missing_fails() {
  new_container netdevmissing || return 1
  set_cfg "$b" '.linux.netDevices = {"bt-nodev": {}}' || return 1
  local out rc=0; out=$(runtime create --bundle "$b" "$id" 2>&1) || rc=$?
  eq "exit status" "$rc" 1 && has "error" "$out" 'linux.netDevices: "bt-nodev": no such network device on the host' &&
    no_state "$id"
}

spec_only[t_net_device_name_taken_fails]="runc 1.1 has no linux.netDevices (runtime-spec 1.3)"
t_net_device_name_taken_fails() {
  # "lo" exists in every network namespace: the spec requires an error
  make_link || return 1
  new_container netdevtaken || return 1
  set_cfg "$b" '.linux.netDevices = {($d): {name: "lo"}}' --arg d "$dev" || return 1
  local out rc=0; out=$(runtime create --bundle "$b" "$id" 2>&1) || rc=$?
  eq "exit status" "$rc" 1 && has "error" "$out" "linux.netDevices: \"$dev\": the container already has a network device named \"lo\"" &&
    no_state "$id" && ip -o addr show dev "$dev" | grep -q "10.213.7.1/24" || { echo "$dev not left intact on the host"; return 1; }
  cleanup_links
}

if ! { ip link add "$dev" type veth peer name "$peer" && ip link del "$dev"; } 2>/dev/null; then
  for t in t_net_device_moved_renamed_with_addresses t_net_device_name_taken_fails; do
    unset -f "$t"; skip "${t#t_}" "cannot create a veth pair on this host"
  done
fi
run_checks
finish
