# Sourced by tests/clients/podman.sh and containerd.sh after tests/lib.sh:
# the runtime under test behind a logging wrapper, a private temp dir, the
# busybox images, host snapshots and a cleanup that turns anything left on
# the host into a failed check.  See run.sh for how to run it.
#
#   OCI_RUNTIME          runtime under test (default $top/build/berth)
#   BERTH_BUILD_DIR      where tests/payload/payload is (default $top/build;
#                        compiled with cc into the cache when absent there
#                        or older than tests/payload/payload.c)
#   BERTH_CLIENTS_CACHE  rootfs, payload and image archive shared by the
#                        scripts of one run.sh run
#   CL_STEPS="a b"       run only these steps (the t_ names without t_)
#   CL_KEEP=1            keep the temp dir (wrapper log: $T/wrap/calls)
#
# The client script sets CLIENT (podman|containerd) and CLIENT_TOOLS before
# sourcing this, defines cl_teardown (stop its containers, daemons,
# networks; called once, also when the script dies early), runs its checks
# and ends with cl_finish.
#
# Cgroups: every container gets a RELATIVE cgroup path beneath
# $CG_PARENT (berth-clients-<pid>), so the runtime creates it beneath its own
# cgroup, which is ours (conmon with cgroups=no-conmon and the containerd
# shim stay in the cgroup of the process that started them).  On this kind
# of host the memory hierarchy's own cgroup belongs to the machine's owner;
# beneath it is the only place these tests may create cgroups.  At the end
# exactly the directories beneath $CG_PARENT are removed, bottom-up, rmdir
# only.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CL_DIR=$top/tests/clients
OCI_RUNTIME=${OCI_RUNTIME:-$top/build/berth}
# The wrapper bears the runtime's name as given (Podman picks features by
# it); what it runs is the file behind any link (/usr/bin/runc is one).
RT_NAME=$(basename "$OCI_RUNTIME")
OCI_RUNTIME=$(readlink -f "$OCI_RUNTIME")
BERTH_BUILD_DIR=${BERTH_BUILD_DIR:-$top/build}

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: $CLIENT all steps: needs root"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
for tool in jq cc ip unshare $CLIENT_TOOLS; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $CLIENT all steps: \"$tool\" is not installed (sudo bash scripts/deps.sh --test installs it)"
    echo "0 passed, 0 failed, 1 skipped"; exit 0
  fi
done
if [ ! -x "$OCI_RUNTIME" ]; then
  echo "FAIL - runtime \"$OCI_RUNTIME\" is not an executable"; echo "0 passed, 1 failed, 0 skipped"; exit 1
fi

exec </dev/null                    # no container may read the caller's terminal
T=$(mktemp -d /tmp/berth-clients.XXXXXX)
chmod 0755 "$T"
# The clients' helpers inherit our working directory, and at least one of
# them leaves a file there (an empty "oom" appeared in the checkout after
# the OOM checks): work from a temp dir of our own.  Not inside $T, where a
# working directory marks a process as one this run must not leave behind.
CWD=$(mktemp -d /tmp/berth-clients-cwd.XXXXXX) && cd "$CWD" || exit 1
CG_PARENT=berth-clients-$$
CACHE=${BERTH_CLIENTS_CACHE:-$T/cache}
mkdir -p "$T/bin" "$T/wrap" "$CACHE"
: > "$T/wrap/calls"

# ---- the runtime wrapper -----------------------------------------------------

# wrapper_stub PATH: an executable at PATH that runs the runtime under test
# through runtime-wrapper.sh.
wrapper_stub() {
  printf '#!/bin/bash\nexec /bin/bash %q %q %q "$@"\n' \
    "$CL_DIR/runtime-wrapper.sh" "$OCI_RUNTIME" "$T/wrap" > "$1" && chmod 0755 "$1"
}
WRAPPED=$T/bin/$RT_NAME
wrapper_stub "$WRAPPED"

# no_rejected_flags: the runtime refused no command line of the client.
no_rejected_flags() {
  [ -s "$T/wrap/rejected" ] || return 0
  echo "$RT_NAME refused these command lines:"; cat "$T/wrap/rejected"; return 1
}

