#!/bin/bash
# The runtime binary is never reachable from inside the container
# (CVE-2019-5736).  The attack: the container's program (or a program run by
# exec) is a script whose interpreter is /proc/self/exe.  The kernel resolves
# that link in the process calling execve, which is the runtime itself: a
# vulnerable runtime starts its own host binary inside the container, where
# any container process may open /proc/<pid>/exe and later write through it.
#
# Here the interpreter line is `#!/proc/self/exe --log=/tmp/fifo`, and
# /tmp/fifo is a FIFO nobody writes: a runtime binary that starts from it
# blocks opening its log, so it can be inspected from the host.  Whatever
# ran must not be the host's runtime binary (runc 1.1 runs a sealed memfd
# copy of itself, berth a sealed exec trampoline that refuses to act as an
# interpreter and exits 127).  Root; see common.sh.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

# evil_rootfs BUNDLE: /x is the interpreter script, /tmp/fifo the trap, and
# the runtime's shared libraries are there as in any real image (a dynamic
# runtime binary cannot start in a rootfs without its ld.so and libc).
evil_rootfs() {
  local lib
  printf '#!/proc/self/exe --log=/tmp/fifo\n' > "$1/rootfs/x" && chmod 755 "$1/rootfs/x" &&
    mkdir -p "$1/rootfs/tmp" && mkfifo "$1/rootfs/tmp/fifo" || return 1
  for lib in $(ldd "$OCI_RUNTIME" 2>/dev/null | grep -oE '/[^ ]+'); do
    cp -L --parents "$lib" "$1/rootfs/" || return 1
  done
}

# host_binary_in_pidns PID: prints the pids in PID's pid namespace whose
# executable is the host's runtime binary (same device and inode) on a
# writable mount.  A read-only bind mount of it is safe: runc 1.1 runs
# itself from one (and from a sealed memfd copy where it cannot mount).
host_binary_in_pidns() {
  local ns p want
  ns=$(readlink "/proc/$1/ns/pid") || return 0
  want=$(stat -Lc '%d:%i' "$OCI_RUNTIME")
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
    [ "$(stat -Lc '%d:%i' "$p/exe" 2>/dev/null)" = "$want" ] || continue
    python3 -c 'import os, sys; sys.exit(0 if os.statvfs(sys.argv[1]).f_flag & os.ST_RDONLY else 1)' "$p/exe" ||
      echo "${p#/proc/} $(readlink "$p/exe")"
  done
  return 0
}

# release BUNDLE: unblocks whatever waits to open the FIFO as its log (a
# writer waits for a reader).
release() { timeout 2 cat "$1/rootfs/tmp/fifo" >/dev/null 2>&1 || true; }

t_exec_of_proc_self_exe_script() {
  new_container cve5736exec || return 1
  evil_rootfs "$b" && set_args "$b" /payload sleep 60 && create "$id" "$b" && runtime start "$id" || return 1
  local init; init=$(runtime state "$id" | jq -r .pid) || return 1
  runtime exec "$id" /x </dev/null >"$T/io/x.out" 2>"$T/io/x.err" &
  local ex=$! i found="" rc=0
  for ((i = 0; i < 20; i++)); do
    sleep 0.1
    found=$(host_binary_in_pidns "$init")
    [ -n "$found" ] && break
    [ -d "/proc/$ex" ] || break
  done
  release "$b"
  wait "$ex" || rc=$?
  [ -z "$found" ] || { echo "the host's runtime binary ran in the container: $found"; return 1; }
  # it did run the script and refused it (a runtime copy that still waits
  # on the FIFO was released above and fails on the unknown command)
  [ "$rc" != 0 ] || { echo "exec of the /proc/self/exe script succeeded"; return 1; }
  eq "container status" "$(status "$id")" running
}

t_init_of_proc_self_exe_script() {
  new_container cve5736init || return 1
  evil_rootfs "$b" && set_args "$b" /x && create "$id" "$b" || return 1
  local init; init=$(runtime state "$id" | jq -r .pid) || return 1
  runtime start "$id" || return 1
  local i found=""
  for ((i = 0; i < 20; i++)); do
    sleep 0.1
    found=$(host_binary_in_pidns "$init")
    [ -n "$found" ] && break
    [ "$(status "$id")" = stopped ] && break
  done
  release "$b"
  [ -z "$found" ] || { echo "the host's runtime binary ran as the container's init: $found"; return 1; }
  wait_status "$id" stopped
}

t_privileged_created_init_binary_read_only() {
  # With CAP_SYS_PTRACE and no user namespace, a container process may open
  # /proc/<pid>/exe of a non-dumpable process: the created init (the
  # runtime, waiting for start) must then not be a writable host binary.
  new_container ptrace || return 1
  set_cfg "$b" '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])' &&
    set_args "$b" /payload echo started && create "$id" "$b" || return 1
  local init; init=$(runtime state "$id" | jq -r .pid) || return 1
  local found; found=$(host_binary_in_pidns "$init")
  [ -z "$found" ] || { echo "the created init is the writable host binary: $found"; return 1; }
  runtime start "$id" && wait_status "$id" stopped && eq "output" "$(out_of "$id")" started
}

spec_only[t_init_is_not_dumpable_while_created]="leaves its created init dumpable (its exe a read-only bind mount of itself)"
t_init_is_not_dumpable_while_created() {
  # Before start the init is the runtime inside the container's pid
  # namespace: /proc/<pid>/exe must not open for a process without
  # CAP_SYS_PTRACE (here: an exec'd process without capabilities).
  new_container dumpable || return 1
  set_cfg "$b" '.process.capabilities = {}' && set_args "$b" /payload sleep 60 && create "$id" "$b" || return 1
  local out rc=0
  out=$(runtime exec "$id" /bin/sh -c 'readlink /proc/1/exe && echo OPENED') 2>&1 || rc=$?
  hasnt "exe of the created init" "$out" OPENED
}

run_checks
finish
