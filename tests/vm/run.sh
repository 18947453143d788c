#!/bin/bash
# Runs tests/vm/guest-test.sh inside a throw-away QEMU guest with a pure
# cgroup v2 hierarchy (this project's development hosts are hybrid, so the
# v2 manager's limits, freezer and cgroup.kill can only be seen for real in
# a guest), and prints the guest's `N passed, N failed, N skipped` line last.
#
#   sudo bash tests/vm/run.sh            # berth from $BUILD_DIR (default build/)
#
#   BUILD_DIR          where berth and tests/payload/payload are built
#   BERTH_VM_CACHE     kernel cache (tests/vm/setup.sh; /var/cache/berth-vm)
#   BERTH_VM_TIMEOUT   seconds for the whole guest (default 300)
#   BERTH_VM_MEM       guest memory in MiB (default 1024)
#   BERTH_VM_KEEP=1    keep the work dir (kernel log, guest output)
#   BERTH_VM_RUNTIME   another runtime binary to test in berth's place
#                      (/usr/bin/runc: checks the guest tests themselves)
#   BERTH_VM_TEST      another script to run in the guest instead of
#                      guest-test.sh (debugging; it sees the same /opt/berth)
#   BERTH_VM_FLAVOUR   "systemd": systemd is the guest's PID 1
#                      (build-systemd-overlay.sh; tests/vm/run-systemd.sh)
#   BERTH_VM_CGROUP    with the systemd flavour, "hybrid": systemd's hybrid
#                      layout (v1 controllers) instead of pure cgroup v2
#
#   BERTH_VM_ACCEL     kvm or tcg: skip the probe below
#
# KVM when it works, TCG otherwise.  The development hosts' /dev/kvm is
# nested and cannot run a stock kernel (emulation failures, then QEMU hangs),
# so a short probe boot (a busybox init that prints a marker) decides, and
# its answer is kept in the kernel cache for this kernel and QEMU build.  A
# KVM guest that then gives no status is booted again under TCG, and the
# cache says tcg from then on.  One boot runs every check.  When the guest cannot be had at all (no root,
# package or kernel download failure) the run is one SKIP with the reason;
# a guest that boots and then dies or hangs is a failure.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$top/build}
cache=${BERTH_VM_CACHE:-/var/cache/berth-vm}
timeout_s=${BERTH_VM_TIMEOUT:-300}
mem=${BERTH_VM_MEM:-1024}
flavour=${BERTH_VM_FLAVOUR:-busybox}
suite=vm-cgroup2 append=
# cgroup_no_v1=all keeps every v1 hierarchy out of reach, so the guest is
# pure v2 whatever its init did.
cgroups=cgroup_no_v1=all
if [ "$flavour" = systemd ]; then
  suite=vm-systemd
  append="systemd.unit=berth-test.target systemd.show_status=0 systemd.log_target=console"
  [ "${BERTH_VM_CGROUP:-unified}" = hybrid ] && cgroups=systemd.unified_cgroup_hierarchy=0
fi

