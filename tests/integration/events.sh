#!/bin/bash
# events: one stats record (--stats), the stats stream (--interval), OOM
# events, the end of the stream, and the errors.  Root; see common.sh.
#   OCI_RUNTIME=/usr/bin/runc bash tests/integration/events.sh
#
# runc 1.1.5 on a cgroup v1 (or hybrid) host ends the stream only when the
# container's cgroup is removed (delete), berth already when the container
# stops; the checks delete the container before they wait for the end.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

# start_limited NAME JQ-EXPR ARGS...: a started container running ARGS, its
# config edited by JQ-EXPR; sets $id and $b.
start_limited() {
  local name=$1 expr=$2; shift 2
  new_container "$name" && set_cfg "$b" "$expr" && set_args "$b" "$@" &&
    create "$id" "$b" && runtime start "$id"
}

# events_bg ID FILE ARGS...: `events ARGS ID` in the background, stdout to
# FILE, its exit status to FILE.rc when it ends; sets $ev_pid.
events_bg() {
  local id=$1 file=$2; shift 2
  { timeout -k 2 30 "$OCI_RUNTIME" --root "$ROOT" events "$@" "$id" >"$file" 2>"$file.err"
    echo $? >"$file.rc"; } </dev/null >/dev/null 2>&1 &
  ev_pid=$!
}

# wait_rc FILE SECONDS: until the background `events` wrote FILE.rc.
wait_rc() {
  local i
  for ((i = 0; i < $2 * 20; i++)); do [ -s "$1.rc" ] && return 0; sleep 0.05; done
  echo "events still running after $2 s; stdout:"; head -c 600 "$1"; echo; cat "$1.err"; return 1
}

# stop_bg: ends a background `events` that a failed check left running.
stop_bg() {
  [ -n "${ev_pid:-}" ] || return 0
  kill "$ev_pid" 2>/dev/null; wait "$ev_pid" 2>/dev/null; ev_pid=
}

needs_cgroups[t_stats_of_running_container]=1
t_stats_of_running_container() {
  start_limited stats '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 50}}' \
    /payload sleep 60 || return 1
  local out; out=$(runtime events --stats "$id") || return 1
  eq "lines of --stats" "$(wc -l <<<"$out")" 1 || return 1
  jq -e --arg id "$id" '.type == "stats" and .id == $id and
      .data.pids.current >= 1 and .data.pids.limit == 50 and
      .data.memory.usage.usage > 0 and .data.memory.usage.limit == 67108864 and
      .data.cpu.usage.total > 0 and (.data.cpu.usage | has("kernel") and has("user")) and
      (.data.memory.raw | length > 0) and (.data.hugetlb | type == "object") and
      (.data.blkio | type == "object")' <<<"$out" >/dev/null ||
    { echo "unexpected stats: $out"; return 1; }
}

needs_cgroups[t_stats_of_created_container]=1
t_stats_of_created_container() {
  # Not yet started is not stopped: its init already counts.
  new_container created && set_args "$b" /payload sleep 60 && create "$id" "$b" || return 1
  local out; out=$(runtime events --stats "$id") || return 1
  jq -e '.type == "stats" and .data.pids.current >= 1' <<<"$out" >/dev/null ||
    { echo "unexpected stats: $out"; return 1; }
}

needs_cgroups[t_stream_every_interval]=1
t_stream_every_interval() {
  start_limited stream '.' /payload sleep 60 || return 1
  local f=$T/io/$id.events rc=0
  timeout 1.1 "$OCI_RUNTIME" --root "$ROOT" events --interval 200ms "$id" >"$f" 2>"$f.err" || rc=$?
  eq "events exit status (stopped by timeout)" "$rc" 124 || { cat "$f.err"; return 1; }
  local n; n=$(wc -l <"$f")
  [ "$n" -ge 2 ] && [ "$n" -le 6 ] || { echo "$n stats lines in 1.1 s at 200ms"; return 1; }
  jq -se --arg id "$id" 'all(.type == "stats" and .id == $id and .data.pids.current >= 1)' "$f" \
    >/dev/null || { echo "unexpected events:"; cat "$f"; return 1; }
}

needs_cgroups[t_oom_event]=1
t_oom_event() {
  # A hog under 32 MiB without swap: the OOM killer ends it (the init, so
  # the container stops).
  new_container oom && set_cfg "$b" '.linux.resources.memory = {limit: 33554432, swap: 33554432}' &&
    set_args "$b" /payload memhog 256 && create "$id" "$b" || return 1
  local f=$T/io/$id.events
  events_bg "$id" "$f" --interval 10s
  sleep 0.3  # the OOM watch is set up before the hog starts
  runtime start "$id" || { stop_bg; return 1; }
  wait_status "$id" stopped || { stop_bg; return 1; }
  runtime delete "$id" || { stop_bg; return 1; }
  wait_rc "$f" 5 || { stop_bg; return 1; }
  eq "events exit status" "$(cat "$f.rc")" 0 || return 1
  grep -qxF "{\"type\":\"oom\",\"id\":\"$id\"}" "$f" || { echo "no oom event in:"; cat "$f"; return 1; }
}

needs_cgroups[t_stream_ends_when_container_stops]=1
t_stream_ends_when_container_stops() {
  start_limited ends '.' /payload sleep 60 || return 1
  local f=$T/io/$id.events
  events_bg "$id" "$f" --interval 100ms
  sleep 0.5
  [ ! -e "$f.rc" ] || { echo "events ended early: $(cat "$f.err")"; return 1; }
  runtime kill "$id" KILL || { stop_bg; return 1; }
  wait_status "$id" stopped || { stop_bg; return 1; }
  if is_berth; then  # berth: at the stop already; runc: once the cgroup is gone
    wait_rc "$f" 5 || { stop_bg; return 1; }
  fi
  runtime delete "$id" || { stop_bg; return 1; }
  wait_rc "$f" 5 || { stop_bg; return 1; }
  eq "events exit status" "$(cat "$f.rc")" 0 || return 1
  [ -s "$f" ] && jq -se 'all(.type == "stats")' "$f" >/dev/null || { echo "events:"; cat "$f"; return 1; }
}

t_unknown_container_fails() {
  local err rc
  for args in "--stats" "--interval 1s"; do
    rc=0; err=$(runtime events $args "nope-$$" 2>&1 >/dev/null) || rc=$?
    [ $rc -ne 0 ] || { echo "events $args of an unknown id: exit 0"; return 1; }
    has "events $args of an unknown id" "$err" "does not exist" || return 1
  done
}

needs_cgroups[t_stopped_container_fails]=1
t_stopped_container_fails() {
  new_container stopped && set_args "$b" /payload exit 0 && create "$id" "$b" &&
    runtime start "$id" && wait_status "$id" stopped || return 1
  local err rc args
  for args in "--stats" "--interval 1s"; do
    rc=0; err=$(runtime events $args "$id" 2>&1 >/dev/null) || rc=$?
    [ $rc -ne 0 ] || { echo "events $args of a stopped container: exit 0"; return 1; }
    has "events $args of a stopped container" "$err" "is not running" || return 1
  done
}

needs_cgroups[t_interval_must_be_positive]=1
t_interval_must_be_positive() {
  start_limited interval '.' /payload sleep 60 || return 1
  local err rc=0; err=$(runtime events --interval 0s "$id" 2>&1 >/dev/null) || rc=$?
  [ $rc -ne 0 ] || { echo "--interval 0s: exit 0"; return 1; }
  has "--interval 0s" "$err" "greater than 0"
}

run_checks
finish
