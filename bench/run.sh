#!/bin/bash
# bench/run.sh [RESULTS_JSON]: berth side by side with crun and runc, in one
# run, interleaved; prints one table (runtime x benchmark: median, min, max,
# berth/x) and writes RESULTS_JSON (default bench/results.json).
# See bench/README.md.  As root.
#
#   BENCH_N            sequential samples per benchmark (default 100; 5 = quick mode)
#   BENCH_PAR          containers per parallel batch (default 50)
#   BENCH_PAR_ROUNDS   parallel batches per runtime (default N/10, at least 3)
#   BENCH_TIMEOUT      seconds before one runtime call is killed (default 30)
#   BENCH_WAIT_IDLE    wait up to this many seconds for the 1-minute load average
#                      to drop below half the CPUs before starting (default 0)
#   BERTH              the berth binary (default build/berth; copied first, so a
#                      rebuild during the run changes nothing)
#
# Everything lives under one temp dir (state roots, bundles, helpers), and
# the cgroups that runc and crun create go to berth-bench.XXXXXX/ beneath
# this process's own cgroup in each hierarchy (relative linux.cgroupsPath).
# On exit every container is deleted, those cgroups removed (rmdir only),
# the temp dir removed, and whatever could not be is printed as a leftover.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
here=$top/bench
json_out=${1:-$here/results.json}
case $json_out in /*) ;; *) json_out=$PWD/$json_out ;; esac
N=${BENCH_N:-100}
PAR=${BENCH_PAR:-50}
PAR_ROUNDS=${BENCH_PAR_ROUNDS:-$(( N / 10 < 3 ? 3 : N / 10 ))}
TIMEOUT=${BENCH_TIMEOUT:-30}
BERTH=${BERTH:-$top/build/berth}
started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$BERTH" ] || die "no berth binary at $BERTH (bash scripts/build.sh)"

# ---- tools: Debian packages, installed only when missing --------------------
need=()
command -v runc >/dev/null || need+=(runc)
command -v crun >/dev/null || need+=(crun)
command -v jq >/dev/null || need+=(jq)
command -v cc >/dev/null || need+=(gcc libc6-dev)
[ -x /bin/busybox ] || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${need[@]}" >/dev/null 2>&1; } ||
    die "apt-get install ${need[*]} failed"
fi

if [ "${BENCH_WAIT_IDLE:-0}" -gt 0 ]; then
  for ((w = 0; w < BENCH_WAIT_IDLE; w += 5)); do
    awk -v c="$(nproc)" '{ exit !($1 < c / 2) }' /proc/loadavg && break
    sleep 5
  done
  load_start=$(cut -d' ' -f1-3 /proc/loadavg)
  started=$(date +%s)
fi

exec </dev/null
T=$(mktemp -d /tmp/berth-bench.XXXXXX)
CG=$(basename "$T")                  # berth-bench.XXXXXX: this run's cgroups
mkdir -p "$T"/{bin,b,s,fail,state,json}
FLOOR_BG=

# ---- cleanup -----------------------------------------------------------------

# cgroup_dirs_of_self (tests/lib.sh): this process's own cgroup directory in
# every mounted hierarchy (v1 and v2), where runc (and crun through crunwrap)
# put $CG.
. "$top/tests/lib.sh"

rt_cmd() {  # rt_cmd NAME: RT=(the runtime's command line, with its private --root)
  case $1 in
    berth) RT=("$T/bin/berth" --root "$T/state/berth") ;;
    runc)  RT=(runc --root "$T/state/runc") ;;
    crun)  RT=("$T/bin/crunwrap" crun --root "$T/state/crun") ;;
  esac
}

leftovers() {
  local r id d i
  for r in berth crun runc; do
    [ -d "$T/state/$r" ] || continue
    rt_cmd $r
    for id in $(timeout 20 "${RT[@]}" list -q 2>/dev/null); do
      timeout 20 "${RT[@]}" delete --force "$id" >/dev/null 2>&1 || echo "leftover: $r container $id"
    done
  done
  if [ -n "$FLOOR_BG" ]; then
    [ -s "$T/floor.pid" ] && kill -KILL "$(cat "$T/floor.pid")" 2>/dev/null
    wait "$FLOOR_BG" 2>/dev/null; FLOOR_BG=
  fi
  for d in $(cgroup_dirs_of_self); do
    [ -d "$d/$CG" ] || continue
    for ((i = 0; i < 30; i++)); do
      find "$d/$CG" -depth -type d -exec rmdir {} \; 2>/dev/null
      [ -d "$d/$CG" ] || break
      sleep 0.1
    done
    [ -d "$d/$CG" ] && echo "leftover: cgroup $d/$CG"
  done
  awk -v t="$T" 'index($5, t) == 1 { print "leftover: mount " $5 }' /proc/self/mountinfo
  return 0
}
on_exit() {
  local rc=$? l
  trap - EXIT
  l=$(leftovers)
  if [ -n "$l" ]; then echo "$l" >&2; rc=1; fi
  rm -rf --one-file-system "$T"
  exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ---- helpers, rootfs, bundles ------------------------------------------------
for h in bt floor crunwrap; do
  cc -O2 -Wall -o "$T/bin/$h" "$here/$h.c" || die "cannot compile bench/$h.c"
done
BT=$T/bin/bt
cp "$BERTH" "$T/bin/berth"
bash "$top/scripts/make-rootfs.sh" "$T/rootfs" >/dev/null || die "make-rootfs.sh failed"

# bundle NAME JQ-EXPR: $T/b/NAME/config.json from the integration template:
# process /bin/true, no terminal, pid/network/ipc/uts/mount namespaces, the
# shared rootfs (absolute root.path), cgroupsPath $CG/NAME (relative).
bundle() {
  mkdir -p "$T/b/$1" &&
    jq --arg root "$T/rootfs" --arg cg "$CG/$1" '
      .process.args = ["/bin/true"] | .process.terminal = false | .root.path = $root
      | .hostname = "berth-bench" | .linux.cgroupsPath = $cg | del(.annotations) | '"$2" \
      "$top/tests/integration/config.json" > "$T/b/$1/config.json" || die "cannot write bundle $1"
}
bundle s .
for ((k = 0; k < PAR; k++)); do bundle "p$k" .; done
# The floor's containers get a cgroup in every hierarchy too, beneath this
# run's $CG like the runtimes' (bench/floor.c, FLOOR_CGROUPS).  A v1 cpuset
# parent must have cpus and mems before anything can join below it.
floor_cg=()
for d in $(cgroup_dirs_of_self); do
  mkdir -p "$d/$CG" || die "cannot create cgroup $d/$CG"
  if [ -f "$d/$CG/cpuset.cpus" ] && [ -z "$(cat "$d/$CG/cpuset.cpus")" ]; then
    cat "$d/cpuset.cpus" > "$d/$CG/cpuset.cpus" && cat "$d/cpuset.mems" > "$d/$CG/cpuset.mems" ||
      die "cannot fill cpuset $d/$CG"
  fi
  floor_cg+=("$d/$CG")
done
FLOOR_CGROUPS=$(IFS=:; echo "${floor_cg[*]}")
for r in berth crun runc; do
  bundle "x-$r" '.process.args = ["sleep", "1000"]'
  bundle "m-$r" '.process.args = ["echo", "ok"]'
done

# ---- measuring ---------------------------------------------------------------
ERR=$T/err

# m [BT-OPTIONS] CMD...: one bt run; sets R_NS R_KB R_RC R_CPU (see bt.c).
m() {
  local r
  : > "$ERR"
  r=$("$BT" -t "$TIMEOUT" -e "$ERR" "$@") || r="0 0 125 0"
  read -r R_NS R_KB R_RC R_CPU <<<"$r"
}
failed() { [ -e "$T/fail/$1.$2" ]; }
fail() {   # fail BENCH ROW WHAT: the row is measured no further
  failed "$1" "$2" && return 0
  { echo "$3"; tail -c 400 "$ERR" 2>/dev/null | tr '\n' ' '; } | tr '\n' ' ' > "$T/fail/$1.$2"
  echo "bench: $1 $2: $(cat "$T/fail/$1.$2")" >&2
}
add() { echo "$3" >> "$T/s/$1.$2"; }   # add BENCH ROW VALUE

# rot I ROW...: the rows rotated by I (A B C, B C A, C A B, ...)
rot() {
  local i=$1; shift
  local a=("$@") n=$# k
  for ((k = 0; k < n; k++)); do echo "${a[(i + k) % n]}"; done
}

usable=()            # the runtimes that work here
declare -A why_not=()
notes=()

# ---- pre-flight: does each runtime run a container here? ---------------------
echo "bench: pre-flight" >&2
# crun as is, cgroups off so that it cannot create any: does it accept the host?
m crun --cgroup-manager=disabled --root "$T/state/crun" run --bundle "$T/b/s" pf-crun-direct
if [ "$R_RC" = 0 ]; then
  crun_direct="crun runs directly on this host"
else
  crun_direct="crun without the wrapper fails: $(head -c 200 "$ERR" | tr '\n' ' ')"
  timeout 20 crun --root "$T/state/crun" delete --force pf-crun-direct >/dev/null 2>&1
fi
m "$T/bin/crunwrap" /bin/true
[ "$R_RC" = 0 ] || { fail run crunwrap "crunwrap /bin/true exit $R_RC"; }
for r in berth crun runc; do
  rt_cmd $r
  m "${RT[@]}" run --bundle "$T/b/s" "pf-$r"
  if [ "$R_RC" = 0 ]; then usable+=("$r"); else
    why_not[$r]="run /bin/true exit $R_RC: $(tail -c 300 "$ERR" | tr '\n' ' ')"
    echo "bench: $r unusable: ${why_not[$r]}" >&2
    timeout 20 "${RT[@]}" delete --force "pf-$r" >/dev/null 2>&1
  fi
done
has() { local x; for x in "${usable[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }
notes+=("crun: $crun_direct; measured through bench/crunwrap (private mount namespace, empty tmpfs over /sys/fs/cgroup/unified, own v1 cgroups bind-mounted over their hierarchies so that crun's cgroupsPath lands beneath this process's cgroup as runc's does); crun = raw, crun-adj = raw minus the wrapper's own median cost (crunwrap /bin/true minus /bin/true alone) per crun call")
# The comparison is fair only if every runtime does the same cgroup work.
if ! "$T/bin/berth" features 2>/dev/null | jq -e '.linux.cgroup.v1 or .linux.cgroup.v2' >/dev/null; then
  notes+=("berth has no cgroup manager: its containers stay in the caller's cgroups, while runc and crun create, join and remove one cgroup per container in every hierarchy ($(cgroup_dirs_of_self | wc -l) here); that work is in their figures and not in berth's")
fi

# ---- (1) run /bin/true, (7) floor --------------------------------------------
rows_for() {  # the usable rows among ROW...
  local r
  for r in "$@"; do
    case $r in berth|crun|runc) has "$r" || continue ;; crunwrap|true) has crun || continue ;; esac
    echo "$r"
  done
}
echo "bench: (1) run /bin/true x $N" >&2
mapfile -t rows < <(rows_for berth crun runc crunwrap true floor)
for ((i = -1; i < N; i++)); do          # i = -1: one warm-up round, not recorded
  for r in $(rot $((i + 1)) "${rows[@]}"); do
    failed run "$r" && continue
    case $r in
      crunwrap) m "$T/bin/crunwrap" /bin/true ;;
      true) m /bin/true ;;
      floor) FLOOR_CGROUPS=$FLOOR_CGROUPS m "$T/bin/floor" "$T/rootfs" ;;
      *) rt_cmd "$r"; m "${RT[@]}" run --bundle "$T/b/s" "r-$r-$i" ;;
    esac
    if [ "$R_RC" != 0 ]; then
      fail run "$r" "exit $R_RC"
      [ "$r" = floor ] || [ "$r" = crunwrap ] || [ "$r" = true ] || timeout 20 "${RT[@]}" delete --force "r-$r-$i" >/dev/null 2>&1
      continue
    fi
    [ $i -ge 0 ] && { add run "$r" "$R_NS"; add cpu_run "$r" "$R_CPU"; add rss_run "$r" "$R_KB"; }
  done
done

# ---- (2) create + start + wait for stopped + delete ---------------------------
echo "bench: (2) create/start/wait/delete x $N" >&2
mapfile -t rows < <(rows_for berth crun runc)
status_of() { sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p' "$T/o"; }
for ((i = -1; i < N; i++)); do
  for r in $(rot $((i + 1)) "${rows[@]}"); do
    failed cycle "$r" && continue
    rt_cmd "$r"; id=c-$r-$i; tot=0; cpu=0; calls=0; ok=1
    m "${RT[@]}" create --bundle "$T/b/s" "$id"
    if [ "$R_RC" = 0 ]; then tot=$((tot + R_NS)); cpu=$((cpu + R_CPU)); kb=$R_KB; calls=$((calls + 1)); else fail cycle "$r" "create exit $R_RC"; ok=0; fi
    if [ $ok = 1 ]; then
      m "${RT[@]}" start "$id"
      if [ "$R_RC" = 0 ]; then tot=$((tot + R_NS)); cpu=$((cpu + R_CPU)); calls=$((calls + 1)); else fail cycle "$r" "start exit $R_RC"; ok=0; fi
    fi
    polls=0
    while [ $ok = 1 ]; do
      : > "$T/o"
      m -o "$T/o" "${RT[@]}" state "$id"
      [ "$R_RC" = 0 ] || { fail cycle "$r" "state exit $R_RC"; ok=0; break; }
      tot=$((tot + R_NS)); cpu=$((cpu + R_CPU)); calls=$((calls + 1)); polls=$((polls + 1))
      [ "$(status_of)" = stopped ] && break
      [ $polls -ge 2000 ] && { fail cycle "$r" "not stopped after $polls state calls: $(status_of)"; ok=0; }
    done
    if [ $ok = 1 ]; then
      m "${RT[@]}" delete "$id"
      if [ "$R_RC" = 0 ]; then tot=$((tot + R_NS)); cpu=$((cpu + R_CPU)); calls=$((calls + 1)); else fail cycle "$r" "delete exit $R_RC"; ok=0; fi
    fi
    if [ $ok = 1 ]; then
      [ $i -ge 0 ] && { add cycle "$r" "$tot"; add cpu_cycle "$r" "$cpu"; add cycle_calls "$r" "$calls"; add rss_create "$r" "$kb"; }
    else
      timeout 20 "${RT[@]}" delete --force "$id" >/dev/null 2>&1
    fi
  done
done

# ---- (3) exec /bin/true into a running container ------------------------------
echo "bench: (3) exec /bin/true x $N" >&2
mapfile -t rows < <(rows_for berth crun runc crunwrap true floor)
for r in berth crun runc; do
  has "$r" || continue
  rt_cmd "$r"
  m "${RT[@]}" run --detach --bundle "$T/b/x-$r" "x-$r"
  [ "$R_RC" = 0 ] || fail exec "$r" "run --detach sleep 1000 exit $R_RC"
done
# floor: its own sleeping "container" (floor ROOTFS sleep), entered by floor -e
FLOOR_PIDFILE=$T/floor.pid "$T/bin/floor" "$T/rootfs" /bin/sleep 1000 >/dev/null 2>&1 &
FLOOR_BG=$!
for ((k = 0; k < 100; k++)); do [ -s "$T/floor.pid" ] && break; sleep 0.02; done
fpid=$(cat "$T/floor.pid" 2>/dev/null)
[ -n "$fpid" ] || fail exec floor "floor sleeper did not start"
for ((i = -1; i < N; i++)); do
  for r in $(rot $((i + 1)) "${rows[@]}"); do
    failed exec "$r" && continue
    case $r in
      crunwrap) m "$T/bin/crunwrap" /bin/true ;;
      true) m /bin/true ;;
      floor) m "$T/bin/floor" -e "$fpid" /bin/true ;;
      *) rt_cmd "$r"; m "${RT[@]}" exec "x-$r" /bin/true ;;
    esac
    [ "$R_RC" = 0 ] || { fail exec "$r" "exit $R_RC"; continue; }
    [ $i -ge 0 ] && { add exec "$r" "$R_NS"; add cpu_exec "$r" "$R_CPU"; }
  done
done
for r in berth crun runc; do
  has "$r" || continue
  rt_cmd "$r"; m "${RT[@]}" delete --force "x-$r"
  [ "$R_RC" = 0 ] || echo "bench: delete --force x-$r exit $R_RC: $(cat "$ERR")" >&2
done
kill -KILL "$fpid" 2>/dev/null; wait "$FLOOR_BG" 2>/dev/null; FLOOR_BG=

# ---- (4) $PAR containers created in parallel, then deleted in parallel --------
echo "bench: (4) $PAR parallel creates + deletes x $PAR_ROUNDS" >&2
mapfile -t rows < <(rows_for berth crun runc crunwrap true floor)
for ((i = 0; i < PAR_ROUNDS; i++)); do
  for r in $(rot "$i" "${rows[@]}"); do
    failed par "$r" && continue
    case $r in
      crunwrap)   # the wrapper in the same shape: two parallel batches
        m -n "$PAR" "$T/bin/crunwrap" /bin/true; c=$R_NS; ccpu=$R_CPU; cf=$R_RC
        m -n "$PAR" "$T/bin/crunwrap" /bin/true; d=$R_NS; dcpu=$R_CPU; df=$R_RC ;;
      true)       # what crunwrap runs, alone, in the same shape
        m -n "$PAR" /bin/true; c=$R_NS; ccpu=$R_CPU; cf=$R_RC
        m -n "$PAR" /bin/true; d=$R_NS; dcpu=$R_CPU; df=$R_RC ;;
      floor)      # one parallel batch of whole floor containers
        FLOOR_CGROUPS=$FLOOR_CGROUPS m -n "$PAR" "$T/bin/floor" "$T/rootfs"; c=$R_NS; ccpu=$R_CPU; cf=$R_RC; d=0; dcpu=0; df=0 ;;
      *)
        rt_cmd "$r"
        m -n "$PAR" "${RT[@]}" create --bundle "$T/b/p{}" "p{}-$r-$i"; c=$R_NS; ccpu=$R_CPU; cf=$R_RC
        m -n "$PAR" "${RT[@]}" delete --force "p{}-$r-$i"; d=$R_NS; dcpu=$R_CPU; df=$R_RC ;;
    esac
    if [ "$cf" != 0 ] || [ "$df" != 0 ]; then
      fail par "$r" "$cf of $PAR creates and $df of $PAR deletes failed"
      [ "$r" = floor ] || [ "$r" = crunwrap ] || [ "$r" = true ] || leftovers >/dev/null
      continue
    fi
    add par "$r" $((c + d)); add cpu_par "$r" $((ccpu + dcpu)); add par_create "$r" "$c"; add par_delete "$r" "$d"
  done
done

# ---- (6) smallest memory limit under which `run echo ok` succeeds -------------
declare -A memlimit_skip=()
cg_ok() {  # does runtime $1 report cgroup support?
  case $1 in
    berth) "$T/bin/berth" features 2>/dev/null | jq -e '.linux.cgroup.v1 or .linux.cgroup.v2' >/dev/null ;;
    *) return 0 ;;
  esac
}
probe_n=0
probe() {  # probe RT LIMIT_BYTES: does `run echo ok` succeed under that limit?
  local r=$1 lim=$2 id
  probe_n=$((probe_n + 1)); id=m-$r-$probe_n
  jq --argjson l "$lim" '.linux.resources.memory.limit = $l' "$T/b/m-$r/config.json" > "$T/b/m-$r/c.new" &&
    mv "$T/b/m-$r/c.new" "$T/b/m-$r/config.json"
  rt_cmd "$r"; : > "$T/o"
  m -t 15 -o "$T/o" "${RT[@]}" run --bundle "$T/b/m-$r" "$id"
  [ "$R_RC" = 0 ] && [ "$(cat "$T/o")" = ok ] && return 0
  last_failure="exit $R_RC: $(tail -c 200 "$ERR" | tr '\n' ' ')"
  timeout 20 "${RT[@]}" delete --force "$id" >/dev/null 2>&1
  return 1
}
echo "bench: (6) smallest memory limit for run echo ok" >&2
for r in berth crun runc; do
  if ! has "$r"; then memlimit_skip[$r]="unusable here"; continue; fi
  if ! cg_ok "$r"; then
    memlimit_skip[$r]="$r features reports no cgroup support (linux.cgroup.v1/v2 false): no memory limit to find"
    echo "bench: SKIP memlimit $r: ${memlimit_skip[$r]}" >&2; continue
  fi
  hi=$((64 << 20)) lo=0 step=$((64 << 10)) last_failure=
  if ! probe "$r" "$hi"; then memlimit_skip[$r]="fails even at 64 MiB: $last_failure"; continue; fi
  while [ $((hi - lo)) -gt "$step" ]; do
    mid=$(( (lo + hi) / 2 / 4096 * 4096 ))
    if probe "$r" "$mid"; then hi=$mid; else lo=$mid; lo_failure=$last_failure; fi
  done
  # noise: the answer must succeed 3 times in a row, else it moves up
  for ((k = 0; k < 8; k++)); do
    probe "$r" "$hi" && probe "$r" "$hi" && probe "$r" "$hi" && break
    hi=$((hi + 4 * step))
  done
  add memlimit "$r" $((hi / 1024))
  echo "${lo_failure:-}" > "$T/fail/memlimit-below.$r"
done

# ---- statistics, table, JSON -------------------------------------------------
stats() {  # stats FILE: "median min max n"
  sort -n "$1" | awk '{ a[NR] = $1 } END {
    if (NR == 0) exit 1
    med = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    printf "%.0f %.0f %.0f %d\n", med, a[1], a[NR], NR }'
}
med() { [ -s "$1" ] && stats "$1" | cut -d' ' -f1; }

# crun-adj: crun minus the wrapper, per sample (cycle: times its calls;
# parallel: minus the wrapper in the same parallel shape)
adjust() {  # adjust BENCH WRAPPER_MEDIAN [CALLS_FILE]
  local b=$1 w=$2 calls=${3:-}
  [ -s "$T/s/$b.crun" ] && [ -n "$w" ] || return 0
  if [ -n "$calls" ]; then
    paste "$T/s/$b.crun" "$calls" | awk -v w="$w" '{ printf "%.0f\n", $1 - $2 * w }' > "$T/s/$b.crun-adj"
  else
    awk -v w="$w" '{ printf "%.0f\n", $1 - w }' "$T/s/$b.crun" > "$T/s/$b.crun-adj"
  fi
}
# The wrapper's own cost: `crunwrap /bin/true` minus `/bin/true` alone.  The
# exec'd program's start (the dynamic loader, glibc's CPU probing: about a
# millisecond here) is not the wrapper's: crun pays its own in the raw figure,
# as berth and runc do in theirs.
wrap() {  # wrap BENCH: median(crunwrap) - median(true), or empty
  local a b
  a=$(med "$T/s/$1.crunwrap") b=$(med "$T/s/$1.true")
  [ -n "$a" ] && [ -n "$b" ] && echo $((a - b))
}
for p in "" cpu_; do
  w=$(wrap "${p}run")
  [ -z "$p" ] && wrap_run=$w
  adjust "${p}run" "$w"
  adjust "${p}cycle" "$w" "$T/s/cycle_calls.crun"
  adjust "${p}exec" "$(wrap "${p}exec")"
  adjust "${p}par" "$(wrap "${p}par")"
done
adjust par_create "$(wrap par_create)"
adjust par_delete "$(wrap par_delete)"

benches=(
  "run|1 run /bin/true|ms|1000000"
  "cycle|2 create+start+wait+delete|ms|1000000"
  "exec|3 exec /bin/true|ms|1000000"
  "par|4 $PAR parallel create+delete|ms|1000000"
  "par_create|4a $PAR parallel create|ms|1000000"
  "par_delete|4b $PAR parallel delete --force|ms|1000000"
  "rss_run|5 peak RSS, run|MiB|1024"
  "rss_create|5 peak RSS, create|MiB|1024"
  "memlimit|6 min memory limit|MiB|1024"
)
table_skip=" par_create par_delete "   # in the JSON only
all_rows=(berth crun crun-adj runc floor crunwrap true)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }
cell() { awk -v v="$1" -v s="$2" 'BEGIN { printf "%.2f", v / s }'; }
row_json() {  # row_json FILE: {median, min, max, n, samples}
  local md mn mx n
  read -r md mn mx n < <(stats "$1")
  jq -c -n --argjson md "$md" --argjson mn "$mn" --argjson mx "$mx" --argjson n "$n" --slurpfile s "$1" \
    '{median: $md, min: $mn, max: $mx, n: $n, samples: $s}'
}

host="$(uname -r), $(nproc) cpus, cgroups: $(stat -fc %T /sys/fs/cgroup)$([ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] && echo ' + cgroup2 at unified (hybrid)')"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
rule=$(printf '%.0s-' {1..100})
printf '\nberth vs crun vs runc: N=%s sequential samples (interleaved, order rotated each round, 1 warm-up round), %s rounds of %s in parallel\n' "$N" "$PAR_ROUNDS" "$PAR"
printf 'host: %s; load average at start %s, at end %s\n' "$host" "$load_start" "$load_end"
printf '%s | %s | %s\n\n' "$("$T/bin/berth" --version 2>/dev/null | head -1)" "$(crun --version | head -1)" "$(runc --version | head -1)"
printf '%-33s %-9s %8s %8s %8s %4s %8s | %8s %8s\n' benchmark runtime median min max n berth/x cpu-med berth/x
echo "$rule"
for spec in "${benches[@]}"; do
  IFS='|' read -r b title unit scale <<<"$spec"
  bmed=$(med "$T/s/$b.berth") bcpu=$(med "$T/s/cpu_$b.berth")
  rows_json="{}" ratios="{}" cpu_ratios="{}" fails="{}" first=1
  for r in "${all_rows[@]}"; do
    f=$T/s/$b.$r
    if [ -s "$f" ]; then
      read -r md mn mx n < <(stats "$f")
      rj=$(row_json "$f") rt=- cmd=- crt=-
      if [ -n "$bmed" ] && [ "$r" != berth ] && [ "$r" != crunwrap ] && [ "$r" != true ]; then
        rt=$(ratio "$bmed" "$md")
        [ "$rt" != - ] && ratios=$(jq -c --arg k "berth/$r" --argjson v "$rt" '.[$k] = $v' <<<"$ratios")
      fi
      if [ -s "$T/s/cpu_$b.$r" ]; then
        cm=$(med "$T/s/cpu_$b.$r"); cmd=$(cell "$cm" "$scale")
        rj=$(jq -c --argjson c "$(row_json "$T/s/cpu_$b.$r")" '.cpu = $c' <<<"$rj")
        if [ -n "$bcpu" ] && [ "$r" != berth ] && [ "$r" != crunwrap ] && [ "$r" != true ]; then
          crt=$(ratio "$bcpu" "$cm")
          [ "$crt" != - ] && cpu_ratios=$(jq -c --arg k "berth/$r" --argjson v "$crt" '.[$k] = $v' <<<"$cpu_ratios")
        fi
      fi
      [ "$b" = cycle ] && [ -s "$T/s/cycle_calls.$r" ] &&
        rj=$(jq -c --slurpfile c "$T/s/cycle_calls.$r" '.runtime_calls = $c' <<<"$rj")
      rows_json=$(jq -c --arg r "$r" --argjson v "$rj" '.[$r] = $v' <<<"$rows_json")
      line=$(printf '%-9s %8s %8s %8s %4s %8s | %8s %8s' "$r" "$(cell "$md" "$scale")" "$(cell "$mn" "$scale")" \
        "$(cell "$mx" "$scale")" "$n" "$rt" "$cmd" "$crt")
    elif [ -e "$T/fail/$b.$r" ]; then
      fails=$(jq -c --arg r "$r" --arg m "$(cat "$T/fail/$b.$r")" '.[$r] = $m' <<<"$fails")
      line=$(printf '%-9s FAILED: %s' "$r" "$(head -c 90 "$T/fail/$b.$r")")
    elif [ "$b" = memlimit ] && [ -n "${memlimit_skip[$r]:-}" ]; then
      fails=$(jq -c --arg r "$r" --arg m "SKIP: ${memlimit_skip[$r]}" '.[$r] = $m' <<<"$fails")
      line=$(printf '%-9s SKIP: no cgroup support in `%s features` (linux.cgroup.v1/v2 false)' "$r" "$r")
      [[ ${memlimit_skip[$r]} == *features* ]] || line=$(printf '%-9s SKIP: %s' "$r" "$(head -c 90 <<<"${memlimit_skip[$r]}")")
    elif [ -n "${why_not[$r]:-}" ] && [ "$r" != crun-adj ]; then
      line=$(printf '%-9s unusable: %s' "$r" "$(head -c 90 <<<"${why_not[$r]}")")
    else
      continue
    fi
    if [[ $table_skip != *" $b "* ]]; then
      label=; [ $first = 1 ] && label="$title ($unit)"; first=0
      printf '%-33s %s\n' "$label" "$line"
    fi
  done
  below=null
  if [ "$b" = memlimit ]; then
    below=$(for r in crun runc; do
      [ -s "$T/fail/memlimit-below.$r" ] && jq -n --arg r "$r" --arg m "$(cat "$T/fail/memlimit-below.$r")" '{($r): $m}'
    done | jq -sc 'add')
  fi
  jq -n --arg name "$b" --arg title "$title" --arg unit "$unit" \
    --argjson rows "$rows_json" --argjson ratios "$ratios" --argjson cpu_ratios "$cpu_ratios" \
    --argjson failed "$fails" --argjson below "$below" '
    {name: $name, title: $title, unit: (if $unit == "ms" then "ns" else "KiB" end),
     rows: $rows, ratios: $ratios}
    + (if $cpu_ratios != {} then {cpu_ratios: $cpu_ratios} else {} end)
    + {failed_or_skipped: $failed}
    + (if $below then {failure_just_below_limit: $below} else {} end)' > "$T/json/$b.json"
done
echo "$rule"
cat <<NOTES | fold -s -w 120
median/min/max: wall time of the runtime processes alone (bench/bt.c: fork to wait4, no shell); cpu-med: their user+sys CPU time (steadier under other load); berth/x: berth's median over x's.
crun = through bench/crunwrap (raw); crun-adj = minus the wrapper's own cost per crun call ($(cell "${wrap_run:-0}" 1000000) ms: crunwrap /bin/true minus /bin/true alone); floor = bench/floor.c (clone with the same namespaces into a cgroup in every hierarchy, bind rootfs, /proc, pivot_root, exec; for exec: setns + fork + exec).
6 = smallest linux.resources.memory.limit under which \`run echo ok\` succeeds (64 KiB steps, confirmed 3 times).
NOTES
for note in "${notes[@]}"; do echo "note: $note" | fold -s -w 120; done
for r in berth crun runc; do [ -n "${why_not[$r]:-}" ] && echo "note: $r unusable: ${why_not[$r]}"; done
echo "note: (4) deletes are delete --force for every runtime: berth refuses a plain delete of a created container (runc allows it)"

# leftovers now, so that the JSON says whether the run was clean
l=$(leftovers)
[ -n "$l" ] && echo "$l"
echo "leftovers: ${l:-none}" | head -1

mkdir -p "$(dirname "$json_out")"
jq -n --slurpfile b <(cat "$T"/json/*.json) \
  --arg n "$N" --arg par "$PAR" --arg rounds "$PAR_ROUNDS" --arg host "$host" \
  --arg load_start "$load_start" --arg load_end "$load_end" \
  --arg berth "$("$T/bin/berth" --version 2>/dev/null | head -1)" --arg berth_path "$BERTH" \
  --arg crun "$(crun --version | head -1)" --arg runc "$(runc --version | head -1)" \
  --arg crun_direct "$crun_direct" --arg left "$l" --argjson secs $(( $(date +%s) - started )) \
  --arg date "$(date -u +%FT%TZ)" \
  --argjson notes "$(printf '%s\n' "${notes[@]}" | jq -Rsc 'split("\n") | map(select(. != ""))')" \
  --argjson order "$(printf '%s\n' "${benches[@]}" | cut -d'|' -f1 | jq -Rsc 'split("\n") | map(select(. != ""))')" '
  { meta: {date: $date, host: $host, load_average_start: $load_start, load_average_end: $load_end,
           n: ($n | tonumber), parallel: ($par | tonumber), parallel_rounds: ($rounds | tonumber),
           berth: $berth, berth_binary: $berth_path, crun: $crun, runc: $runc, crun_direct: $crun_direct,
           seconds: $secs, leftovers: (if $left == "" then [] else ($left | split("\n")) end)},
    notes: $notes,
    benchmarks: [ $order[] as $k | $b[] | select(.name == $k) ] }' > "$json_out" || die "cannot write $json_out"
echo "results: $json_out ($(( $(date +%s) - started )) s)"

# exit status: 1 when a benchmark row failed or something was left behind
ls "$T/fail" | grep -qv '^memlimit-below\.' && exit 1
[ -z "$l" ]
