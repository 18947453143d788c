#!/bin/bash
# Many runtimes at once on one --root: 50 containers created in parallel with
# distinct ids, all listed with distinct pids, then deleted in parallel with
# nothing left behind.  Root; see common.sh.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

N=${PARALLEL_N:-50}
JOBS=${PARALLEL_JOBS:-10}

t_parallel_create_list_delete() {
  local ids=() i id out
  for ((i = 0; i < N; i++)); do
    id=$(cid par) && new_bundle "$id" --shared-rootfs >/dev/null || return 1
    set_args "$T/bundles/$id" /payload sleep 120 || return 1
    ids+=("$id")
  done
  # xargs's stdout is the containers' stdout: a file, not the check's pipe
  printf '%s\n' "${ids[@]}" |
    xargs -P "$JOBS" -I{} timeout -k 5 "$RT_TIMEOUT" "$OCI_RUNTIME" --root "$ROOT" \
      create --bundle "$T/bundles/{}" {} >"$T/io/par-create.out" 2>"$T/io/par-create.err"
  [ $? = 0 ] || { echo "parallel create failed:"; head -20 "$T/io/par-create.err"; return 1; }

  out=$(runtime list --format json) || return 1
  for id in "${ids[@]}"; do
    jq -e --arg id "$id" 'any(.[]; .id == $id and .status == "created" and .pid > 0)' <<<"$out" >/dev/null ||
      { echo "$id not listed as created"; return 1; }
  done
  eq "distinct pids" "$(jq -r --arg p "par-$$-" '.[] | select(.id | startswith($p)) | .pid' <<<"$out" | sort -u | wc -l)" "$N" ||
    return 1
  for id in "${ids[@]}"; do
    ! has_cgroups || [ -n "$(_it_cgroups "$id")" ] || { echo "$id: no cgroup"; return 1; }
  done

  printf '%s\n' "${ids[@]}" |
    xargs -P "$JOBS" -I{} timeout -k 5 "$RT_TIMEOUT" "$OCI_RUNTIME" --root "$ROOT" delete --force {} \
      >/dev/null 2>"$T/io/par-delete.err"
  [ $? = 0 ] || { echo "parallel delete failed:"; head -20 "$T/io/par-delete.err"; return 1; }

  out=$(runtime list -q) || return 1
  for id in "${ids[@]}"; do
    grep -qxF "$id" <<<"$out" && { echo "$id still listed"; return 1; }
    [ ! -e "$ROOT/$id" ] || { echo "state dir of $id left"; return 1; }
    no_cgroups "$id" || return 1
  done
  return 0
}
t_parallel_run() {
  # 20 foreground runs at once, each sees only its own output and status
  local ids=() i id
  for ((i = 0; i < 20; i++)); do
    id=$(cid prun) && new_bundle "$id" --shared-rootfs >/dev/null || return 1
    set_args "$T/bundles/$id" /payload exit "$((i + 1))" || return 1
    ids+=("$id")
  done
  for ((i = 0; i < 20; i++)); do
    ( runtime run --bundle "$T/bundles/${ids[i]}" "${ids[i]}" </dev/null >/dev/null 2>&1; echo $? > "$T/io/${ids[i]}.rc" ) &
  done
  wait
  for ((i = 0; i < 20; i++)); do
    eq "run ${ids[i]}" "$(cat "$T/io/${ids[i]}.rc")" "$((i + 1))" && no_state "${ids[i]}" || return 1
  done
}

run_checks
finish