# The wrapper itself: it records a refused flag, in a verb whose stderr it
# reads and in one (create) whose error it finds in the --log file, and not
# Podman's `checkpoint --help` probe.
wrapper_detects_refusals() {
  local d=$T/wrapper-selftest w=$CL_DIR/runtime-wrapper.sh
  mkdir -p "$d"
  bash "$w" "$OCI_RUNTIME" "$d" --root "$d/root" kill --no-such-flag x 9 >/dev/null 2>&1
  bash "$w" "$OCI_RUNTIME" "$d" --root "$d/root" --log "$d/log" --log-format json \
    create --no-such-flag --bundle "$d/none" x >/dev/null 2>&1
  bash "$w" "$OCI_RUNTIME" "$d" checkpoint --help >/dev/null 2>&1
  local n; n=$(grep -c '^argv: .*--no-such-flag' "$d/rejected" 2>/dev/null)
  eq "refusals recorded by the wrapper" "${n:-0} $(grep -c '^argv:' "$d/rejected" 2>/dev/null)" "2 2" || {
    cat "$d/rejected" 2>/dev/null; return 1; }
  eq "calls logged" "$(grep -c ' exit ' "$d/calls")" 3
}

# ---- payload, rootfs, images -------------------------------------------------

# The static test payload (tests/payload/payload.c) at /payload in the image:
# the build's when it is not older than the source, else compiled here.
_cl_payload() {
  local built=$BERTH_BUILD_DIR/tests/payload/payload out=$CACHE/payload
  if [ -x "$built" ] && [ ! "$built" -ot "$top/tests/payload/payload.c" ]; then echo "$built"; return; fi
  if [ ! -x "$out" ]; then
    cc -O2 -static -o "$out.tmp.$$" "$top/tests/payload/payload.c" && mv "$out.tmp.$$" "$out" || return 1
  fi
  echo "$out"
}

# ROOTFS_TAR: busybox-static, the payload, and /srv/app owned by 1000 (the
# WORKDIR of the second image).
ROOTFS_TAR=$CACHE/rootfs.tar
if [ ! -s "$ROOTFS_TAR" ]; then
  r=$CACHE/rootfs.tmp.$$
  rm -rf "$r"
  if PAYLOAD=$(_cl_payload) && bash "$top/scripts/make-rootfs.sh" "$r" >/dev/null &&
     install -m 0755 "$PAYLOAD" "$r/payload" && mkdir -p "$r/srv/app" && chown 1000:1000 "$r/srv/app" &&
     tar -C "$r" --numeric-owner -cf "$ROOTFS_TAR.tmp.$$" . && mv "$ROOTFS_TAR.tmp.$$" "$ROOTFS_TAR"; then :
  else
    echo "FAIL - cannot build the busybox rootfs"; echo "0 passed, 1 failed, 0 skipped"; rm -rf "$r" "$T"; exit 1
  fi
  rm -rf "$r"
fi
IMAGE=localhost/berth-busybox:latest
IMAGE_USER=localhost/berth-busybox-user:latest     # USER 1000, WORKDIR /srv/app

# ---- Podman's private configuration ------------------------------------------

# Podman (also used by containerd.sh to build the image archive) with its
# own storage, run root, tmp dir, events log and network config under $T.
# Podman 4.3 lowers its own RLIMIT_NPROC hard limit to 32768 at start (seen
# in /proc/<podman>/limits), and root here lacks CAP_SYS_RESOURCE: the
# default ulimits are the host's hard limits, and nproc no more than 32768,
# so that no runtime is asked to raise a limit.
podman_setup() {
  local p=$T/podman nofile nproc
  mkdir -p "$p/tmp" "$p/cni" "$p/volumes"
  nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
  nproc=$(ulimit -Hu); { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  cat > "$p/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
# conmon stays in our cgroup; containers get --cgroup-parent $CG_PARENT.
cgroups = "no-conmon"
# A private network namespace with only lo unless a test asks for a network,
# so that no run creates Podman's default bridge.
netns = "none"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$p/events.log"
tmp_dir = "$p/tmp"
volume_path = "$p/volumes"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "berth"]
# containers.conf(5) documents runtime_supports_nocgroups, but Podman 4.3
# (containers-common 0.50) decodes runtime_supports_nocgroup and ignores the
# other ("Failed to decode the keys" at --log-level debug).
runtime_supports_nocgroup = ["crun", "krun", "berth"]

[network]
network_backend = "cni"
cni_plugin_dirs = ["/usr/lib/cni"]
network_config_dir = "$p/cni"
EOF
  cat > "$p/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$p/graph"
runroot = "$p/run"
EOF
  export CONTAINERS_CONF=$p/containers.conf CONTAINERS_STORAGE_CONF=$p/storage.conf
  export CONTAINERS_REGISTRIES_CONF=$p/registries.conf
  : > "$p/registries.conf"
}

