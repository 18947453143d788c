#!/bin/busybox sh
# /init of berth's cgroup v2 test guest (busybox sh, pid 1).
#
# Stage 1 runs on the initramfs itself.  That root is the kernel's rootfs,
# which pivot_root(2) refuses to move (EINVAL), and berth pivots into every
# container's root: so stage 1 copies itself into a tmpfs and switch_root's
# there, re-running this script as stage 2.
#
# Stage 2 builds the host a container runtime expects on a pure cgroup v2
# system: proc, sys, dev, and cgroup2 alone at /sys/fs/cgroup (the kernel
# command line has cgroup_no_v1=all, so no v1 hierarchy can appear), every
# controller enabled in the root's subtree_control the way systemd does.
# The test script's output goes to the second serial port (the host's
# results file); the kernel log stays on the first.  The last line it
# writes is BERTH_VM_STATUS=<exit status>, then the guest powers off.
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
OUT=/dev/ttyS1

if [ "${1:-}" != stage2 ]; then
  mount -t proc proc /proc
  mkdir -p /newroot
  mount -t tmpfs -o mode=0755 tmpfs /newroot
  for e in /*; do
    case $e in /proc|/sys|/dev|/newroot) ;; *) cp -a "$e" /newroot/ ;; esac
  done
  mkdir -p /newroot/proc /newroot/sys /newroot/dev
  umount /proc
  exec switch_root /newroot /init stage2
  echo "berth-vm: switch_root failed" > /dev/console
  poweroff -f
fi

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
# The serial port's line discipline would turn \n into \r\n.
stty -F $OUT raw -echo 2>/dev/null

report() { echo "$*" > $OUT; }
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || report "berth-vm: cannot mount cgroup2"
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
  echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || report "berth-vm: cannot enable controller $c"
done
# Like a login session under systemd, the tests run in a leaf of their own
# (the root cgroup's processes are exempt from the rules berth must follow),
# so a relative cgroupsPath lands beside it, beneath the root.
mkdir -p /sys/fs/cgroup/guest.scope && echo $$ > /sys/fs/cgroup/guest.scope/cgroup.procs
hostname berth-vm
ip link set lo up 2>/dev/null

if [ -x /opt/berth/guest-test.sh ]; then
  HOME=/root TERM=dumb /bin/bash /opt/berth/guest-test.sh > $OUT 2>&1 < /dev/null
  rc=$?
else
  report "berth-vm: /opt/berth/guest-test.sh missing"; rc=127
fi
sync
report "BERTH_VM_STATUS=$rc"
poweroff -f
