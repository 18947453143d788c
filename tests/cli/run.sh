#!/bin/bash
# Black-box tests of the berth binary's CLI: version, help, spec, features,
# logging, and the exit status of verbs.  usage: run.sh BERTH
set -uo pipefail
berth=$(realpath "${1:?usage: run.sh BERTH}")
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d /tmp/berth-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

t_version() {
  local v; v=$("$berth" --version) || return 1
  grep -Eq '^berth version [0-9]+\.[0-9]+\.[0-9]+$' <<<"$v" &&
  grep -Eq '^commit: ' <<<"$v" && grep -Eq '^spec: 1\.2\.[0-9]+$' <<<"$v" &&
  grep -Eq '^libseccomp: [0-9]+\.[0-9]+\.[0-9]+$' <<<"$v" && [ "$("$berth" -v)" = "$v" ]
}
t_help_lists_verbs() {
  local h; h=$("$berth" --help) || return 1
  for v in create start run state kill delete list exec ps pause resume update events spec features; do
    grep -q "^  $v " <<<"$h" || { echo "missing $v"; return 1; }
  done
  [ "$("$berth")" = "$h" ] && [ "$("$berth" help)" = "$h" ]
}
t_verb_help() { "$berth" create --help | grep -q -- '--console-socket' && "$berth" help exec | grep -q -- '--process'; }
t_spec_writes_valid_json() {
  mkdir "$tmp/b1" && "$berth" spec --bundle "$tmp/b1" &&
  jq -e '.ociVersion and .process.terminal == true and .root.path == "rootfs" and
         (.linux.namespaces | map(.type) | index("network"))' "$tmp/b1/config.json" >/dev/null
}
t_spec_refuses_overwrite() {
  mkdir "$tmp/b2" && echo '{"mine":1}' > "$tmp/b2/config.json"
  local err rc=0; err=$("$berth" spec -b "$tmp/b2" 2>&1) || rc=$?
  [ $rc -eq 1 ] && [ "$err" = "berth: spec: \"$tmp/b2/config.json\" already exists; remove it first" ] &&
  [ "$(cat "$tmp/b2/config.json")" = '{"mine":1}' ]
}
t_spec_rootless() {
  mkdir "$tmp/b3" && (cd "$tmp/b3" && "$berth" spec --rootless) &&
  jq -e --argjson u "$(id -u)" '(.linux.namespaces | map(.type) | index("user")) and
      .linux.uidMappings[0].hostID == $u and (.linux.resources == null)' "$tmp/b3/config.json" >/dev/null
}
t_spec_missing_bundle() {
  local err rc=0; err=$("$berth" spec --bundle "$tmp/nope" 2>&1) || rc=$?
  [ $rc -eq 1 ] && grep -q "spec: create \"$tmp/nope/config.json\": no such file or directory" <<<"$err"
}
t_features_json() {
  "$berth" features | jq -e '.ociVersionMin == "1.0.0" and (.ociVersionMax | startswith("1.2.")) and
     (.linux.namespaces | length == 8) and (.linux.capabilities | index("CAP_SYS_ADMIN")) and
     (.hooks | length == 6) and (.annotations["io.github.seccomp.libseccomp.version"] | length > 0)' >/dev/null
}
t_json_log_once() {
  local log=$tmp/log.json err rc=0
  local want="create \"c1\": bundle \"$tmp/nope\": no such file or directory"
  err=$("$berth" --root "$tmp/root" --log "$log" --log-format json create --bundle "$tmp/nope" c1 2>&1) || rc=$?
  [ $rc -eq 1 ] || { echo "rc=$rc"; return 1; }
  [ "$err" = "berth: $want" ] || { echo "stderr: $err"; return 1; }
  [ "$(wc -l < "$log")" -eq 1 ] &&
  jq -e --arg want "$want" '.level == "error" and .msg == $want and
         (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$"))' "$log" >/dev/null
}
t_log_without_file_goes_to_stderr() {
  local err rc=0; err=$("$berth" --root "$tmp/root" --log-format json events c1 2>&1) || rc=$?
  [ $rc -eq 1 ] && jq -e '.msg == "events: container \"c1\" does not exist"' <<<"$err" >/dev/null
}
t_unimplemented_verbs_fail() {
  # Whatever --help marks "(not implemented yet)" fails with that message.
  local v err rc
  for v in $("$berth" --help | awk '/\(not implemented yet\)$/ {print $1}'); do
    rc=0; err=$("$berth" --root "$tmp/root" "$v" c1 2>&1) || rc=$?
    [ $rc -eq 1 ] && [ "$err" = "berth: $v: not implemented yet" ] || { echo "$v: rc=$rc $err"; return 1; }
  done
}
t_events_usage_errors() {
  local err rc=0; err=$("$berth" --root "$tmp/root" events --interval 5x c1 2>&1) || rc=$?
  [ $rc -eq 1 ] && [ "$err" = 'berth: events: --interval: invalid duration "5x": unknown unit "x"' ] ||
    { echo "rc=$rc $err"; return 1; }
  rc=0; err=$("$berth" --root "$tmp/root" events --stats --interval 0 c1 2>&1) || rc=$?
  [ $rc -eq 1 ] && [ "$err" = 'berth: events: --interval: must be greater than 0' ] ||
    { echo "rc=$rc $err"; return 1; }
}
t_unknown_verb() {
  local err rc=0; err=$("$berth" checkpoint --help 2>&1) || rc=$?
  # Podman probes `checkpoint --help` to learn whether checkpointing works.
  [ $rc -eq 1 ] && [ "$err" = 'berth: unknown command "checkpoint" (see '"'"'berth --help'"'"')' ]
}
t_bad_global() {
  local err rc=0; err=$("$berth" --log-format xml list 2>&1) || rc=$?
  [ $rc -eq 1 ] && [ "$err" = 'berth: --log-format: unknown log format "xml" (text, json)' ]
}
t_arg_count() {
  local err rc=0; err=$("$berth" start 2>&1) || rc=$?
  [ $rc -eq 1 ] && [ "$err" = 'berth: start: expected 1 argument (<container-id>), got 0' ]
}
t_unknown_flag() {
  local err rc=0; err=$("$berth" delete --frce c1 2>&1) || rc=$?
  [ $rc -eq 1 ] && [ "$err" = 'berth: delete: unknown flag "--frce"' ]
}

for t in $(declare -F | awk '$3 ~ /^t_/ {print $3}'); do check "${t#t_}" "$t"; done
finish