# pm ARGS...: podman with the private configuration and the wrapped runtime.
pm() { timeout -k 5 "${PM_TIMEOUT:-60}" podman --runtime "$WRAPPED" "$@"; }

# pm_copy ARGS...: podman for an image copy (import, save).  containers/image
# records every blob it copies in /var/lib/containers/cache/blob-info-cache-
# v1.boltdb when run as root, whatever the storage root, and Podman 4.3 has
# no option to move it: image copies run in a private mount namespace where
# /var/lib is read-only, so the cache stays in memory and the host's
# /var/lib is left alone.
pm_copy() {
  timeout -k 5 "${PM_TIMEOUT:-60}" unshare --mount --propagation private sh -c \
    'mount --bind /var/lib /var/lib && mount -o remount,bind,ro /var/lib && exec "$@"' \
    sh podman --runtime "$WRAPPED" "$@"
}

# podman_images: IMAGE and IMAGE_USER in Podman's storage.
podman_images() {
  pm_copy import --change 'CMD ["/bin/sh"]' "$ROOTFS_TAR" "$IMAGE" >/dev/null &&
    pm_copy import --change 'CMD ["/bin/sh"]' --change 'USER 1000' --change 'WORKDIR /srv/app' \
      "$ROOTFS_TAR" "$IMAGE_USER" >/dev/null
}

# IMAGE_ARCHIVE: both images as a docker-archive for `ctr images import`.
IMAGE_ARCHIVE=$CACHE/images.tar
image_archive() {
  [ -s "$IMAGE_ARCHIVE" ] && return 0
  podman_images && pm_copy save -q -m --format docker-archive -o "$IMAGE_ARCHIVE.tmp.$$" "$IMAGE" "$IMAGE_USER" &&
    mv "$IMAGE_ARCHIVE.tmp.$$" "$IMAGE_ARCHIVE"
}

# ---- steps and assertions ----------------------------------------------------

