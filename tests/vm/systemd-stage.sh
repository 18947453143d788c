#!/bin/sh
# Run by berth-test.service inside the systemd guest (init-systemd.sh): the
# test script's output goes to the second serial port (the host's results
# file), then BERTH_VM_STATUS=<exit status>, then the guest powers off
# without asking systemd (nothing needs stopping, and it is faster).
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
OUT=/dev/ttyS1
stty -F $OUT raw -echo 2>/dev/null
mkdir -p /dev/pts /dev/mqueue
mountpoint -q /dev/pts || mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
hostname berth-vm
ip link set lo up 2>/dev/null
if [ -x /opt/berth/guest-test.sh ]; then
  HOME=/root TERM=dumb /bin/bash /opt/berth/guest-test.sh > $OUT 2>&1 < /dev/null
  rc=$?
else
  echo "berth-vm: /opt/berth/guest-test.sh missing" > $OUT; rc=127
fi
sync
echo "BERTH_VM_STATUS=$rc" > $OUT
poweroff -f
