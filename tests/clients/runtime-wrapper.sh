#!/bin/bash
# runtime-wrapper.sh REAL LOGDIR ARGS...: what Podman's conmon and
# containerd's shim run in place of the OCI runtime during tests/clients.
# lib.sh installs a two-line stub, named like the runtime (Podman picks
# features by the runtime's file name; containerd finds `runc` on its PATH),
# that execs this script with the real runtime and the log directory.
#
# Each call is logged to LOGDIR/calls, one line when it starts and one when
# it ends (`PID start ARGV`, `PID exit RC ARGV`, ARGV quoted with %q), so that
# the tests can assert which calls the clients made and how they ended.
#
# A call that the runtime refuses for its command line (an unknown flag or
# command, a malformed value) is recorded in LOGDIR/rejected with the exact
# argv; the client scripts fail on any such line.  Podman's `checkpoint
# --help` probe is the one expected refusal.
#
# Why not exec: the wrapper must see the exit status and the error.  The
# runtime runs as our child instead, which the clients tolerate: they wait
# for its exit and find the container's pid in --pid-file; the container is
# reparented to their subreaper, never to this script.  Its stderr is left
# alone for create/run/exec (there it is the container's stderr, maybe a
# terminal): for those the error is read from the --log file, where both
# runc and berth write it.  For the other verbs stderr passes through a file
# and is copied back once the runtime has exited.
set -u
real=$1 dir=$2
shift 2

args=$(printf '%q ' "$@")
echo "$$ start ${args% }" >> "$dir/calls"

# The verb is the first argument that is neither a global flag nor its value.
verb='' logfile='' i=0 argv=("$@")
while [ $i -lt ${#argv[@]} ]; do
  a=${argv[$i]}
  case $a in
    --root|--log|--log-format|--log-level|--criu|--rootless|--cgroup-manager)
      [ "$a" = --log ] && logfile=${argv[$((i + 1))]:-}
      i=$((i + 2)); continue ;;
    --log=*) logfile=${a#--log=} ;;
    -*) ;;
    *) verb=$a; break ;;
  esac
  i=$((i + 1))
done

# What runc (urfave/cli) and berth print when they refuse a command line.
refused='unknown flag|unknown command|unknown shorthand|flag provided but not defined|No help topic|needs a value|needs an argument|invalid boolean|Incorrect Usage|expected [0-9a-z ]+ arguments?, got'

errfile=$dir/stderr.$$
logsize=0
[ -n "$logfile" ] && [ -f "$logfile" ] && logsize=$(stat -c %s "$logfile")
case $verb in
  create|run|exec) "$real" "$@"; rc=$? ;;
  *) "$real" "$@" 2>"$errfile"; rc=$?; cat "$errfile" >&2 ;;
esac

if [ $rc -ne 0 ]; then
  msg=''
  [ -f "$errfile" ] && msg=$(grep -E "$refused" "$errfile" | head -3)
  if [ -z "$msg" ] && [ -n "$logfile" ] && [ -f "$logfile" ]; then
    msg=$(tail -c +"$((logsize + 1))" "$logfile" | grep -E "$refused" | head -3)
  fi
  if [ -n "$msg" ] && ! { [ "$verb" = checkpoint ] && [[ " ${args} " == *" --help "* ]]; }; then
    printf 'argv: %s\n  rc %d: %s\n' "${args% }" "$rc" "$msg" >> "$dir/rejected"
  fi
fi
rm -f "$errfile"
echo "$$ exit $rc ${args% }" >> "$dir/calls"
exit $rc
