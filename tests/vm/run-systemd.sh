#!/bin/bash
# The systemd cgroup driver in throw-away QEMU guests whose PID 1 is
# systemd (this project's development hosts do not run systemd): two boots
# of tests/vm/run.sh with BERTH_VM_FLAVOUR=systemd, running
# tests/vm/guest-systemd.sh, one on pure cgroup v2 and one on systemd's
# hybrid layout (v1 controllers, the scope in name=systemd).  Prints each
# guest's results, then the sum as `N passed, N failed, N skipped`.
#
#   BERTH_VM_CGROUPS   the layouts to boot (default "unified hybrid")
#   BERTH_VM_DBUS=0    no system bus in the guest: both runtimes then use
#                      systemd's private socket
# and run.sh's variables (BUILD_DIR, BERTH_VM_RUNTIME=/usr/bin/runc to
# check the checks, BERTH_VM_KEEP, ...).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export BERTH_VM_FLAVOUR=systemd BERTH_VM_TEST=${BERTH_VM_TEST:-$here/guest-systemd.sh}
p=0 f=0 s=0 rc=0
for layout in ${BERTH_VM_CGROUPS:-unified hybrid}; do
  echo "== vm-systemd: cgroup layout $layout"
  out=$(BERTH_VM_CGROUP=$layout bash "$here/run.sh" 2>&1) || rc=1
  echo "$out" | grep -vE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' <<<"$out" | tail -1)
  if [ -z "$line" ]; then f=$((f + 1)); continue; fi
  read -r lp _ lf _ ls _ <<<"$line"
  p=$((p + lp)) f=$((f + lf)) s=$((s + ls))
done
[ "$rc" = 0 ] || [ "$f" -gt 0 ] || f=1
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
