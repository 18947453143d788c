#!/bin/bash
# build-initramfs.sh KERNEL_DIR BUILD_DIR OUT: the guest's whole file system,
# as one gzip'd newc cpio archive at OUT (the kernel unpacks it into its
# rootfs; tests/vm/init.sh then copies it into a tmpfs).
#
#   /init                    tests/vm/init.sh
#   /bin/busybox + applets   the guest's userland (Debian's busybox-static)
#   /bin/bash, /usr/bin/jq   for the test script, with their shared libraries
#   /usr/local/bin/berth     BUILD_DIR/berth (or $BERTH_VM_RUNTIME), stripped,
#                            with its libraries
#   /opt/berth/              guest-test.sh (or $BERTH_VM_TEST), tests/lib.sh, the integration
#                            tests' config.json, the static payload, and
#                            rootfs/: a busybox container root with /payload
#   /lib/modules/*.ko        brd (a RAM disk: the guest's only block device),
#                            dummy (network interfaces for linux.netDevices)
#
# Everything comes from this host's Debian packages and the build; nothing
# is downloaded here.
set -uo pipefail
kdir=${1:?usage: build-initramfs.sh KERNEL_DIR BUILD_DIR OUT}
build=${2:?usage: build-initramfs.sh KERNEL_DIR BUILD_DIR OUT}
out=${3:?usage: build-initramfs.sh KERNEL_DIR BUILD_DIR OUT}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

die() { echo "vm initramfs: $*" >&2; exit 1; }
for f in "$build/berth" "$build/tests/payload/payload" /bin/busybox /bin/bash; do
  [ -x "$f" ] || die "missing $f"
done
jq=$(command -v jq) || die "jq is not installed"
kver=$(cat "$kdir/KVER") || die "no KVER in $kdir"

stage=$(mktemp -d "${TMPDIR:-/tmp}/berth-vm-root.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,lib,etc,proc,sys,dev,run,tmp,root,opt/berth}

# busybox-static: its own applet list, as links (hard links would be
# cheaper in the archive but make `cp -a` in stage 1 copy the binary each time).
cp /bin/busybox "$stage/bin/busybox"
for a in $(/bin/busybox --list); do
  [ -e "$stage/bin/$a" ] || ln -s busybox "$stage/bin/$a"
done

# An ELF and the shared objects ldd resolves for it, at the same paths, so
# the guest's dynamic loader finds them without an ld.so.cache.
with_libs() {  # with_libs SRC DEST
  mkdir -p "$stage$(dirname "$2")" && cp -L "$1" "$stage$2" || return 1
  local lib
  for lib in $(ldd "$1" 2>/dev/null | grep -oE '/[^ ]+'); do
    [ -e "$stage$lib" ] && continue
    mkdir -p "$stage$(dirname "$lib")" && cp -L "$lib" "$stage$lib" || return 1
  done
}
rm -f "$stage/bin/bash"
with_libs /bin/bash /bin/bash || die "cannot copy bash"
with_libs "$jq" /usr/bin/jq || die "cannot copy jq"
# The debug build is tens of MB of symbols: unpacking them costs seconds
# under TCG, and the guest never needs them.
# BERTH_VM_RUNTIME (e.g. /usr/bin/runc) takes berth's place, to check the
# guest's tests themselves against a reference runtime; its name is left in
# /opt/berth/runtime for the checks whose expectations are berth's own.
runtime=${BERTH_VM_RUNTIME:-$build/berth}
strip -o "$stage/berth.tmp" "$runtime" 2>/dev/null || cp "$runtime" "$stage/berth.tmp"
with_libs "$runtime" /usr/local/bin/berth && mv "$stage/berth.tmp" "$stage/usr/local/bin/berth" ||
  die "cannot copy $runtime"
basename "$runtime" > "$stage/opt/berth/runtime"

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$stage/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' > "$stage/etc/group"

# Kernel modules, loaded with insmod by path (no depmod, no modules.dep):
# brd and dummy depend on nothing.  Debian 12's modules are uncompressed; newer ones
# may be .ko.xz, unpacked here for busybox's insmod.
mkdir -p "$stage/lib/modules"
for m in brd dummy; do
  src=$(find "$kdir/lib/modules/$kver" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
  if [ -z "$src" ]; then echo "vm initramfs: note: no module $m in $kver" >&2; continue; fi
  case $src in
    *.xz) xz -dc "$src" > "$stage/lib/modules/$m.ko" ;;
    *) cp "$src" "$stage/lib/modules/$m.ko" ;;
  esac
done

# The tests and the containers' root.
install -m 0755 "${BERTH_VM_TEST:-$here/guest-test.sh}" "$stage/opt/berth/guest-test.sh" &&
  cp "$top/tests/lib.sh" "$top/tests/integration/config.json" "$stage/opt/berth/" &&
  install -m 0755 "$build/tests/payload/payload" "$stage/opt/berth/payload" &&
  bash "$top/scripts/make-rootfs.sh" "$stage/opt/berth/rootfs" >/dev/null &&
  install -m 0755 "$build/tests/payload/payload" "$stage/opt/berth/rootfs/payload" ||
  die "cannot stage the tests"
install -m 0755 "$here/init.sh" "$stage/init" || die "cannot stage init"

mkdir -p "$(dirname "$out")"
( cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet ) | gzip -1 > "$out.tmp" &&
  mv "$out.tmp" "$out" || die "cpio failed"