skip_run() { echo "SKIP: $suite: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
fail_run() { echo "FAIL - $suite: $*"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

[ "$(id -u)" -eq 0 ] || skip_run "needs root"
[ -x "$build/berth" ] && [ -x "$build/tests/payload/payload" ] ||
  fail_run "no berth or payload in $build (build first)"

start=$SECONDS
work=$(mktemp -d /tmp/berth-vm.XXXXXX) || fail_run "mktemp failed"
qpid='' tpid=''
cleanup() {
  # Only what this script started, by pid; then its own work dir.
  [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
  [ -n "$tpid" ] && kill "$tpid" 2>/dev/null
  if [ "${BERTH_VM_KEEP:-0}" = 1 ]; then echo "vm: work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

kdir=$(BERTH_VM_CACHE=$cache bash "$here/setup.sh" 2>"$work/setup.log" | tail -1)
if [ -z "$kdir" ] || [ ! -d "$kdir" ]; then
  reason=$(tail -1 "$work/setup.log" 2>/dev/null)
  skip_run "guest not available: ${reason:-tests/vm/setup.sh failed}"
fi
command -v qemu-system-x86_64 >/dev/null || skip_run "qemu-system-x86_64 not installed"

bash "$here/build-initramfs.sh" "$kdir" "$build" "$work/initramfs.cpio.gz" ||
  fail_run "cannot build the initramfs"
if [ "$flavour" = systemd ]; then
  # A host without systemd installed cannot give the guest one.
  [ -x /lib/systemd/systemd ] || skip_run "systemd is not installed on this host"
  bash "$here/build-systemd-overlay.sh" "$work/systemd.cpio.gz" &&
    cat "$work/systemd.cpio.gz" >> "$work/initramfs.cpio.gz" ||
    fail_run "cannot build the systemd overlay"
fi
kver=$(cat "$kdir/KVER")
# The unpacked ELF (PVH entry) when setup.sh made one: it skips the
# in-guest xz decompression, seconds under TCG.
kernel=$kdir/boot/vmlinuz-$kver
[ -f "$kdir/vmlinux" ] && kernel=$kdir/vmlinux

accel_args() {  # accel_args kvm|tcg: QEMU's accelerator and CPU model
  if [ "$1" = kvm ]; then echo "-accel kvm -cpu host"; else echo "-accel tcg,thread=multi -cpu max"; fi
}
# probe_kvm: "kvm" when a KVM guest boots to its init here, else "tcg".
probe_kvm() {
  [ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo tcg; return; }
  local p=$work/probe
  mkdir -p "$p/bin" "$p/dev" "$p/proc" && cp /bin/busybox "$p/bin/busybox" || { echo tcg; return; }
  printf '#!/bin/busybox sh\n/bin/busybox echo BERTH_KVM_PROBE_OK\n/bin/busybox poweroff -f\n' > "$p/init"
  chmod 755 "$p/init"
  (cd "$p" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/probe.cpio.gz" || { echo tcg; return; }
  # shellcheck disable=SC2046
  timeout -k 2 20 qemu-system-x86_64 $(accel_args kvm) -smp 1 -m 256 \
    -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$kernel" -initrd "$work/probe.cpio.gz" -append "console=ttyS0 panic=-1 quiet" \
    -serial "file:$work/probe.out" </dev/null >/dev/null 2>&1
  if grep -q BERTH_KVM_PROBE_OK "$work/probe.out" 2>/dev/null; then echo kvm; else echo tcg; fi
}
accel_cache=$cache/accel-$kver-$(qemu-system-x86_64 --version 2>/dev/null | head -1 | cksum | cut -d' ' -f1)
accel=${BERTH_VM_ACCEL:-}
if [ -z "$accel" ]; then
  accel=$(cat "$accel_cache" 2>/dev/null)
  if [ "$accel" != kvm ] && [ "$accel" != tcg ]; then
    probed=$SECONDS
    accel=$(probe_kvm)
    echo "vm: KVM probe: $accel ($((SECONDS - probed))s; kept in $accel_cache)"
    echo "$accel" > "$accel_cache" 2>/dev/null
  fi
fi

# boot ACCEL: one guest run; sets qrc, status and line.
boot() {
  : > "$work/results"
  booted=$SECONDS
  # -no-reboot: the guest's poweroff -f (or a panic, panic=-1) ends QEMU.
  # shellcheck disable=SC2046
  timeout -k 5 "$timeout_s" qemu-system-x86_64 \
    $(accel_args "$1") -smp 2 -m "$mem" \
    -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
    -append "console=ttyS0 $cgroups panic=-1 quiet loglevel=4 $append" \
    -serial "file:$work/console.log" -serial "file:$work/results" \
    </dev/null >"$work/qemu.log" 2>&1 &
  qpid=$!
  # Stream the guest's output as it comes; tail ends with QEMU.
  tail -n +1 -f --pid="$qpid" "$work/results" | grep --line-buffered -av '^BERTH_VM_STATUS=' &
  tpid=$!
  wait "$qpid"; qrc=$?
  qpid=''
  wait "$tpid" 2>/dev/null; tpid=''
  status=$(tr -d '\r' < "$work/results" | sed -n 's/^BERTH_VM_STATUS=\([0-9]*\)$/\1/p' | tail -1)
  line=$(tr -d '\r' < "$work/results" | grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' | tail -1)
}
boot "$accel"
if [ "$accel" = kvm ] && [ -z "$status" ]; then
  echo "vm: the KVM guest gave no status (qemu exit $qrc): booting again under TCG"
  [ -n "${BERTH_VM_ACCEL:-}" ] || echo tcg > "$accel_cache" 2>/dev/null
  accel=tcg
  boot tcg
fi
echo "vm: kernel $kver, ${accel^^}, guest ran $((SECONDS - booted))s, total $((SECONDS - start))s"
# QEMU that fails by itself before the guest says anything (no TCG on
# this build, a missing firmware file) means no guest here: a skip.  A
# guest that said something and then died, hung or panicked is a failure.
if [ -z "$status" ] && [ ! -s "$work/results" ] && [ "$qrc" != 0 ] && [ "$qrc" != 124 ]; then
  skip_run "qemu could not start the guest (exit $qrc): $(head -c 300 "$work/qemu.log" | tr '\n' ' ')"
fi
if [ -z "$status" ]; then
  [ "$qrc" = 124 ] && echo "vm: guest timed out after ${timeout_s}s"
  [ -s "$work/qemu.log" ] && sed 's/^/qemu: /' "$work/qemu.log"
  echo "vm: no status from the guest (qemu exit $qrc); last kernel log lines:"
  tail -n 25 "$work/console.log" 2>/dev/null | sed 's/^/    /'
  BERTH_VM_KEEP=1
  p=0 s=0; [ -n "$line" ] && read -r p _ _ _ s _ <<<"$line"
  echo "$p passed, 1 failed, $s skipped"
  exit 1
fi
[ "$status" = 0 ] || BERTH_VM_KEEP=1
[ -n "$line" ] || fail_run "guest exited $status without a summary line"
echo "$line"
[ "$status" = 0 ]