# check_step NAME FUNCTION: lib.sh's check, except that a FUNCTION which
# prints "SKIP: REASON" and succeeds counts as skipped, with that reason.
check_step() {
  local name=$1 out rc=0; shift
  out=$("$@" 2>&1) || rc=$?
  if [ $rc = 0 ] && [[ $out == SKIP:* ]]; then
    skip "$name" "$(head -1 <<<"${out#SKIP: }")"
  elif [ $rc = 0 ]; then
    pass=$((pass + 1)); echo "ok - $name"
  else
    fail=$((fail + 1)); echo "FAIL - $name"
    [ -n "$out" ] && sed 's/^/    /' <<<"$out" | head -30
  fi
  return 0
}

eq() {  # eq WHAT ACTUAL EXPECTED
  [ "$2" = "$3" ] && return 0
  printf '%s:\n  expected: %s\n  actual:   %s\n' "$1" "$3" "$2"; return 1
}
has() {  # has WHAT HAYSTACK NEEDLE (fixed string)
  grep -qF -- "$3" <<<"$2" && return 0
  printf '%s: no "%s" in:\n%s\n' "$1" "$3" "$(sed 's/^/    /' <<<"$2")"; return 1
}
# until_true SECONDS CMD...: CMD succeeds within SECONDS (polled).
until_true() {
  local i n=$(($1 * 10)); shift
  for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  "$@"
}

# ---- cgroups -----------------------------------------------------------------

# Each mounted cgroup hierarchy's directory of our own cgroup (tests/lib.sh).
OWN_CGROUPS=$(cgroup_dirs_of_self)

# cgroup_dir CONTROLLER PID: the directory of PID's cgroup in CONTROLLER's
# v1 hierarchy.
cgroup_dir() {
  local rel; rel=$(awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' \
    "/proc/$2/cgroup") || return 1
  [ -n "$rel" ] || { echo "no $1 cgroup for pid $2"; return 1; }
  echo "/sys/fs/cgroup/$1$rel"
}

# Our test cgroups that exist now (deepest first).
_cl_cgroups() {
  local d
  for d in $OWN_CGROUPS; do
    [ -d "$d/$CG_PARENT" ] && find "$d/$CG_PARENT" -depth -type d
  done
  return 0
}

# ---- host state: snapshot, leftovers, reaping --------------------------------

# What the clients may leave on the host: network links, the runtimes'
# default state roots (Podman passes no --root), network namespaces, and the
# directories Podman and containerd use by default.  Mounts are compared too
# but only those at these paths or under $T (other tests on this host mount
# things of their own meanwhile).
_cl_host_paths=(/run/netns /run/runc /run/berth /run/crun /run/containers /run/libpod /run/containerd
                /var/lib/containers /var/lib/containerd /var/lib/cni /etc/cni /opt/containerd /run/podman)
_cl_mount_re="($T|/run/netns|/run/containerd|/run/containers|/run/libpod|/var/lib/containers|/var/lib/containerd|/var/lib/cni)"
_cl_snapshot() {
  ls /sys/class/net | sed 's/^/link /'
  find "${_cl_host_paths[@]}" -maxdepth 3 2>/dev/null | sed 's/^/path /'
  awk '{print "mount " $5}' /proc/self/mountinfo | grep -E "^mount ${_cl_mount_re}"
  echo "sysctl net.ipv4.ip_forward=$(cat /proc/sys/net/ipv4/ip_forward)"
}
_cl_snapshot | sort > "$T/host.before"

# Processes of this run: in its cgroups, or naming $T in their command line,
# working directory or root (conmon, the shim, containerd, containers).
_cl_processes() {
  local d p
  { for d in $(_cl_cgroups); do cat "$d/cgroup.procs" 2>/dev/null; done
    find /proc -mindepth 2 -maxdepth 2 \( -name root -o -name cwd \) -printf '%h %l\n' 2>/dev/null |
      awk -v t="$T" 'index($2, t) == 1 { sub("/proc/", "", $1); print $1 }'
    for d in $(grep -laF -- "$T" /proc/[0-9]*/cmdline 2>/dev/null); do
      p=${d#/proc/}; echo "${p%/cmdline}"
    done; } | sort -un | while read -r p; do
      [ "$p" != $$ ] && [ "$p" != "${BASHPID:-$$}" ] && [ -d "/proc/$p" ] && echo "$p"
    done
}

# What this run left on the host, one line each.
_cl_leftovers() {
  local l p
  _cl_snapshot | sort > "$T/host.after"
  comm -13 "$T/host.before" "$T/host.after" | sed 's/^/leftover: /'
  for l in $(_cl_cgroups); do echo "leftover: cgroup $l"; done
  for p in $(_cl_processes); do
    echo "leftover: process $p $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | cut -c1-200)"
  done
  return 0
}

# When the clients' own teardown was not enough: thaws our frozen cgroups,
# ends the processes of this run (by PID), detaches the network namespaces they left in /run/netns,
# deletes the new links that carry our tag, then _cl_restore_host.
_cl_reap() {
  local p l m d
  # A task in a frozen v1 cgroup takes SIGKILL only once thawed: thaw ours.
  for d in $(_cl_cgroups); do
    [ -f "$d/freezer.state" ] && [ "$(cat "$d/freezer.state")" != THAWED ] && echo THAWED > "$d/freezer.state"
  done
  for p in $(_cl_processes); do kill -KILL "$p" 2>/dev/null; done
  sleep 0.2
  _cl_snapshot | sort > "$T/host.after"
  for l in $(comm -13 "$T/host.before" "$T/host.after" | awk '$1 == "link" {print $2}'); do
    [[ $l == "${CL_TAG:-none}"* ]] && ip link delete "$l" 2>/dev/null
  done
  for m in $(comm -13 "$T/host.before" "$T/host.after" | awk '$1 == "mount" {print $2}' | sort -r); do
    [[ $m == /run/netns/* ]] && umount "$m" 2>/dev/null && rm -f "$m"
  done
  _cl_restore_host
}

# After the client's own teardown: what the clients made on the host that
# was not there before and is ours to remove.  /run/netns becomes a mount
# point (a bind mount onto itself, like `ip netns`) once Podman makes its
# first network namespace there; the runtimes' default state roots, /run/netns
# and libcni's cache dirs appear on a fresh host.  Only empty directories are
# removed (rmdir), and the mount only when /run/netns is empty.  Podman and
# containerd remove their containers' cgroups but not the parent we named for
# them: that empty tree is ours (rmdir, deepest first), and so is the
# ip_forward flag that the bridge plugin sets.
_cl_restore_host() {
  local d i p m
  _cl_snapshot | sort > "$T/host.after"
  for m in $(comm -13 "$T/host.before" "$T/host.after" | awk '$1 == "mount" {print $2}' | sort -r); do
    case $m in
      /run/netns) [ -z "$(ls -A /run/netns)" ] && umount /run/netns ;;
      "$T"/*) umount -l "$m" ;;
    esac
  done
  for d in $(comm -13 "$T/host.before" "$T/host.after" | awk '$1 == "path" {print $2}' | sort -r); do
    # berth's compiled seccomp programs (berth(8): kept across containers on
    # purpose) that this run added.
    [[ $d == */.berth:cache || $d == */.berth:cache/* ]] && rm -rf --one-file-system "$d"
    [ -d "$d" ] && [ ! -L "$d" ] && rmdir "$d" 2>/dev/null
  done
  for ((i = 0; i < 30; i++)); do
    for d in $(_cl_cgroups); do rmdir "$d" 2>/dev/null; done
    [ -z "$(_cl_cgroups)" ] && break
    sleep 0.1
  done
  p=$(sed -n 's/^sysctl net.ipv4.ip_forward=//p' "$T/host.before")
  [ -n "$p" ] && [ "$(cat /proc/sys/net/ipv4/ip_forward)" != "$p" ] && echo "$p" > /proc/sys/net/ipv4/ip_forward
  return 0
}
_cl_torn_down=0
_cl_teardown_once() {
  [ "$_cl_torn_down" = 1 ] && return 0
  _cl_torn_down=1
  declare -F cl_teardown >/dev/null && cl_teardown
  _cl_restore_host
}
_cl_no_leftovers() {
  local l; l=$(_cl_leftovers)
  [ -z "$l" ] && return 0
  echo "$l"; _cl_reap; return 1
}

_cl_finished=0
cl_finish() {
  _cl_teardown_once >"$T/teardown.log" 2>&1
  check "$CLIENT runtime wrapper detects refused command lines" wrapper_detects_refusals
  check "$CLIENT no command line refused by the runtime" no_rejected_flags
  check "$CLIENT no leftovers (cgroups, mounts, links, netns, state, processes)" _cl_no_leftovers
  _cl_finished=1
  finish
}
_cl_exit() {
  local rc=$?
  if [ "$_cl_finished" = 0 ]; then   # died before cl_finish: still clean, still fail
    _cl_teardown_once >/dev/null 2>&1
    local l; l=$(_cl_leftovers)
    if [ -n "$l" ]; then echo "FAIL - leftovers"; sed 's/^/    /' <<<"$l"; _cl_reap; rc=1; fi
  fi
  [ -n "${CL_KEEP:-}" ] && { echo "kept $T"; exit $rc; }
  rm -rf --one-file-system "$T" "$CWD"
  exit $rc
}
trap _cl_exit EXIT
trap 'exit 130' INT TERM
