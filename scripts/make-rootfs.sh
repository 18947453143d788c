#!/bin/bash
# make-rootfs.sh DIR: a minimal container root filesystem from Debian's
# busybox-static (one static binary plus applet links), built by the project
# itself: no registry, no image download.
set -euo pipefail
dir=${1:?usage: make-rootfs.sh DIR}
bb=/bin/busybox
file -L "$bb" 2>/dev/null | grep -q 'statically linked' || [ -x /usr/lib/busybox-static ] || true
mkdir -p "$dir"/{bin,sbin,etc,proc,sys,dev,tmp,root,var,run,usr/bin,usr/sbin}
cp "$bb" "$dir/bin/busybox"
for a in $("$bb" --list); do
  [ -e "$dir/bin/$a" ] || ln -s busybox "$dir/bin/$a"
done
chmod 1777 "$dir/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$dir/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' > "$dir/etc/group"
