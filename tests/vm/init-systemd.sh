#!/bin/busybox sh
# /init of the systemd flavour of the test guest (tests/vm/run.sh with
# BERTH_VM_FLAVOUR=systemd; build-systemd-overlay.sh puts it over init.sh).
#
# As in init.sh, the initramfs root cannot be pivoted away from, and berth
# pivots into every container's root: so this copies the root into a tmpfs
# and switch_root's there, straight into systemd as PID 1.  systemd mounts
# /proc, /sys, /dev, /run and the unified cgroup hierarchy itself (the
# kernel command line has cgroup_no_v1=all and systemd.unit=berth-test.target,
# which runs systemd-stage.sh and nothing else of a normal boot).
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
mount -t proc proc /proc
mkdir -p /newroot
mount -t tmpfs -o mode=0755 tmpfs /newroot
for e in /*; do
  case $e in /proc|/sys|/dev|/newroot) ;; *) cp -a "$e" /newroot/ ;; esac
done
mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/run
umount /proc
exec switch_root /newroot /lib/systemd/systemd
echo "berth-vm: switch_root to systemd failed" > /dev/console
poweroff -f
